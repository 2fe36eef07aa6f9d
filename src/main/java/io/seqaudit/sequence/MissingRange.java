package io.seqaudit.sequence;

/**
 * A run of consecutive missing seqs of one stream, {@code from..to} inclusive, all lost at the same stage.
 *
 * @param from first missing seq
 * @param to last missing seq, {@code >= from}
 * @param openedAt the auditor's progress time (epoch ms) when the range was found missing
 * @param lostAt the progress time (epoch ms) when the grace window ran out, or 0 while only suspected
 * @param stage where the seqs were lost, as the producer's beacons tell; {@link LossStage#UNKNOWN} without one
 * @param cause for {@link LossStage#PRODUCER}: the exception class the producer saw, or {@code unsent}; else null
 */
public record MissingRange(long from, long to, long openedAt, long lostAt, LossStage stage, String cause) {

    /** What a producer's beacon says of seqs stamped and never handed to Kafka (no acknowledgement, no error). */
    public static final String UNSENT = "unsent";

    public MissingRange {
        if (to < from) {
            throw new IllegalArgumentException("empty range " + from + ".." + to);
        }
        if (stage == null) {
            throw new IllegalArgumentException("a missing range needs a stage");
        }
    }

    /** A range no beacon has told about yet. */
    public MissingRange(long from, long to, long openedAt, long lostAt) {
        this(from, to, openedAt, lostAt, LossStage.UNKNOWN, null);
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
        return new MissingRange(newFrom, newTo, openedAt, lostAt, stage, cause);
    }

    MissingRange withStage(LossStage newStage, String newCause) {
        return new MissingRange(from, to, openedAt, lostAt, newStage, newCause);
    }

    MissingRange lost(long at) {
        return new MissingRange(from, to, openedAt, at, stage, cause);
    }
}
