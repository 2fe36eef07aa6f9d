package io.seqaudit.state;

/**
 * What a shard of a topic's state says about itself.
 *
 * @param generation the state's generation, or null if the shard has none
 * @param shards the shard count the state was created with (0 if unknown)
 * @param origin how the generation was created: {@code start} or {@code reaudit}
 * @param complete on shard 0: every shard of the generation was created
 * @param orphanKey a key the shard holds without an identity (an earlier layout, or an evicted identity), or null
 */
public record ShardIdentity(String generation, int shards, String origin, boolean complete, String orphanKey) {

    static final ShardIdentity EMPTY = new ShardIdentity(null, 0, null, false, null);

    public boolean empty() {
        return generation == null && orphanKey == null;
    }
}
