package io.seqaudit.sequence;

/**
 * The detector's decision for one record of a stream.
 *
 * @param outcome what the record is
 * @param opened the range this record revealed as missing ({@link Outcome#OUT_OF_ORDER}), or the range it skipped
 *        without auditing it ({@link Outcome#RESUMED}: open nowhere, never lost), else null
 * @param filled the missing range this record fell into before it was filled ({@link Outcome#LATE}), else null
 * @param original where the seq was seen first ({@link Outcome#DUPLICATE}), or null if no longer remembered
 * @param reason why the record is {@link Outcome#INVALID}, else null
 */
public record Verdict(Outcome outcome, MissingRange opened, MissingRange filled, Position original, String reason) {

    static final Verdict IN_ORDER = new Verdict(Outcome.IN_ORDER, null, null, null, null);
    static final Verdict JOINED_LATE = new Verdict(Outcome.JOINED_LATE, null, null, null, null);

    static Verdict invalid(String reason) {
        return new Verdict(Outcome.INVALID, null, null, null, reason);
    }
}
