package io.seqaudit.api;

import java.util.Map;

/**
 * Totals, overall and per topic, as {@code GET /api/v1/summary} serves them.
 *
 * @param records records audited per outcome
 * @param invalid invalid records per reason
 * @param suspected seqs suspected missing now
 * @param lost seqs lost now
 * @param lostTotal seqs ever confirmed lost
 * @param streams streams tracked
 */
public record SummaryView(Map<String, Long> records, Map<String, Long> invalid, long suspected, long lost,
        long lostTotal, long streams, Map<String, SummaryView> topics) {
}
