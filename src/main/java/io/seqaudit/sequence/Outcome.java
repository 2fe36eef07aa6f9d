package io.seqaudit.sequence;

import java.util.Locale;

/**
 * What the auditor decided about one consumed record. The lower-case name is the {@code outcome} tag of
 * {@code seqaudit_records_total} and the key of the totals in {@code GET /api/v1/summary}.
 */
public enum Outcome {
    /** The next seq of its stream (or seq 0 of a new stream). */
    IN_ORDER,
    /** Beyond the next expected seq: the skipped seqs open a suspected gap. */
    OUT_OF_ORDER,
    /**
     * Beyond the next expected seq, but the records between this one and its stream's previous one were not all
     * readable (compacted away, or deleted by retention before the auditor read them): the skipped seqs are not
     * audited, counted as a coverage gap, never suspected or lost.
     */
    RESUMED,
    /** Fills a seq that was missing (suspected or already lost). */
    LATE,
    /** A seq of this stream that was already seen, at another offset. */
    DUPLICATE,
    /** First record of a stream whose start the auditor could not have seen: taken from its seq. */
    JOINED_LATE,
    /** No seqaudit headers at all. */
    UNSTAMPED,
    /** Headers present but malformed, or a seq jump beyond the cap: counted with a reason. */
    INVALID,
    /** A record republished by a replay (header {@code seqaudit-replay}) that filled a missing seq. */
    REPLAYED,
    /** A replayed record for a seq already present: nothing to repair. */
    REPLAY_REDUNDANT,
    /** An original that arrived after its replay had filled the seq: not a business duplicate. */
    REPLAY_SUPERSEDED;

    private final String tag = name().toLowerCase(Locale.ROOT);

    /** The metric tag and JSON name of this outcome. */
    public String tag() {
        return tag;
    }
}
