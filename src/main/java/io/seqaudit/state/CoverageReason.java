package io.seqaudit.state;

import java.util.Locale;

/**
 * Why records of a topic were not audited: they left the log before the auditor could read them. The lower-case
 * name is the {@code reason} tag of {@code seqaudit_uncovered_seqs_total} and the {@code reason} of a coverage gap.
 */
public enum CoverageReason {
    /** Deleted by retention ({@code retention.ms}, {@code retention.bytes}, DeleteRecords) before they were read. */
    RETENTION,
    /** Possibly compacted away: read outside the window {@code min.compaction.lag.ms} guarantees. */
    COMPACTED;

    private final String tag = name().toLowerCase(Locale.ROOT);

    public String tag() {
        return tag;
    }
}
