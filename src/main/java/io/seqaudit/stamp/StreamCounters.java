package io.seqaudit.stamp;

import java.nio.ByteBuffer;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongUnaryOperator;

/**
 * Bounded per-(topic, key) sequence counters, shared by all threads that call {@code send()}.
 *
 * <p>Design: the keys are spread over a power-of-two number of stripes; each stripe is an
 * access-ordered {@link LinkedHashMap} (least recently used first) guarded by its own monitor. A send
 * holds one stripe's lock only for a hash lookup and an increment, so threads rarely wait and never
 * for long. Each stripe holds at most {@code maxKeys / stripes} entries, so the whole map holds at
 * most {@code maxKeys}; eviction is LRU per stripe, not globally.
 *
 * <p>Epochs: every entry carries the epoch it was created under, and all its seqs belong to that
 * epoch. A key that is not in the map may have been evicted earlier, and we cannot remember which
 * keys were (that memory would be unbounded), so a (re)created entry must take an epoch the key has
 * never used. {@link #currentEpoch} gives that: new entries take its value, and evicting an entry of
 * the current epoch first advances it to a fresh epoch from the process ({@link ProcessIdentity#nextEpochAbove},
 * {@code max(now, last + 1)} over all producers of the process, so two producers of one process never advance
 * to the same epoch, even when they share an id). A key's entries are created and
 * evicted under the same stripe lock, so its next entry always sees an epoch strictly above all its
 * earlier ones. Advancing only when a current-epoch entry is evicted (rather than once per returning
 * key) keeps the epoch near the wall clock, so a restarted producer, whose default epoch is its start
 * time, still takes a higher epoch unless sends exceed about 1000 x (per-stripe capacity) per second.
 *
 * <p>The seq is taken inside the same critical section as the lookup, so no thread ever uses an entry
 * after it is evicted. Were the increment moved outside the lock, a racing thread using an evicted
 * entry would still be harmless: the key's new entry has a higher epoch, so the old entry's seqs stay
 * unique within the old epoch, which nobody else uses for that key.
 */
final class StreamCounters {

    /** Epoch and seq assigned to one record, and its stream's beacon memory (null without beacons). */
    record Stamp(long epoch, long seq, BeaconStream beacon) {
    }

    /** Map key: the topic plus the record key, null and byte arrays turned into value-equal objects. */
    private record StreamKey(String topic, Object key) {
    }

    /** One stream's counter; guarded by the lock of the stripe that holds it. */
    private static final class Counter {
        final long epoch;
        final BeaconStream beacon;
        long nextSeq;

        Counter(long epoch, BeaconStream beacon) {
            this.epoch = epoch;
            this.beacon = beacon;
        }
    }

    /** Stand-in for the null key: equal only to itself, so the null key is one key of its own. */
    private static final Object NULL_KEY = new Object() {
        @Override
        public String toString() {
            return "<null key>";
        }
    };

    private static final int MIN_ENTRIES_PER_STRIPE = 16;

    private final Map<StreamKey, Counter>[] stripes;
    private final int mask;
    private final int stripeCapacity;
    private final int maxKeys;
    /** Entries held over all stripes; the bound that eviction keeps. */
    private final java.util.concurrent.atomic.AtomicInteger total = new java.util.concurrent.atomic.AtomicInteger();
    private final LongUnaryOperator epochAbove;
    private final AtomicLong currentEpoch;
    private final LongAdder evictions = new LongAdder();
    /** Whether each stream keeps what its beacons tell (the interceptor sends beacons). */
    private volatile boolean beacons;

    /**
     * @param maxKeys at most this many entries overall (at least 1)
     * @param maxStripes upper bound on the number of stripes (rounded down to a power of two)
     * @param baseEpoch epoch of entries created before any eviction
     * @param epochAbove gives an epoch above its argument, near the wall clock, used when the epoch has to
     *        advance; may throw {@link IllegalStateException} when the epoch space is exhausted
     */
    @SuppressWarnings("unchecked")
    StreamCounters(int maxKeys, int maxStripes, long baseEpoch, LongUnaryOperator epochAbove) {
        if (maxKeys < 1 || maxStripes < 1 || baseEpoch < 0) {
            throw new IllegalArgumentException("maxKeys and maxStripes must be >= 1, baseEpoch >= 0");
        }
        // Few enough stripes that each holds a useful LRU window (not, say, 64 stripes of 1 entry).
        int n = Integer.highestOneBit(Math.max(1, Math.min(maxStripes, maxKeys / MIN_ENTRIES_PER_STRIPE)));
        this.stripes = new Map[n];
        for (int i = 0; i < n; i++) {
            stripes[i] = new LinkedHashMap<>(16, 0.75f, true);
        }
        this.mask = n - 1;
        // A stripe may hold up to twice its share: keys never hash evenly, and a stripe evicting while the whole
        // map has room would give keys fresh epochs (new streams) for nothing. The total stays within maxKeys.
        this.stripeCapacity = 2 * (maxKeys / n);
        this.maxKeys = maxKeys;
        this.epochAbove = epochAbove;
        this.currentEpoch = new AtomicLong(baseEpoch);
    }

    /**
     * Assigns the next seq of (topic, key).
     *
     * @throws RuntimeException whatever the key's {@code hashCode}/{@code equals} throws, or
     *         {@link IllegalStateException} if the epoch space is exhausted; nothing is assigned then
     */
    Stamp next(String topic, Object key) {
        StreamKey lookup = new StreamKey(topic, lookupIdentity(key));
        Map<StreamKey, Counter> stripe = stripeFor(lookup);
        synchronized (stripe) {
            Counter counter = stripe.get(lookup);
            if (counter == null) {
                // Take the slot first (atomically across stripes), then give one back by evicting if over.
                boolean over = total.incrementAndGet() > maxKeys;
                if (!stripe.isEmpty() && (over || stripe.size() >= stripeCapacity)) {
                    evictEldest(stripe);
                    total.decrementAndGet();
                }
                long epoch = currentEpoch.get();
                // The beacon keeps the key as the application gave it (its serializer turns it into bytes later).
                Object beaconKey = key instanceof byte[] b ? b.clone() : key;
                counter = new Counter(epoch, beacons ? new BeaconStream(topic, beaconKey, epoch) : null);
                // Store a private copy of array keys: the application may reuse its array.
                stripe.put(new StreamKey(topic, ownedIdentity(lookup.key())), counter);
            }
            return new Stamp(counter.epoch, counter.nextSeq++, counter.beacon);
        }
    }

    private void evictEldest(Map<StreamKey, Counter> stripe) {
        Iterator<Counter> it = stripe.values().iterator();
        long evictedEpoch = it.next().epoch;
        // Advance before the key can come back: its next entry must see an epoch above its old one. Throws (and
        // evicts nothing) past 2^63-1, never reachable with real clocks: refuse rather than reuse (MAX, 0).
        if (currentEpoch.get() <= evictedEpoch) {
            currentEpoch.accumulateAndGet(epochAbove.applyAsLong(evictedEpoch), Math::max);
        }
        it.remove();
        evictions.increment();
    }

    /** From now on, new streams keep what their beacons tell. */
    void keepBeacons() {
        beacons = true;
    }

    /** Forgets every key; keys seen again start at seq 0 under an epoch above every epoch used so far. */
    void clear() {
        for (Map<StreamKey, Counter> stripe : stripes) {
            synchronized (stripe) {
                if (!stripe.isEmpty()) {
                    long cur = currentEpoch.get();
                    if (cur != Long.MAX_VALUE) {
                        currentEpoch.accumulateAndGet(epochAbove.applyAsLong(cur), Math::max);
                    }
                    total.addAndGet(-stripe.size());
                    stripe.clear();
                }
            }
        }
    }

    /** Entries currently held (takes each stripe lock briefly). */
    int size() {
        int size = 0;
        for (Map<StreamKey, Counter> stripe : stripes) {
            synchronized (stripe) {
                size += stripe.size();
            }
        }
        return size;
    }

    long evictions() {
        return evictions.sum();
    }

    /** Epoch that an entry created now would take. */
    long currentEpoch() {
        return currentEpoch.get();
    }

    /** The bound on {@link #size()}: maxKeys (exceeded by one entry per stripe only while that stripe is empty). */
    int capacity() {
        return maxKeys;
    }

    private Map<StreamKey, Counter> stripeFor(StreamKey key) {
        // The stripe comes from the TOP bits of a multiplicative hash: the stripe's own HashMap buckets by the
        // low bits, and a stripe chosen by those same bits would leave most of its buckets empty (long chains).
        int h = key.hashCode() * 0x9E3779B9;
        return stripes[(h >>> 16) & mask];
    }

    /** Value-equal identity for lookups: wraps arrays without copying (the common, hot path). */
    private static Object lookupIdentity(Object key) {
        if (key == null) {
            return NULL_KEY;
        }
        if (key instanceof byte[] bytes) {
            return ByteBuffer.wrap(bytes);
        }
        if (key instanceof ByteBuffer buffer) {
            return buffer.duplicate(); // equality uses the remaining bytes, independent of later reads
        }
        return key;
    }

    /** Identity safe to keep in the map: array contents copied so later changes cannot corrupt it. */
    private static Object ownedIdentity(Object lookup) {
        if (lookup instanceof ByteBuffer buffer) {
            byte[] copy = new byte[buffer.remaining()];
            buffer.duplicate().get(copy);
            return ByteBuffer.wrap(copy);
        }
        return lookup;
    }
}
