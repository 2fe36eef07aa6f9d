package io.seqaudit.audit;

/**
 * What the headers of one record say: a valid stamp, or why there is none.
 *
 * @param producer the producer id, null unless valid
 * @param epoch the producer's epoch
 * @param seq the record's seq in its stream
 * @param problem null for a valid stamp, {@link #UNSTAMPED}, or the reason the stamp is invalid
 * @param replay whether the record carries {@code seqaudit-replay} (republished by a replay)
 */
public record Stamp(String producer, long epoch, long seq, String problem, boolean replay) {

    /** No seqaudit header at all. */
    public static final String UNSTAMPED = "unstamped";

    public boolean valid() {
        return problem == null;
    }

    public boolean unstamped() {
        return UNSTAMPED.equals(problem);
    }

    static Stamp problem(String reason) {
        return new Stamp(null, 0, 0, reason, false);
    }
}
