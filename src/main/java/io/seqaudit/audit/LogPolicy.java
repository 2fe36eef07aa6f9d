package io.seqaudit.audit;

import io.seqaudit.sequence.Arrival;
import java.util.Locale;

/**
 * How the broker may remove records of an audited topic before the auditor reads them, from the topic's
 * {@code cleanup.policy} and {@code min.compaction.lag.ms}. Immutable.
 *
 * <p>The rule for a compacted topic: Kafka's log cleaner never cleans past the first segment holding a record
 * younger than {@code min.compaction.lag.ms} (nor the active segment). So when the auditor reads past a missing
 * seq while the stream's previous record is still younger than that lag, every record between the two was still in
 * the log when it was read: a seq missing there is missing, suspected and then lost like on any topic. Otherwise
 * (a catch-up, a re-audit, a lag of 0) the missing seqs may have been compacted: they are counted as not audited
 * ({@link io.seqaudit.sequence.Outcome#RESUMED}, reason {@code compacted}), never as lost. A margin of half the lag,
 * at most a minute, covers the broker's clock against ours and the time between fetching and auditing a record.
 *
 * @param cleanupPolicy the topic's {@code cleanup.policy} ({@code delete}, {@code compact} or both)
 * @param minCompactionLagMs the topic's {@code min.compaction.lag.ms}
 */
record LogPolicy(String cleanupPolicy, long minCompactionLagMs) {

    /** A topic whose records only retention removes (the broker's default). */
    static final LogPolicy DELETE = new LogPolicy("delete", 0);

    /** The most the guarantee window is shortened by, for clocks and processing delay. */
    private static final long MAX_MARGIN_MS = 60_000;

    boolean compacted() {
        return cleanupPolicy.toLowerCase(Locale.ROOT).contains("compact");
    }

    /**
     * The progress time before which a stream's previous record is too old to vouch for the records after it (see
     * {@link Arrival#unguardedBefore()}); {@link Arrival#GUARDED} for a topic that is not compacted.
     *
     * @param now the wall-clock time the records at hand were read (epoch ms)
     */
    long unguardedBefore(long now) {
        if (!compacted()) {
            return Arrival.GUARDED;
        }
        if (minCompactionLagMs <= 0) {
            return Long.MAX_VALUE; // compaction may remove any record but the newest of a key at any time
        }
        long margin = Math.min(minCompactionLagMs / 2, MAX_MARGIN_MS);
        return now - (minCompactionLagMs - margin);
    }
}
