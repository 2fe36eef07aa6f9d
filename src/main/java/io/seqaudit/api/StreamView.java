package io.seqaudit.api;

import io.seqaudit.state.GapState;
import java.util.List;

/**
 * One stream of a key, as {@code GET /api/v1/streams} serves it.
 *
 * @param startSeq the first seq tracked (above 0 for a stream joined late)
 * @param nextExpectedSeq the seq expected next
 * @param highestSeq the highest seq seen
 * @param missing the missing ranges, ascending
 * @param duplicates how many duplicates the stream had
 * @param partition its home partition (first seen there)
 * @param multiPartition whether it was seen on more than one partition (always, for the null key): its grace
 *        is then bounded by the slowest partition
 */
public record StreamView(String topic, String key, String keyBase64, String producer, long epoch, long startSeq,
        long nextExpectedSeq, long highestSeq, List<Range> missing, long duplicates, int partition,
        boolean multiPartition, String lastActivity) {

    /** A missing range with its state in the audit ({@code suspected} or {@code lost}). */
    public record Range(long fromSeq, long toSeq, GapState state) {
    }
}
