package io.seqaudit.state;

import java.util.ArrayList;
import java.util.List;

/**
 * Where a topic's audit state lives: {@code shards} shards, each a Redis Cluster slot of its own (see
 * {@link TopicKeys}). A stream lives in the shard its 20-byte field hashes to; records without a stream
 * (unstamped, invalid) are counted in their partition's shard. Every shard stores, per partition, the offset up
 * to which it has applied that partition's records: that offset fences a write in the same slot as the state
 * it guards, so a stale owner writes nothing to any shard, and a crash between two shards' checkpoints leaves
 * each shard before or after its own part (records below a shard's offset are skipped for that shard on a
 * re-read). Immutable; any thread.
 *
 * @param prefix the configured key prefix
 * @param topic the audited topic
 * @param shards how many shards, {@code >= 1}
 */
public record TopicLayout(String prefix, String topic, int shards) {

    public TopicLayout {
        if (shards < 1) {
            throw new IllegalArgumentException("seqaudit.state.shards must be at least 1, was " + shards);
        }
    }

    public TopicKeys shard(int shard) {
        return new TopicKeys(prefix, topic, shard, shards);
    }

    /** Topic-level keys (meta of shard 0, replays, re-audits). */
    public TopicKeys topicLevel() {
        return shard(0);
    }

    public List<TopicKeys> all() {
        List<TopicKeys> out = new ArrayList<>(shards);
        for (int i = 0; i < shards; i++) {
            out.add(shard(i));
        }
        return out;
    }

    /** The shard of a stream: its field's key-hash and producer-epoch-hash parts mixed, so null keys spread too. */
    public int shardOf(byte[] field) {
        if (shards == 1) {
            return 0;
        }
        int h = ((field[0] & 0xff) << 24 | (field[1] & 0xff) << 16 | (field[2] & 0xff) << 8 | (field[3] & 0xff))
                ^ ((field[12] & 0xff) << 24 | (field[13] & 0xff) << 16 | (field[14] & 0xff) << 8
                        | (field[15] & 0xff));
        return Math.floorMod(h, shards);
    }

    /** The shard that counts a partition's records without a stream. */
    public int shardOfPartition(int partition) {
        return Math.floorMod(partition, shards);
    }
}
