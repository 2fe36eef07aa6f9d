package io.seqaudit.state;

import java.util.List;

/**
 * Redis key names of one shard of an audited topic's state. Every key carries the shard's hash tag: the topic
 * itself when the topic has one shard ({@code seqaudit:{orders}:streams}), else the topic and the shard number
 * ({@code seqaudit:{orders/3}:streams}). A shard's keys therefore land in one Redis Cluster slot, and the
 * checkpoint script updates a shard's offsets, streams and gaps atomically; the shards of one topic spread over
 * the cluster's masters (see {@link TopicLayout}). Kafka topic names cannot contain braces, so the tag is always
 * well formed.
 *
 * @param prefix the configured key prefix
 * @param topic the audited topic
 * @param shard this shard's number, {@code 0 <= shard < shards}
 * @param shards how many shards the topic's state has
 */
public record TopicKeys(String prefix, String topic, int shard, int shards) {

    /** The keys of a topic with a single shard (also the topic-level keys of any topic: shard 0). */
    public TopicKeys(String prefix, String topic) {
        this(prefix, topic, 0, 1);
    }

    /**
     * The id of the last checkpoint a {@link CheckpointLane} applied in this shard: a string key with a time to
     * live, not part of the audit state (a lane's next checkpoint checks it).
     */
    public String chain(String laneId) {
        return key("chain:" + laneId);
    }

    /** The hash tag of this shard's keys. */
    public String tag() {
        return shards == 1 ? topic : topic + "/" + shard;
    }

    private String key(String name) {
        return prefix + ":{" + tag() + "}:" + name;
    }

    /** The shard's identity: {@code gen} (written once when the state is created), layout, shards, origin. */
    public String meta() {
        return key("meta");
    }

    /** partition → next offset whose records this shard has applied. */
    public String offsets() {
        return key("offsets");
    }

    /** partition → the first offset ever audited (coverage start). The Redis key is named {@code cover}. */
    public String coverageStarts() {
        return key("cover");
    }

    /** partition → the auditor's progress time, epoch ms. */
    public String progress() {
        return key("progress");
    }

    /** stream field → stream state blob. */
    public String streams() {
        return key("streams");
    }

    /** gap id → gap JSON. */
    public String gaps() {
        return key("gaps");
    }

    /**
     * Every gap id of {@link #gaps()}, as members of a sorted set (score 0; see {@link SortedIndex}): the stable
     * order the API pages gaps in, so a page reads only what it returns. The checkpoint script keeps it.
     */
    public String gapIndex() {
        return key("gapidx");
    }

    /** stream field → home partition, for streams with missing ranges. */
    public String open() {
        return key("open");
    }

    /** counter name → total. */
    public String totals() {
        return key("totals");
    }

    /** Recent duplicates, newest first, capped. */
    public String duplicates() {
        return key("dups");
    }

    /** producer-epoch hash → "epoch producer". The Redis key is named {@code pe}. */
    public String producerEpochs() {
        return key("pe");
    }

    /** producer-epoch hash → when streams of it were last expired (epoch ms). */
    public String expired() {
        return key("expired");
    }

    /** partition → the leader epoch of the last record applied (lets a restored position detect truncation). */
    public String leaderEpochs() {
        return key("lepoch");
    }

    /** The truncation journal: {@code <partition>:<first>:<last>:<count>} → entries (see {@link Journal}). */
    public String journal() {
        return key("journal");
    }

    /**
     * Coverage gaps: {@code <partition>:<fromOffset>} → JSON of a {@link CoverageRecord} (records removed before
     * the auditor read them; topic-level: kept in shard 0, deleted with the state by a re-audit).
     */
    public String coverage() {
        return key("coverage");
    }

    /**
     * How far the producers' beacons about this topic were applied: {@code <partition>:<beaconPartition>} → the
     * next beacon offset to read for that partition (topic-level: kept in shard 0, deleted by a re-audit).
     */
    public String beaconOffsets() {
        return key("beacons");
    }

    /** Log truncations the auditor handled, newest first (topic-level: kept in shard 0). */
    public String truncations() {
        return key("truncations");
    }

    /** replay id → replay JSON (topic-level: kept in shard 0). */
    public String replays() {
        return key("replays");
    }

    /** Every replay id of {@link #replays()}, as members of a sorted set (score 0; see {@link SortedIndex}). */
    public String replayIndex() {
        return key("replayidx");
    }

    /**
     * Every replay id of {@link #replays()}, scored by when the replay ended (epoch ms), 0 while it is still at work
     * (pending or published): the replayer reads the score-0 members only, the retention sweep the oldest ended.
     */
    public String replayEnds() {
        return key("replayends");
    }

    /** The lease of one replay: held by the replayer instance working on it. */
    public String replayLease(String replayId) {
        return key("lease:" + replayId);
    }

    /** Re-audits of the topic, newest first (topic-level: kept in shard 0). */
    public String reaudits() {
        return key("reaudits");
    }

    /**
     * The consumer stage's progress of the partitions of this shard: {@code <partition>/<group>} →
     * {@link ConsumerProgress} (README, "What the auditor does with receipts"). In the shard's slot, so the
     * consumer script checks the shard's generation and writes the progress and its findings atomically.
     */
    public String consumers() {
        return key("consumers");
    }

    /** Consumer-stage finding id → JSON of a {@link ConsumerFinding}. */
    public String consumerFindings() {
        return key("cfindings");
    }

    /** Every id of {@link #consumerFindings()}, as members of a sorted set (score 0; see {@link SortedIndex}). */
    public String consumerFindingIndex() {
        return key("cfindingidx");
    }

    /** The keys in the order the checkpoint script expects them. */
    public List<String> checkpointKeys() {
        return List.of(offsets(), coverageStarts(), progress(), streams(), gaps(), open(), totals(), duplicates(),
                producerEpochs(), expired(), meta(), leaderEpochs(), journal(), gapIndex());
    }

    /**
     * Every key of the shard's audit state (what a re-audit deletes; replays and re-audits stay): the checkpoint's
     * keys, in its order (the scripts find the meta key at index 11), then the coverage gaps.
     */
    public List<String> stateKeys() {
        List<String> keys = new java.util.ArrayList<>(checkpointKeys());
        keys.add(coverage());
        keys.add(beaconOffsets());
        keys.add(consumers());
        keys.add(consumerFindings());
        keys.add(consumerFindingIndex());
        return keys;
    }
}
