package io.seqaudit.sequence;

import java.util.List;

/**
 * What a producer's beacon says of one stream: every seq up to {@code upTo} was stamped and has an outcome at the
 * producer; those in {@code notSent} never reached the log (the send failed, or was never made), every other one
 * was acknowledged by a broker. Immutable.
 *
 * @param upTo the highest seq whose outcome the producer knows (all below it too)
 * @param notSent ascending, disjoint ranges of seqs that never reached the log, each with its cause
 */
public record ProducerClaim(long upTo, List<NotSent> notSent) {

    public ProducerClaim {
        notSent = List.copyOf(notSent);
    }

    /**
     * Seqs {@code from..to} that the producer never got into the log.
     *
     * @param cause the exception class the producer's send failed with, or {@link MissingRange#UNSENT}
     */
    public record NotSent(long from, long to, String cause) {
    }

    /** The stage and cause the claim gives {@code seq}, which must be at most {@link #upTo}. */
    NotSent notSentAt(long seq) {
        for (NotSent n : notSent) {
            if (seq >= n.from() && seq <= n.to()) {
                return n;
            }
        }
        return null;
    }

    /** The first seq above {@code seq} where a not-sent range starts, or Long.MAX_VALUE. */
    long nextNotSentAfter(long seq) {
        for (NotSent n : notSent) {
            if (n.from() > seq) {
                return n.from();
            }
        }
        return Long.MAX_VALUE;
    }
}
