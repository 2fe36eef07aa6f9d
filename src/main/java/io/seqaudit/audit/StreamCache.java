package io.seqaudit.audit;

import io.seqaudit.sequence.StreamState;
import io.seqaudit.state.FieldKey;
import io.seqaudit.state.StreamCodec;
import io.seqaudit.state.StreamRef;
import java.util.Arrays;
import java.util.Iterator;
import java.util.NoSuchElementException;

/**
 * The consumer thread's memory of stream states, least recently written first, bounded. An entry holds the blob
 * that Redis holds for the stream (the expected value of the next compare-and-set), the decoded state, and the
 * stream's identity when known. Losing an entry is harmless: the next write finds the blob moved and reloads.
 * Only the auditor's consumer thread uses it.
 *
 * <p>Why not a {@link java.util.LinkedHashMap}: in insertion order it can move an entry to the end only by removing
 * and re-inserting it, a new node per write; in access order every read moves it too. Here the write order is a
 * list threaded through the entries themselves, and a write to a known stream changes its entry in place. At
 * 100,000 keys nearly every record writes another stream, and each such node lived about a second: long enough to
 * be copied by the young collections, which is what made them cost (docs/benchmarks.md, sixth session).
 */
final class StreamCache {

    /** A cached stream: {@code blob} null means absent from Redis. Changed only by the cache. */
    static final class Entry {
        private final FieldKey field;
        /** The field's bytes in three words and its length, compared in place by {@link StreamTable}. */
        final long w0;
        final long w1;
        private final int w2;
        private final int length;
        private byte[] blob;
        private StreamState state;
        private StreamRef ref;
        /** Neighbours in write order: {@code older} towards the eldest, {@code newer} towards the newest. */
        private Entry older;
        private Entry newer;
        /** Whether the cache still holds this entry (false once removed or cleared). */
        private boolean live;

        private Entry(FieldKey field) {
            this.field = field;
            byte[] f = field.bytes();
            this.w0 = StreamTable.word0(f);
            this.w1 = StreamTable.word1(f);
            this.w2 = StreamTable.word2(f);
            this.length = f.length;
        }

        /** Whether this entry is the one of field {@code f}, whose first word the caller has compared. */
        boolean matches(long w1, int w2, byte[] f) {
            return this.w1 == w1 && this.w2 == w2 && length == f.length
                    && (length <= StreamTable.INLINE || Arrays.equals(field.bytes(), f));
        }

        FieldKey field() {
            return field;
        }

        byte[] blob() {
            return blob;
        }

        StreamState state() {
            return state;
        }

        StreamRef ref() {
            return ref;
        }
    }

    private final StreamTable map;
    private final int capacity;
    private Entry eldest;
    private Entry newest;

    StreamCache(int capacity) {
        this.capacity = capacity;
        this.map = new StreamTable(Math.min(capacity, 1 << 16));
    }

    Entry get(FieldKey field) {
        return map.get(field);
    }

    /** Stores what Redis now holds of a stream; the stream becomes the most recently written. */
    void put(FieldKey field, byte[] blob, StreamState state, StreamRef ref) {
        put(map.get(field), field, blob, state, ref);
    }

    /**
     * As {@link #put(FieldKey, byte[], StreamState, StreamRef)}, with the entry the caller got from {@link #get}
     * earlier (null if none): while the cache still holds it, it is changed without a lookup. At 100,000 keys every
     * lookup in this map is a few cache misses, and the auditor writes nearly every stream it reads.
     */
    void put(Entry known, FieldKey field, byte[] blob, StreamState state, StreamRef ref) {
        Entry e = known != null && known.live ? known : map.get(field);
        if (e == null) {
            e = new Entry(field);
            e.live = true;
            map.add(e);
        } else {
            unlink(e);
        }
        e.blob = blob;
        e.state = state;
        e.ref = ref;
        linkNewest(e);
        if (map.size() > capacity) {
            remove(eldest.field);
        }
    }

    /** Moves a cached stream behind all others without changing it (idle compaction's walk skips it next time). */
    void moveToNewest(Entry e) {
        if (e.live) {
            unlink(e);
            linkNewest(e);
        }
    }

    /** Caches a blob read from Redis (null: absent there), keeping a known identity the blob does not carry. */
    void load(String topic, FieldKey field, byte[] blob) {
        if (blob == null) {
            remove(field);
            return;
        }
        StreamCodec.Decoded d = StreamCodec.decode(topic, blob);
        Entry old = map.get(field);
        put(field, blob, d.state(), d.ref() != null ? d.ref() : old == null ? null : old.ref);
    }

    void remove(FieldKey field) {
        Entry e = map.remove(field);
        if (e != null) {
            unlink(e);
            e.live = false;
        }
    }

    void clear() {
        for (Entry e = eldest; e != null; e = e.newer) {
            e.live = false;
        }
        map.clear();
        eldest = null;
        newest = null;
    }

    int size() {
        return map.size();
    }

    /** Least recently written first. Do not change the cache while walking it, except through the iterator's remove. */
    Iterator<Entry> eldestFirst() {
        return new Iterator<>() {
            private Entry next = eldest;
            private Entry last;

            @Override
            public boolean hasNext() {
                return next != null;
            }

            @Override
            public Entry next() {
                if (next == null) {
                    throw new NoSuchElementException();
                }
                last = next;
                next = next.newer;
                return last;
            }

            @Override
            public void remove() {
                if (last == null) {
                    throw new IllegalStateException();
                }
                StreamCache.this.remove(last.field);
                last = null;
            }
        };
    }

    private void unlink(Entry e) {
        if (e.older == null) {
            eldest = e.newer;
        } else {
            e.older.newer = e.newer;
        }
        if (e.newer == null) {
            newest = e.older;
        } else {
            e.newer.older = e.older;
        }
        e.older = null;
        e.newer = null;
    }

    private void linkNewest(Entry e) {
        e.older = newest;
        if (newest == null) {
            eldest = e;
        } else {
            newest.newer = e;
        }
        newest = e;
    }
}
