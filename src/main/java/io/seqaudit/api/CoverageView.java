package io.seqaudit.api;

import io.seqaudit.state.CoverageRecord;

/**
 * A coverage gap as {@code GET /api/v1/topics/{topic}/coverage} serves it: offsets of a partition that left the log
 * before the auditor read them (never audited; the seqs streams skip across them are not reported lost).
 *
 * @param partition the partition
 * @param fromOffset the first offset not audited
 * @param toOffset the last offset not audited
 * @param records how many offsets
 * @param reason {@code retention}
 * @param detectedAt when the auditor found it (ISO-8601)
 */
public record CoverageView(int partition, long fromOffset, long toOffset, long records, String reason,
        String detectedAt) {

    static CoverageView of(CoverageRecord r) {
        return new CoverageView(r.partition(), r.fromOffset(), r.toOffset(), r.records(), r.reason().tag(),
                r.detectedAt());
    }
}
