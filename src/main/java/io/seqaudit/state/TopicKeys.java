package io.seqaudit.state;

import java.util.List;

/**
 * Redis key names of one audited topic. Every key carries the topic as its hash tag ({@code {topic}}), so a
 * topic's whole audit state lands in one Redis Cluster slot: the checkpoint script can update offsets, streams
 * and gaps of all the topic's partitions atomically. The unit of scale-out in Redis is therefore the topic.
 * Kafka topic names cannot contain braces, so the tag is always well formed.
 *
 * @param prefix the configured key prefix
 * @param topic the audited topic
 */
public record TopicKeys(String prefix, String topic) {

    private String key(String name) {
        return prefix + ":{" + topic + "}:" + name;
    }

    /** partition → next offset to audit. */
    public String offsets() {
        return key("offsets");
    }

    /** partition → the first offset ever audited (coverage start). */
    public String cover() {
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

    /** producer-epoch hash → "epoch producer". */
    public String producerEpochs() {
        return key("pe");
    }

    /** producer-epoch hash → when streams of it were last expired (epoch ms). */
    public String expired() {
        return key("expired");
    }

    /** replay id → replay JSON. */
    public String replays() {
        return key("replays");
    }

    /** The lease of one replay: held by the replayer instance working on it. */
    public String replayLease(String replayId) {
        return key("lease:" + replayId);
    }

    /** The keys in the order the checkpoint script expects them. */
    public List<String> checkpointKeys() {
        return List.of(offsets(), cover(), progress(), streams(), gaps(), open(), totals(), duplicates(),
                producerEpochs(), expired());
    }
}
