package io.seqaudit.sequence;

import java.util.Locale;

/**
 * Where a missing seq was lost, as far as the producer's beacons tell (README, "Beacons"). The lower-case name is
 * the {@code stage} tag of {@code seqaudit_lost_total} and the {@code stage} of a gap in the REST API.
 */
public enum LossStage {
    /** No beacon covers the seq: a producer without beacons, or one that died before telling. */
    UNKNOWN,
    /** The producer's send failed (its cause names the exception class) or was never made: it never reached the log. */
    PRODUCER,
    /** The producer got an acknowledgement, and the record is not in the log (a failover, an unclean election). */
    BROKER,
    /**
     * The record is in the log and the application's consumer group committed past it, but the application never
     * finished it (README, "What the auditor does with receipts"): found from processing receipts, per group.
     */
    CONSUMER;

    private final String tag = name().toLowerCase(Locale.ROOT);

    /** The metric tag and JSON name of this stage. */
    public String tag() {
        return tag;
    }

    /** The stage named by {@link #tag()}; throws IllegalArgumentException for another name. */
    public static LossStage ofTag(String tag) {
        return valueOf(tag.toUpperCase(Locale.ROOT));
    }
}
