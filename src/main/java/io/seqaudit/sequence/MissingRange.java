package io.seqaudit.sequence;

/**
 * A run of consecutive missing seqs of one stream, {@code from..to} inclusive.
 *
 * @param from first missing seq
 * @param to last missing seq, {@code >= from}
 * @param openedAt the auditor's progress time (epoch ms) when the range was found missing
 * @param lostAt the progress time (epoch ms) when the grace window ran out, or 0 while only suspected
 */
public record MissingRange(long from, long to, long openedAt, long lostAt) {

    public MissingRange {
        if (to < from) {
            throw new IllegalArgumentException("empty range " + from + ".." + to);
        }
    }

    /** Number of seqs in the range. */
    public long size() {
        return to - from + 1;
    }

    public boolean isLost() {
        return lostAt != 0;
    }

    public boolean contains(long seq) {
        return seq >= from && seq <= to;
    }

    MissingRange withBounds(long newFrom, long newTo) {
        return new MissingRange(newFrom, newTo, openedAt, lostAt);
    }

    MissingRange lost(long at) {
        return new MissingRange(from, to, openedAt, at);
    }
}
