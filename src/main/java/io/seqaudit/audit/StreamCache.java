package io.seqaudit.audit;

import io.seqaudit.sequence.StreamState;
import io.seqaudit.state.FieldKey;
import io.seqaudit.state.StreamCodec;
import io.seqaudit.state.StreamRef;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The consumer thread's memory of stream states, least recently written first, bounded. An entry holds the blob
 * that Redis holds for the stream (the expected value of the next compare-and-set), the decoded state, and the
 * stream's identity when known. Losing an entry is harmless: the next write finds the blob moved and reloads.
 * Only the auditor's consumer thread uses it.
 */
final class StreamCache {

    /** A cached stream: {@code blob} null means absent from Redis. */
    record Entry(byte[] blob, StreamState state, StreamRef ref) {
    }

    private final LinkedHashMap<FieldKey, Entry> map;

    StreamCache(int capacity) {
        // Insertion order, re-inserted on every write: eldest = least recently written, which is what idle
        // compaction walks; a read does not relink the entry (the auditor reads each stream several times a batch).
        this.map = new LinkedHashMap<>(Math.min(capacity, 1 << 16), 0.75f, false) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<FieldKey, Entry> eldest) {
                return size() > capacity;
            }
        };
    }

    Entry get(FieldKey field) {
        return map.get(field);
    }

    void put(FieldKey field, Entry entry) {
        map.remove(field);
        map.put(field, entry);
    }

    /** Caches a blob read from Redis (null: absent there), keeping a known identity the blob does not carry. */
    void load(String topic, FieldKey field, byte[] blob) {
        if (blob == null) {
            map.remove(field);
            return;
        }
        StreamCodec.Decoded d = StreamCodec.decode(topic, blob);
        Entry old = map.get(field);
        put(field, new Entry(blob, d.state(), d.ref() != null ? d.ref() : old == null ? null : old.ref()));
    }

    void remove(FieldKey field) {
        map.remove(field);
    }

    void clear() {
        map.clear();
    }

    int size() {
        return map.size();
    }

    /** Least recently used first; the iterator supports remove. */
    Iterator<Map.Entry<FieldKey, Entry>> eldestFirst() {
        return map.entrySet().iterator();
    }
}
