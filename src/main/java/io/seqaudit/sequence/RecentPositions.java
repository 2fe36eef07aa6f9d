package io.seqaudit.sequence;

/**
 * A small ring of where the last few seqs of a stream were read, so a duplicate can name the original's offset.
 * Bounded on purpose: a duplicate of an older seq is still detected, only its original offset is unknown.
 */
public final class RecentPositions {

    /** How many positions a stream remembers. */
    public static final int CAPACITY = 4;

    private final long[] seqs = new long[CAPACITY];
    private final long[] offsets = new long[CAPACITY];
    private final int[] partitions = new int[CAPACITY];
    private int size;
    private int next;

    public void add(long seq, Position at) {
        seqs[next] = seq;
        offsets[next] = at.offset();
        partitions[next] = at.partition();
        next = (next + 1) % CAPACITY;
        size = Math.min(size + 1, CAPACITY);
    }

    /** Where {@code seq} was read, or null if it is not remembered. */
    public Position find(long seq) {
        for (int i = 0; i < size; i++) {
            if (seqs[i] == seq) {
                return new Position(partitions[i], offsets[i]);
            }
        }
        return null;
    }

    public int size() {
        return size;
    }

    /** The i-th remembered entry in insertion order, oldest first. */
    public long seqAt(int i) {
        return seqs[index(i)];
    }

    public Position positionAt(int i) {
        int k = index(i);
        return new Position(partitions[k], offsets[k]);
    }

    private int index(int i) {
        return (next - size + i + CAPACITY) % CAPACITY;
    }

    void clear() {
        size = 0;
        next = 0;
    }

    RecentPositions copy() {
        RecentPositions c = new RecentPositions();
        System.arraycopy(seqs, 0, c.seqs, 0, CAPACITY);
        System.arraycopy(offsets, 0, c.offsets, 0, CAPACITY);
        System.arraycopy(partitions, 0, c.partitions, 0, CAPACITY);
        c.size = size;
        c.next = next;
        return c;
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof RecentPositions r) || r.size != size) {
            return false;
        }
        for (int i = 0; i < size; i++) {
            if (seqAt(i) != r.seqAt(i) || !positionAt(i).equals(r.positionAt(i))) {
                return false;
            }
        }
        return true;
    }

    @Override
    public int hashCode() {
        // Over the remembered entries in order only, as equals compares them (not stale or rotated slots).
        int h = size;
        for (int i = 0; i < size; i++) {
            h = 31 * (31 * h + Long.hashCode(seqAt(i))) + positionAt(i).hashCode();
        }
        return h;
    }
}
