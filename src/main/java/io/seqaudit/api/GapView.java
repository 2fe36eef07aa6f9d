package io.seqaudit.api;

/**
 * One gap: a run of missing seqs of one stream, as {@code GET /api/v1/gaps} serves it.
 *
 * @param id deterministic: the stream's id and the first missing seq
 * @param partition the stream's home partition (where it was first seen); -1 for a repaired gap
 * @param key the record key as text, null for the null key or a key that is not UTF-8
 * @param keyBase64 the record key's bytes in Base64, null for the null key
 * @param state {@code suspected}, {@code lost}, then with a replay {@code replaying}, {@code repaired},
 *        {@code unrecoverable} or {@code failed}
 * @param openedAt when the gap was found (auditor progress time, ISO-8601)
 * @param lostAt when its grace ran out, null while suspected
 * @param stage where the seqs were lost: {@code producer}, {@code broker} or {@code unknown} (no beacon covers
 *        them); null for a repaired gap
 * @param cause for the producer stage: the exception class the producer's send failed with, or {@code unsent}
 *        (stamped and never handed to Kafka); for the consumer stage: the reason of the application's
 *        {@code failed} receipt, if it sent one; else null
 * @param group for the consumer stage: the application consumer group; else null
 * @param offset for the consumer stage: the record's offset in {@code partition}; else null
 * @param reason for the consumer stage: {@code committed_not_processed} (state {@code lost}) or
 *        {@code processed_twice} (state {@code duplicated}); else null
 */
public record GapView(String id, String topic, int partition, String key, String keyBase64, String producer,
        long epoch, long fromSeq, long toSeq, String state, String openedAt, String lostAt, String stage,
        String cause, String group, Long offset, String reason) {

    /** A gap of a stream (no consumer-stage fields). */
    public GapView(String id, String topic, int partition, String key, String keyBase64, String producer,
            long epoch, long fromSeq, long toSeq, String state, String openedAt, String lostAt, String stage,
            String cause) {
        this(id, topic, partition, key, keyBase64, producer, epoch, fromSeq, toSeq, state, openedAt, lostAt, stage,
                cause, null, null, null);
    }
}
