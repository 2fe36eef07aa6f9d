package io.seqaudit.audit;

import io.seqaudit.sequence.LossStage;
import io.seqaudit.sequence.MissingRange;
import io.seqaudit.sequence.Outcome;
import io.seqaudit.sequence.StreamState;
import io.seqaudit.sequence.MissingRange;
import io.seqaudit.state.Checkpoint;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import io.seqaudit.state.CoverageReason;
import io.seqaudit.state.FieldKey;
import io.seqaudit.state.GapRecord;
import io.seqaudit.state.Journal;
import io.seqaudit.state.StreamCodec;
import io.seqaudit.state.StreamRef;
import io.seqaudit.state.TotalField;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.IntPredicate;
import java.util.function.IntToLongFunction;

/**
 * One attempt at one topic's batch: working copies of the streams it touched and everything it counted, per
 * shard, turned into one {@link Checkpoint} per shard at the end. Thrown away if Redis refuses a checkpoint, so
 * counting here can never count twice. Used only by the consumer thread.
 */
final class BatchWork {

    /**
     * A stream this batch touched: its working state and what Redis held of it before the batch (the checkpoint's
     * expected blob, its missing ranges before). {@code state} is the cached state itself, changed in place (no
     * copy per batch: on the hot path); what the checkpoint needs of the state before the batch is kept aside. A batch
     * that Redis refuses is never built upon: the auditor either re-reads from the stored offsets (which reloads
     * the cache) or {@link #rollback rolls back} the touched streams to their cached blobs before retrying.
     */
    static final class StreamInBatch {
        final FieldKey field;
        final int shard;
        /** The blob Redis holds as far as the cache knows (the compare-and-set's expected value), null if none. */
        final byte[] expected;
        /** Whether the stream was known (cached) before this batch. */
        final boolean existed;
        /** Whether it spanned partitions before this batch. */
        final boolean wasMultiPartition;
        /** Its missing ranges before this batch (immutable). */
        final List<MissingRange> missingBefore;
        final StreamState state;
        StreamRef ref;
        byte[] written;
        boolean compacted;
        /** Delete the stream: idle for longer than the expiry time, without missing seqs. */
        boolean expire;
        /** The cache entry the stream came from, or null: written back without looking it up again. */
        final StreamCache.Entry cached;

        StreamInBatch(FieldKey field, int shard, StreamCache.Entry cached) {
            this.field = field;
            this.shard = shard;
            this.cached = cached;
            this.existed = cached != null;
            this.expected = cached == null ? null : cached.blob();
            this.wasMultiPartition = cached != null && cached.state().multiPartition();
            this.missingBefore = cached == null || !cached.state().anyMissing() ? List.of()
                    : List.copyOf(cached.state().missing());
            this.state = cached == null ? new StreamState() : cached.state();
            this.ref = cached == null ? null : cached.ref();
        }
    }

    /** What one shard's checkpoint counts. */
    static final class ShardCounts {
        /** Per outcome (by ordinal): counted per record, so an array, not a map of boxed longs. */
        private final long[] byOutcome = new long[Outcome.values().length];

        /** The outcomes counted, the ones never seen left out. */
        Map<Outcome, Long> outcomes() {
            Map<Outcome, Long> out = new EnumMap<>(Outcome.class);
            for (Outcome o : Outcome.values()) {
                if (byOutcome[o.ordinal()] != 0) {
                    out.put(o, byOutcome[o.ordinal()]);
                }
            }
            return out;
        }
        final Map<String, Long> invalidReasons = new HashMap<>();
        /** Seqs skipped without being audited (records removed before they were read), by reason. */
        final Map<CoverageReason, Long> uncovered = new EnumMap<>(CoverageReason.class);
        /** Seqs confirmed lost, by the stage their range had when its grace ran out. */
        final Map<LossStage, Long> lostSeqs = new EnumMap<>(LossStage.class);
        /** Missing seqs found in aborted transactions, closed. */
        long abortedSeqs;
        /** Seqs confirmed lost before and filled by a record now (arrived later than the grace). */
        long lostFilled;

        void uncovered(CoverageReason reason, long seqs) {
            uncovered.merge(reason, seqs, Long::sum);
        }
    }

    final Map<FieldKey, StreamInBatch> touched;
    final Map<Integer, ShardCounts> counts = new HashMap<>();
    final Map<Integer, Long> progress = new HashMap<>();
    /** Per shard, the producer epochs this batch adds to the shard's dictionary. */
    private final Map<Integer, Set<ProducerEpochs.Entry>> newProducerEpochs = new HashMap<>();
    /** Partition → the offset this batch stores as audited. */
    final Map<Integer, Long> next = new HashMap<>();
    /** Partition → the leader epoch of the last record read. */
    final Map<Integer, Integer> leaderEpochs = new HashMap<>();
    /** Shard → partition → what this batch journals, in offset order. */
    final Map<Integer, Map<Integer, List<Journal.Entry>>> journal = new HashMap<>();
    /** What this batch writes to the journal: per shard and partition, the segment added and those deleted. */
    final List<JournalWrite> journalWrites = new ArrayList<>();

    /** Gaps opened by this batch whose seqs may sit in aborted transactions (see BatchAuditor). */
    final List<AbortCandidate> abortCandidates = new ArrayList<>(0);

    BatchWork() {
        this(0);
    }

    /**
     * @param records how many records the batch holds: at most one stream each, so the map of touched streams is
     *        sized for them once instead of doubling a dozen times through a 5,000-record poll of distinct keys
     */
    BatchWork(int records) {
        touched = new LinkedHashMap<>(Math.min(1 << 16, Math.max(16, (int) (records / 0.75f) + 1)));
    }

    /**
     * A gap of a stream, and the offsets of its partition ({@code from} up to {@code to}, exclusive) where records of
     * an aborted transaction carrying its seqs could be.
     */
    record AbortCandidate(StreamInBatch stream, byte[] key, String producer, long epoch, MissingRange gap,
            int partition, long from, long to) {

        /** Whether a record read uncommitted carries one of this gap's seqs, for this stream, in range. */
        boolean holds(ConsumerRecord<byte[], byte[]> rec, Stamp stamp) {
            return rec.partition() == partition && rec.offset() >= from && rec.offset() < to
                    && gap.contains(stamp.seq()) && stamp.epoch() == epoch && stamp.producer().equals(producer)
                    && Arrays.equals(rec.key(), key);
        }
    }

    /** One shard's journal change for one partition. */
    record JournalWrite(int shard, int partition, Journal.Segment added, List<Journal.Segment> deleted) {
    }

    /** Journals that the record at {@code offset} made seq {@code seq} of its stream present. */
    void journal(int shard, int partition, long offset, byte[] key, byte[] producerEpoch, long seq) {
        // Records come partition by partition: the list of the previous record is nearly always the right one.
        if (journalList == null || shard != journalShard || partition != journalPartition) {
            journalList = journal.computeIfAbsent(shard, s -> new HashMap<>())
                    .computeIfAbsent(partition, p -> new ArrayList<>());
            journalShard = shard;
            journalPartition = partition;
        }
        journalList.add(new Journal.Entry(offset, key, producerEpoch, seq));
    }

    private List<Journal.Entry> journalList;
    private int journalShard;
    private int journalPartition;

    Set<ProducerEpochs.Entry> newProducerEpochs(int shard) {
        return newProducerEpochs.computeIfAbsent(shard, s -> java.util.Collections.newSetFromMap(
                new java.util.IdentityHashMap<>()));
    }

    StreamInBatch touch(FieldKey field, int shard, StreamCache cache) {
        return touched.computeIfAbsent(field, f -> new StreamInBatch(f, shard, cache.get(f)));
    }

    ShardCounts counts(int shard) {
        // The last shard counted is nearly always the next one (one shard per topic outside Redis Cluster).
        if (lastCounts == null || shard != lastCountsShard) {
            lastCounts = counts.computeIfAbsent(shard, s -> new ShardCounts());
            lastCountsShard = shard;
        }
        return lastCounts;
    }

    private ShardCounts lastCounts;
    private int lastCountsShard;

    void count(int shard, Outcome outcome) {
        counts(shard).byOutcome[outcome.ordinal()]++;
    }

    void invalid(int shard, String reason) {
        count(shard, Outcome.INVALID);
        counts(shard).invalidReasons.merge(reason, 1L, Long::sum);
    }

    /**
     * Adds every changed stream, its gaps and the totals to its shard's checkpoint.
     *
     * @param idleBefore per home partition, the progress time before which a stream counts as idle
     * @param owned whether a partition is owned here: a single-partition stream homed on one is written unguarded
     *        (the partition's offset in the same script already fences the write)
     */
    void writeStreams(List<Checkpoint> shards, IntToLongFunction idleBefore, IntPredicate owned) {
        for (StreamInBatch t : touched.values()) {
            Checkpoint cp = shards.get(t.shard);
            boolean single = t.existed && t.expected != null && !t.wasMultiPartition
                    && !t.state.multiPartition() && owned.test(t.state.home());
            if (t.expire) {
                write(cp, t, single, null);
                cp.add(TotalField.Fixed.STREAMS, -1);
                cp.add(TotalField.Fixed.EXPIRED, 1);
                cp.expiredProducerEpoch(StreamRef.producerEpochPart(t.field.bytes()), t.state.lastActivity());
                continue;
            }
            if (t.state.isNew()) {
                continue; // only invalid records: nothing to store
            }
            boolean keepRecent = t.state.lastActivity() >= idleBefore.applyAsLong(t.state.home());
            byte[] next = StreamCodec.encode(t.state, t.ref, keepRecent);
            if (Arrays.equals(next, t.expected)) {
                continue;
            }
            t.written = next;
            t.compacted = !keepRecent;
            write(cp, t, single, next);
            if (t.expected == null) {
                cp.add(TotalField.Fixed.STREAMS, 1);
            }
            writeGaps(cp, t);
        }
        counts.forEach((shard, c) -> {
            Checkpoint cp = shards.get(shard);
            c.outcomes().forEach((o, n) -> cp.add(TotalField.records(o), n));
            c.invalidReasons.forEach((r, n) -> cp.add(TotalField.invalid(r), n));
            c.uncovered.forEach((r, n) -> cp.add(TotalField.uncovered(r), n));
            c.lostSeqs.forEach((st, n) -> {
                cp.add(TotalField.Fixed.LOST_TOTAL, n);
                cp.add(TotalField.lost(st), n);
            });
            cp.add(TotalField.Fixed.ABORTED_TOTAL, c.abortedSeqs);
            cp.add(TotalField.Fixed.LOST_FILLED, c.lostFilled);
        });
    }

    private static void write(Checkpoint cp, StreamInBatch t, boolean single, byte[] next) {
        if (single) {
            cp.ownedStream(t.field.bytes(), next);
        } else {
            cp.stream(t.field.bytes(), t.expected, next);
        }
    }

    private static long count(List<MissingRange> ranges, boolean lost) {
        long n = 0;
        for (MissingRange r : ranges) {
            if (r.isLost() == lost) {
                n += r.size();
            }
        }
        return n;
    }

    /**
     * Puts the streams this batch touched in the given shards back to what Redis holds as far as the cache knows
     * (their blobs before the batch; forgotten if they were new), so the batch can be audited again.
     */
    void rollback(java.util.function.IntPredicate shards, String topic, StreamCache cache) {
        for (StreamInBatch t : touched.values()) {
            if (!shards.test(t.shard)) {
                continue;
            }
            if (t.expected != null) {
                cache.load(topic, t.field, t.expected);
            } else {
                cache.remove(t.field);
            }
        }
    }

    private static void writeGaps(Checkpoint cp, StreamInBatch t) {
        List<MissingRange> oldRanges = t.missingBefore;
        List<MissingRange> newRanges = t.state.missing();
        if (oldRanges.isEmpty() && newRanges.isEmpty()) {
            return;
        }
        Map<Long, MissingRange> old = new HashMap<>();
        oldRanges.forEach(r -> old.put(r.from(), r));
        Map<Long, MissingRange> now = new HashMap<>();
        for (MissingRange r : newRanges) {
            now.put(r.from(), r);
            if (!r.equals(old.get(r.from()))) {
                cp.gap(t.ref.gapId(r.from()), GapRecord.of(t.ref, t.state.home(), r).toJson());
            }
        }
        for (MissingRange r : oldRanges) {
            if (!now.containsKey(r.from())) {
                cp.gap(t.ref.gapId(r.from()), null);
            }
        }
        long suspectedBefore = count(oldRanges, false);
        long lostBefore = count(oldRanges, true);
        cp.add(TotalField.Fixed.MISSING_SUSPECTED, t.state.missingCount(false) - suspectedBefore);
        cp.add(TotalField.Fixed.MISSING_LOST, t.state.missingCount(true) - lostBefore);
        boolean wasOpen = suspectedBefore > 0;
        boolean isOpen = t.state.missingCount(false) > 0;
        if (isOpen && !wasOpen) {
            cp.open(t.field.bytes(), t.state.home());
        } else if (wasOpen && !isOpen) {
            cp.open(t.field.bytes(), -1);
        }
    }
}
