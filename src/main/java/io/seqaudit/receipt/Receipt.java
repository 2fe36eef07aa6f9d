package io.seqaudit.receipt;

import java.util.List;

/**
 * One receipt message (README, "Processing receipts"): what one consumer group finished of one partition since its
 * previous receipt. Ranges are inclusive, ascending and non-overlapping; {@code processed} and {@code failed} are
 * disjoint; an offset appears at most once in the whole receipt. Immutable; any thread.
 *
 * @param group the application's consumer group id
 * @param processed offsets the application finished, once each
 * @param failed offsets the application gave up on, with why
 */
public record Receipt(String group, String topic, int partition, List<Range> processed, List<Failed> failed) {

    public Receipt {
        processed = List.copyOf(processed);
        failed = List.copyOf(failed);
    }

    /** Offsets {@code from..to}, both included. */
    public record Range(long from, long to) {
        public long size() {
            return to - from + 1;
        }
    }

    /** Offsets {@code from..to}, both included, whose processing failed, and why (e.g. the exception class). */
    public record Failed(long from, long to, String reason) {
        public long size() {
            return to - from + 1;
        }
    }

    /** How many ranges the receipt holds: what the bound on unsent receipts counts. */
    public int ranges() {
        return processed.size() + failed.size();
    }

    /** How many offsets the receipt tells about. */
    public long offsets() {
        return processed.stream().mapToLong(Range::size).sum() + failed.stream().mapToLong(Failed::size).sum();
    }
}
