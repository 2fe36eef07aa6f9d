package io.seqaudit.sequence;

/**
 * Seqs {@code from..to} of one stream, inclusive. Immutable.
 *
 * @param from first seq
 * @param to last seq, {@code >= from}
 */
public record SeqRange(long from, long to) {

    public SeqRange {
        if (to < from) {
            throw new IllegalArgumentException("empty range " + from + ".." + to);
        }
    }

    public boolean contains(long seq) {
        return seq >= from && seq <= to;
    }
}
