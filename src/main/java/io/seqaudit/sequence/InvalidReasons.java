package io.seqaudit.sequence;

import java.util.List;

/**
 * Every reason a record may be counted {@link Outcome#INVALID} for: the {@code reason} tag of
 * {@code seqaudit_invalid_total}, a fixed set so that the metric's tags stay bounded and are registered up front.
 */
public final class InvalidReasons {

    /** In the order the header checks run, then the detector's. */
    public static final List<String> ALL = List.of("missing_producer", "missing_epoch", "missing_seq", "bad_producer",
            "bad_epoch", "bad_seq", "duplicate_header", SequenceDetector.SEQ_JUMP);

    private InvalidReasons() {
    }
}
