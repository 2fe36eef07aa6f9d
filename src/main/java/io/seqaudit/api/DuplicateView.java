package io.seqaudit.api;

/**
 * A record whose seq its stream had already seen, as {@code GET /api/v1/duplicates} serves it.
 *
 * @param partition where the duplicate was read
 * @param offset its offset
 * @param originalPartition where the seq was first read, null if no longer remembered
 * @param originalOffset the first offset, null if no longer remembered
 * @param seenAt the auditor's progress time when it was read (ISO-8601)
 */
public record DuplicateView(String topic, String key, String keyBase64, String producer, long epoch, long seq,
        int partition, long offset, Integer originalPartition, Long originalOffset, String seenAt) {
}
