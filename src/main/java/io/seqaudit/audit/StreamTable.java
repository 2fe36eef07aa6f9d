package io.seqaudit.audit;

import io.seqaudit.state.FieldKey;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * The stream cache's index: field → entry, an open-addressing table (linear probing) that holds the field's first
 * eight bytes beside each slot and the rest inside the entry. Consumer thread only.
 *
 * <p>Why not a {@link java.util.HashMap}: at 100,000 streams and more, nearly every lookup misses the CPU caches,
 * and a hit in a {@code HashMap} follows five objects one after the other (table, node, key, key bytes, value):
 * a fifth of the auditor thread went there (docs/benchmarks.md, eighth and ninth sessions). Here a hit reads a
 * slot of two parallel arrays (independent reads) and the entry. Fields are hashes already (stream fields are
 * 20 bytes of Murmur3): their first bytes place the slot. Why not a library's open map (fastutil's
 * {@code Object2ObjectOpenCustomHashMap} with a byte-array strategy, for one): it keeps only a reference per key
 * and compares through it, one more dependent read per probe, and hashes the 20 bytes again on every lookup.
 * That alternative was not measured here.
 */
final class StreamTable {

    private static final VarHandle LONG = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle INT = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);
    /** Fields of this length (stream fields) are compared by the three words alone. */
    static final int INLINE = 20;

    private StreamCache.Entry[] slots;
    private long[] tags;
    private int mask;
    private int size;

    StreamTable(int expected) {
        int n = Integer.highestOneBit(Math.max(16, expected * 2 - 1)) << 1;
        slots = new StreamCache.Entry[n];
        tags = new long[n];
        mask = n - 1;
    }

    /** A field's three words: the first 8 bytes, the next 8, the next 4 (zero where the field is shorter). */
    static long word0(byte[] f) {
        return f.length >= 8 ? (long) LONG.get(f, 0) : tail(f, 0);
    }

    static long word1(byte[] f) {
        return f.length >= 16 ? (long) LONG.get(f, 8) : tail(f, 8);
    }

    static int word2(byte[] f) {
        return f.length >= 20 ? (int) INT.get(f, 16) : (int) tail(f, 16);
    }

    private static long tail(byte[] f, int from) {
        long v = 0;
        for (int i = Math.min(f.length, from + 8) - 1; i >= from; i--) {
            v = (v << 8) | (f[i] & 0xff);
        }
        return v;
    }

    private int slot(long w0, long w1) {
        // Fibonacci hashing: spreads fields whose first bytes differ little (tests, short fields) as well.
        return (int) (((w0 ^ w1) * 0x9E3779B97F4A7C15L) >>> 40) & mask;
    }

    StreamCache.Entry get(FieldKey key) {
        int i = find(key);
        return i < 0 ? null : slots[i];
    }

    /** The slot holding the entry of this field, or -1. */
    private int find(FieldKey key) {
        byte[] f = key.bytes();
        long w0 = word0(f);
        long w1 = word1(f);
        int w2 = word2(f);
        for (int i = slot(w0, w1);; i = (i + 1) & mask) {
            StreamCache.Entry e = slots[i];
            if (e == null) {
                return -1;
            }
            if (tags[i] == w0 && e.matches(w1, w2, f)) {
                return i;
            }
        }
    }

    /** Adds an entry whose field the table does not hold. */
    void add(StreamCache.Entry e) {
        if (size + 1 > (mask + 1) / 2) {
            grow();
        }
        insert(e);
        size++;
    }

    private void insert(StreamCache.Entry e) {
        int i = slot(e.w0, e.w1);
        while (slots[i] != null) {
            i = (i + 1) & mask;
        }
        slots[i] = e;
        tags[i] = e.w0;
    }

    /** Removes the entry of this field, if held; returns it. */
    StreamCache.Entry remove(FieldKey key) {
        int i = find(key);
        if (i < 0) {
            return null;
        }
        StreamCache.Entry e = slots[i];
        removeAt(i);
        size--;
        return e;
    }

    /** Backward-shift deletion: later entries of the same run move up, so no probe stops early at a hole. */
    private void removeAt(int hole) {
        slots[hole] = null;
        for (int j = (hole + 1) & mask; slots[j] != null; j = (j + 1) & mask) {
            StreamCache.Entry e = slots[j];
            int home = slot(e.w0, e.w1);
            // e may fill the hole if its home is not cyclically within (hole, j].
            boolean stays = hole <= j ? hole < home && home <= j : hole < home || home <= j;
            if (!stays) {
                slots[hole] = e;
                tags[hole] = tags[j];
                slots[j] = null;
                hole = j;
            }
        }
    }

    void clear() {
        Arrays.fill(slots, null);
        size = 0;
    }

    int size() {
        return size;
    }

    private void grow() {
        StreamCache.Entry[] old = slots;
        slots = new StreamCache.Entry[old.length * 2];
        tags = new long[old.length * 2];
        mask = slots.length - 1;
        for (StreamCache.Entry e : old) {
            if (e != null) {
                insert(e);
            }
        }
    }
}
