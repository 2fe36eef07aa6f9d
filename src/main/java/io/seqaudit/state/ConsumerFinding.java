package io.seqaudit.state;

import io.seqaudit.sequence.ConsumerReason;

/**
 * A consumer-stage finding as stored in the shard's {@link TopicKeys#consumerFindings()} hash: one record of an
 * audited topic that one application group committed and never finished, or finished twice (README, "What the
 * auditor does with receipts"). Immutable.
 *
 * @param id deterministic (see {@link #idOf}): the same receipt or due stretch applied again gives the same id
 * @param cause for {@code committed_not_processed} after a {@code failed} receipt: its reason; else null
 * @param key the record key as text (null for the null key or a key that is not UTF-8)
 * @param producer the stamp's producer (null for a record without a valid stamp); {@code epoch}, {@code seq} too
 * @param recordAt the record's timestamp (ISO-8601)
 * @param committedAt when the group's committed offset was first seen past the record (lost), or when the second
 *        receipt was read (twice)
 * @param foundAt when the auditor reported it
 */
public record ConsumerFinding(String id, String group, String topic, int partition, long offset,
        ConsumerReason reason, String cause, String key, String keyBase64, String producer, Long epoch, Long seq,
        String recordAt, String committedAt, String foundAt) {

    /**
     * {@code <topic>.~c.<partition>.<offset>.<reason>.<group>[.<receipt partition>-<receipt offset>]}, partition
     * and offset zero-padded: in byte order after every stream gap id of the topic ({@code ~} sorts after the
     * characters of a stream id), so {@code GET /api/v1/gaps} pages both in one order. A second processing carries
     * the receipt that told of it (a third one is another finding).
     */
    public static String idOf(String topic, int partition, long offset, ConsumerReason reason, String group,
            String receipt) {
        return String.format("%s.~c.%010d.%019d.%s.%s%s", topic, partition, offset, reason.tag(), group,
                receipt == null ? "" : "." + receipt);
    }

    /** Whether an id is a consumer-stage finding id of {@code topic}. */
    public static boolean isFindingId(String topic, String id) {
        return id != null && id.startsWith(topic + ".~c.");
    }

    public String toJson() {
        return GapRecord.write(this);
    }

    public static ConsumerFinding fromJson(String json) {
        return GapRecord.read(json, ConsumerFinding.class);
    }
}
