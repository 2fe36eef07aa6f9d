package io.seqaudit.api;

import java.util.Map;

/**
 * Totals, overall and per topic, as {@code GET /api/v1/summary} serves them.
 *
 * @param records records audited per outcome
 * @param invalid invalid records per reason
 * @param uncovered seqs skipped without audit per reason ({@code compacted}, {@code retention}): their records left
 *        the log before the auditor read them; never counted as lost
 * @param suspected seqs suspected missing now
 * @param lost seqs lost now
 * @param lostTotal seqs ever confirmed lost
 * @param lostFilled of those, seqs whose own record arrived after all, later than the grace (counted {@code late});
 *        replayed ones are not in it
 * @param lostByStage the same, by the stage their gap had when it turned lost: {@code producer}, {@code broker},
 *        {@code unknown} (no beacon covered them then); and {@code consumer}: records the audited application
 *        groups committed and never processed (not seqs: not part of {@code lostTotal})
 * @param aborted seqs found in aborted transactions (never published by choice): closed, never lost
 * @param streams streams tracked
 */
public record SummaryView(Map<String, Long> records, Map<String, Long> invalid, Map<String, Long> uncovered,
        long suspected, long lost, long lostTotal, long lostFilled, Map<String, Long> lostByStage, long aborted,
        long streams, Map<String, SummaryView> topics) {
}
