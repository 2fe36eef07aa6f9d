package io.seqaudit.audit;

import io.seqaudit.state.FieldKey;
import io.seqaudit.state.StreamRef;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

/**
 * The producer epochs a topic's auditor has seen: each one's 8-byte hash (half of its streams' fields), computed
 * once, and whether each shard's dictionary already holds it. Looked up per record without building a string: a
 * producer usually runs one epoch at a time. Consumer thread only.
 */
final class ProducerEpochs {

    /** One producer epoch. */
    static final class Entry {
        final String producer;
        final long epoch;
        final byte[] hash;
        final FieldKey key;
        private final boolean[] written;
        private Entry next;

        private Entry(String producer, long epoch, int shards) {
            this.producer = producer;
            this.epoch = epoch;
            this.hash = StreamRef.producerEpochHash(producer, epoch);
            this.key = new FieldKey(hash);
            this.written = new boolean[shards];
        }

        /** Whether the shard's dictionary holds this producer epoch (written by an applied checkpoint). */
        boolean writtenIn(int shard) {
            return written[shard];
        }

        void written(int shard) {
            written[shard] = true;
        }
    }

    private final Map<String, Entry> byProducer = new HashMap<>();
    private final int shards;

    ProducerEpochs(int shards) {
        this.shards = shards;
    }

    Entry get(String producer, long epoch) {
        Entry first = byProducer.get(producer);
        for (Entry e = first; e != null; e = e.next) {
            if (e.epoch == epoch) {
                return e;
            }
        }
        Entry e = new Entry(producer, epoch, shards);
        e.next = first;
        byProducer.put(producer, e);
        return e;
    }

    /** Forgets which dictionaries hold what (the state is read again from Redis). */
    void forgetWritten() {
        for (Entry first : byProducer.values()) {
            for (Entry e = first; e != null; e = e.next) {
                Arrays.fill(e.written, false);
            }
        }
    }
}
