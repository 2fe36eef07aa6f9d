package io.seqaudit.audit;

import io.seqaudit.sequence.Arrival;
import io.seqaudit.sequence.MissingRange;
import io.seqaudit.sequence.Outcome;
import io.seqaudit.sequence.Position;
import io.seqaudit.sequence.SequenceDetector;
import io.seqaudit.sequence.SequenceDetector.Observation;
import io.seqaudit.sequence.StreamState;
import io.seqaudit.sequence.Verdict;
import io.seqaudit.state.Checkpoint;
import io.seqaudit.state.DuplicateRecord;
import io.seqaudit.state.FieldKey;
import io.seqaudit.state.Journal;
import io.seqaudit.state.StateStore;
import io.seqaudit.state.StreamRef;
import io.seqaudit.state.TopicLayout;
import io.seqaudit.state.TotalField;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.consumer.ConsumerRecord;


/**
 * Turns one poll's records of a topic (or a tick without records) into one {@link Checkpoint} per shard: decides
 * every record with the {@link SequenceDetector}, confirms losses whose grace ran out, shrinks and expires idle
 * streams, and journals which seq each record made present. Pure with respect to Redis writes: nothing is sent
 * here, and nothing the auditor knows changes until a checkpoint applies. Consumer thread only.
 */
final class BatchAuditor {

    private static final org.jboss.logging.Logger LOG = org.jboss.logging.Logger.getLogger(BatchAuditor.class);

    /** Outcomes by which a record made its seq present: what a truncation of the record makes missing again. */
    private static final Set<Outcome> PRESENT = java.util.EnumSet.of(Outcome.IN_ORDER, Outcome.OUT_OF_ORDER,
            Outcome.LATE, Outcome.JOINED_LATE, Outcome.REPLAYED);

    /** How far back an aborted record is looked for when the stream's previous position is not known. */
    static final long ABORT_SCAN_RECORDS = 10_000;

    private final AuditedTopic state;
    private final StateStore store;
    private final SequenceDetector detector;
    private final StreamUpkeep upkeep;
    private final TopicIdentity identity;
    private final int duplicatesKept;
    // The topic's bookkeeping, shared with AuditedTopic (same objects).
    private final Map<Integer, PartitionBook> books;
    private final StreamCache cache;
    private final HeaderParser.ProducerNames producerNames = new HeaderParser.ProducerNames();
    private final Map<FieldKey, Integer> open;
    private final Set<FieldKey> expiredProducerEpochs;
    private final ProducerEpochs producerEpochs;
    private final JournalBook journal;
    private final TopicLayout layout;
    private final String topic;
    private final UncommittedReader uncommitted;

    BatchAuditor(AuditedTopic state, StateStore store, SequenceDetector detector, TopicIdentity identity,
            AuditSettings settings, UncommittedReader uncommitted) {
        this.uncommitted = uncommitted;
        this.state = state;
        this.store = store;
        this.detector = detector;
        this.identity = identity;
        this.duplicatesKept = settings.duplicatesKept();
        this.books = state.books;
        this.cache = state.cache;
        this.open = state.open;
        this.expiredProducerEpochs = state.expiredProducerEpochs;
        this.producerEpochs = state.producerEpochs;
        this.journal = state.journal;
        this.layout = state.layout;
        this.topic = state.topic;
        this.upkeep = new StreamUpkeep(state.topic, state.layout, store, state.cache, settings);
    }

    /** Audits one poll's records (possibly none: a tick) into one checkpoint per shard, sending nothing. */
    TopicAuditor.Prepared prepare(Map<Integer, List<ConsumerRecord<byte[], byte[]>>> records, Map<Integer, Long> caughtUp,
            Map<Integer, Long> positions, long now) {
        if (records.isEmpty() && state.partitionCount() > books.size()) {
            // Every partition's progress as stored: the slowest partition bounds streams that span partitions.
            state.topicProgress(store.progress(layout));
        }
        int count = 0;
        for (List<ConsumerRecord<byte[], byte[]>> list : records.values()) {
            count += list.size();
        }
        BatchWork work = new BatchWork(count);
        List<Checkpoint> cps = new ArrayList<>(layout.shards());
        layout.all().forEach(k -> cps.add(new Checkpoint(k, identity.generation(), duplicatesKept)));
        audit(records, caughtUp, positions, now, work, cps);
        if (!work.abortCandidates.isEmpty()) {
            closeAborted(work);
        }
        state.beacons.forEach((p, list) -> list.forEach(b -> applyBeacon(b, p, work, cps)));
        if (records.isEmpty()) {
            upkeep.compactIdle(work, books, p -> progressOf(work, p), now);
            upkeep.sweep(work, books, p -> progressOf(work, p), now);
        }
        confirmLosses(work);
        // Per partition, looked up once per stream written: arrays, not map lookups, on the hot path.
        int n = Math.max(state.partitionCount(), books.keySet().stream().mapToInt(p -> p + 1).max().orElse(0));
        long[] idleBefore = new long[n];
        boolean[] owned = new boolean[n];
        for (int p = 0; p < n; p++) {
            idleBefore[p] = progressOf(work, p) - upkeep.idleAfterMillis();
            owned[p] = books.containsKey(p);
        }
        work.writeStreams(cps,
                home -> home >= 0 && home < n ? idleBefore[home] : progressOf(work, home) - upkeep.idleAfterMillis(),
                home -> home >= 0 && home < n ? owned[home] : books.containsKey(home));
        writeJournal(work, cps);
        return new TopicAuditor.Prepared(work, cps);
    }

    private void writeJournal(BatchWork work, List<Checkpoint> cps) {
        work.journal.forEach((shard, byPartition) -> byPartition.forEach((p, entries) -> {
            Journal.Segment added = Journal.segment(p, entries);
            List<Journal.Segment> deleted = journal.plan(shard, p, entries.size());
            cps.get(shard).journal(added.name(), Journal.encode(entries));
            deleted.forEach(d -> cps.get(shard).journal(d.name(), null));
            work.journalWrites.add(new BatchWork.JournalWrite(shard, p, added, deleted));
        }));
    }

    private void audit(Map<Integer, List<ConsumerRecord<byte[], byte[]>>> records, Map<Integer, Long> caughtUp,
            Map<Integer, Long> positions, long now, BatchWork work, List<Checkpoint> cps) {
        for (Map.Entry<Integer, PartitionBook> e : books.entrySet()) {
            int p = e.getKey();
            PartitionBook b = e.getValue();
            List<ConsumerRecord<byte[], byte[]>> list = records.getOrDefault(p, List.of());
            long progress = b.progress();
            long unguarded = state.unguardedBefore(p, false, now);
            long unguardedAny = state.unguardedBefore(p, true, now);
            for (ConsumerRecord<byte[], byte[]> rec : list) {
                // A producer clock ahead of ours must not fast-forward the grace windows.
                progress = Math.max(progress, Math.min(rec.timestamp(), now));
                b.read(rec.offset());
                auditRecord(rec, b, progress, unguarded, unguardedAny, work, cps);
            }
            Long readUpTo = caughtUp.get(p);
            if (readUpTo != null) {
                progress = Math.max(progress, Math.min(readUpTo, now));
            }
            work.progress.put(p, progress);
            if (!list.isEmpty()) {
                list.get(list.size() - 1).leaderEpoch().ifPresent(le -> work.leaderEpochs.put(p, le));
            }
            long next = list.isEmpty() ? -1 : list.get(list.size() - 1).offset() + 1;
            // The consumer's position may be past the last record: transaction markers take offsets too, and a
            // stored offset short of them would never reach the end offset the replayer waits for.
            Long position = positions.get(p);
            if (position != null && position > next && (next >= 0 || !b.fresh() || b.coverageStartToWrite())) {
                next = position;
            }
            if (next < 0 && b.fresh() && !b.coverageStartToWrite()) {
                continue; // nothing read yet and nothing to record
            }
            int le = work.leaderEpochs.getOrDefault(p, b.leaderEpoch());
            for (Checkpoint cp : cps) {
                Long stored = b.applied(cp.keys().shard());
                long to = next >= 0 ? Math.max(next, stored == null ? next : stored)
                        : stored != null ? stored : b.coverageStart();
                work.next.putIfAbsent(p, next >= 0 ? next : to);
                cp.partition(p, stored, to, progress, b.coverageStartToWrite() ? b.coverageStart() : -1, le);
            }
        }
    }

    private void auditRecord(ConsumerRecord<byte[], byte[]> rec, PartitionBook book, long progress, long unguarded,
            long unguardedAny, BatchWork work, List<Checkpoint> cps) {
        Stamp stamp = HeaderParser.parse(rec.headers(), producerNames);
        if (!stamp.valid()) {
            int shard = layout.shardOfPartition(rec.partition());
            if (book.appliedIn(shard, rec.offset())) {
                return;
            }
            if (stamp.unstamped()) {
                work.count(shard, Outcome.UNSTAMPED);
            } else {
                work.invalid(shard, stamp.problem());
            }
            return;
        }
        ProducerEpochs.Entry producerEpoch = producerEpochs.get(stamp.producer(), stamp.epoch());
        byte[] producerEpochHash = producerEpoch.hash;
        byte[] keyHash = StreamRef.keyHash(rec.key());
        byte[] fieldBytes = StreamRef.field(keyHash, producerEpochHash);
        int shard = layout.shardOf(fieldBytes);
        if (book.appliedIn(shard, rec.offset())) {
            return; // this shard applied it before a crash cut the batch's other checkpoints short
        }
        if (!producerEpoch.writtenIn(shard) && work.newProducerEpochs(shard).add(producerEpoch)) {
            // Remembered only once the checkpoint that writes it to the dictionary has applied.
            cps.get(shard).producerEpoch(producerEpochHash, stamp.producer(), stamp.epoch());
        }
        FieldKey field = new FieldKey(fieldBytes);
        BatchWork.StreamInBatch t = work.touch(field, shard, cache);
        if (t.ref == null) {
            t.ref = new StreamRef(topic, rec.key(), stamp.producer(), stamp.epoch(), keyHash, producerEpochHash);
        }
        Position at = new Position(rec.partition(), rec.offset());
        boolean takeFromFirstSeen = state.joinedLate()
                || !expiredProducerEpochs.isEmpty() && expiredProducerEpochs.contains(producerEpoch.key);
        boolean replay = stamp.replay();
        // A null key is spread over partitions by the partitioner: its stream spans them from the first record.
        boolean anyPartition = rec.key() == null;
        // Where the stream's previous record was, looked up only when this record opens a gap: the range an
        // aborted transaction's records could be in.
        Position previous = !t.state.isNew() && stamp.seq() > t.state.high() + 1 && !replay
                ? t.state.recent().find(t.state.high()) : null;
        Observation o = detector.observe(t.state, new Arrival(stamp.seq(), at, progress, takeFromFirstSeen,
                anyPartition, replay, anyPartition || t.state.multiPartition() ? unguardedAny : unguarded));
        Verdict v = o.verdict();
        if (v instanceof Verdict.Invalid invalid) {
            work.invalid(shard, invalid.reason());
            return;
        }
        work.count(shard, v.outcome());
        if (v instanceof Verdict.OutOfOrder outOfOrder) {
            mayBeAborted(t, rec, stamp, book, previous, outOfOrder.opened(), work);
        } else if (v instanceof Verdict.Resumed resumed) {
            work.counts(shard).uncovered(state.uncoveredReason(), resumed.skipped().size());
        } else if (v instanceof Verdict.Late late && late.filled() != null && late.filled().isLost()) {
            // Not a wrong finding: the record came later than the grace, so the seq was rightly reported lost. Counted
            // (lost_filled), so that lost_total reconciles with the seqs lost now.
            work.counts(shard).lostFilled++;
            LOG.infof("Seq %d of key %s of %s (producer %s, epoch %d), confirmed lost at progress %d (gap opened at"
                    + " %d), arrived at %d/%d with timestamp %d, partition progress %d", stamp.seq(),
                    StreamRef.keyText(rec.key()), topic, stamp.producer(), stamp.epoch(), late.filled().lostAt(),
                    late.filled().openedAt(), rec.partition(), rec.offset(), rec.timestamp(), progress);
        } else if (v instanceof Verdict.Duplicate duplicate) {
            cps.get(shard).duplicate(DuplicateRecord.of(t.ref, stamp.seq(), at, duplicate.original(), progress)
                    .toJson());
        }
        if (PRESENT.contains(v.outcome())) {
            work.journal(shard, rec.partition(), rec.offset(), rec.key(), producerEpochHash, stamp.seq());
        }
        if (o.forgotten() != null) {
            cps.get(shard).add(TotalField.Fixed.FORGOTTEN, o.forgotten().size());
        }
    }

    /**
     * Applies what one beacon claims of its streams (README, "Beacons"): tails that never arrived become
     * suspected gaps, and missing seqs get their stage. The loop hands a beacon over only once the partition was
     * read past its offset. A stream whose records span partitions only gets stages: its tail may still be unread
     * on another partition.
     */
    private void applyBeacon(Beacon b, int partition, BatchWork work, List<Checkpoint> cps) {
        long progress = work.progress.getOrDefault(partition, books.containsKey(partition)
                ? books.get(partition).progress() : 0L);
        long at = b.at() > 0 ? Math.min(b.at(), progress) : progress;
        for (Beacon.Stream s : b.streams()) {
            ProducerEpochs.Entry producerEpoch = producerEpochs.get(b.producer(), s.epoch());
            byte[] keyHash = StreamRef.keyHash(s.key());
            byte[] fieldBytes = StreamRef.field(keyHash, producerEpoch.hash);
            int shard = layout.shardOf(fieldBytes);
            if (!producerEpoch.writtenIn(shard) && work.newProducerEpochs(shard).add(producerEpoch)) {
                cps.get(shard).producerEpoch(producerEpoch.hash, b.producer(), s.epoch());
            }
            BatchWork.StreamInBatch t = work.touch(new FieldKey(fieldBytes), shard, cache);
            if (t.ref == null) {
                t.ref = new StreamRef(topic, s.key(), b.producer(), s.epoch(), keyHash, producerEpoch.hash);
            }
            boolean spread = s.spread() || s.key() == null || !t.state.isNew() && t.state.multiPartition();
            boolean takeFromFirstSeen = state.joinedLate()
                    || !expiredProducerEpochs.isEmpty() && expiredProducerEpochs.contains(producerEpoch.key);
            // A beacon about no partition (-1, applied with partition 0's) names streams without an acknowledged
            // record: one it creates is timed on every partition's clock, not on partition 0's alone.
            int on = b.partition() < 0 ? -1 : partition;
            if (detector.claim(t.state, s.claim(), on, at, !spread, takeFromFirstSeen) < 0) {
                // A claim beyond the jump cap changes nothing; counted in the totals, not as a record.
                cps.get(shard).add(TotalField.invalidBeacons(SequenceDetector.SEQ_JUMP), 1);
            }
        }
    }

    /**
     * Notes a gap whose seqs may be records of an aborted transaction: the auditor reads read_committed, so those
     * never reach it, but its consumer skipped offsets between the stream's previous record and this one (or that
     * stretch is not known: the previous record is forgotten, or was read before this auditor started).
     */
    private void mayBeAborted(BatchWork.StreamInBatch t, ConsumerRecord<byte[], byte[]> rec, Stamp stamp,
            PartitionBook book, Position previous, MissingRange gap, BatchWork work) {
        boolean samePartition = previous != null && previous.partition() == rec.partition();
        if (samePartition && !book.maySkipAfter(previous.offset())) {
            return; // every offset in between was a record read: nothing aborted can hide there
        }
        long from = samePartition ? previous.offset() + 1 : Math.max(0, rec.offset() - ABORT_SCAN_RECORDS);
        work.abortCandidates.add(new BatchWork.AbortCandidate(t, rec.key(), stamp.producer(), stamp.epoch(), gap,
                rec.partition(), from, rec.offset()));
    }

    /**
     * Reads, as they are in the log (read_uncommitted), the ranges where this batch's new gaps could hide aborted
     * records, and closes the missing seqs found there as aborted: present in the log yet never read committed.
     */
    private void closeAborted(BatchWork work) {
        Map<Integer, long[]> ranges = new HashMap<>();
        for (BatchWork.AbortCandidate c : work.abortCandidates) {
            ranges.merge(c.partition(), new long[] {c.from(), c.to()},
                    (a, b) -> new long[] {Math.min(a[0], b[0]), Math.max(a[1], b[1])});
        }
        // Candidates by partition and record key: a batch can open thousands of gaps (a new owner's first read of
        // streams it has not cached yet), and matching every record read against every candidate was quadratic:
        // two auditors of one group spent 90 % of their thread here (docs/benchmarks.md, scale-out).
        Map<Integer, Map<KeyBytes, List<BatchWork.AbortCandidate>>> byKey = new HashMap<>();
        for (BatchWork.AbortCandidate c : work.abortCandidates) {
            byKey.computeIfAbsent(c.partition(), p -> new HashMap<>())
                    .computeIfAbsent(new KeyBytes(c.key()), k -> new ArrayList<>()).add(c);
        }
        ranges.forEach((p, r) -> {
            Map<KeyBytes, List<BatchWork.AbortCandidate>> ofPartition = byKey.get(p);
            for (ConsumerRecord<byte[], byte[]> rec : uncommitted.read(
                    new org.apache.kafka.common.TopicPartition(topic, p), r[0], r[1])) {
                List<BatchWork.AbortCandidate> candidates = ofPartition.get(new KeyBytes(rec.key()));
                if (candidates == null) {
                    continue;
                }
                Stamp stamp = HeaderParser.parse(rec.headers(), producerNames);
                if (!stamp.valid()) {
                    continue;
                }
                for (BatchWork.AbortCandidate c : candidates) {
                    if (c.holds(rec, stamp) && detector.abort(c.stream().state, stamp.seq())) {
                        work.counts(c.stream().shard).abortedSeqs++;
                    }
                }
            }
        });
    }

    /** A record key (null included) as a map key that compares by content. */
    private record KeyBytes(byte[] key) {
        @Override
        public boolean equals(Object o) {
            return o instanceof KeyBytes k && java.util.Arrays.equals(key, k.key);
        }

        @Override
        public int hashCode() {
            return java.util.Arrays.hashCode(key);
        }
    }

    /** Confirms losses whose grace ran out, for open streams homed here and streams this batch touched. */
    private void confirmLosses(BatchWork work) {
        List<FieldKey> evicted = open.keySet().stream().filter(f -> cache.get(f) == null).toList();
        if (!evicted.isEmpty()) {
            Map<Integer, List<FieldKey>> byShard = new HashMap<>();
            evicted.forEach(f -> byShard.computeIfAbsent(layout.shardOf(f.bytes()), s -> new ArrayList<>()).add(f));
            byShard.forEach((s, fields) -> store.streams(layout.shard(s), fields).forEach(this::cacheBlob));
        }
        for (Map.Entry<FieldKey, Integer> e : open.entrySet()) {
            StreamCache.Entry c = cache.get(e.getKey());
            if (c != null && detector.nextDeadline(c.state()) <= progressFor(work, c.state())) {
                work.touch(e.getKey(), layout.shardOf(e.getKey().bytes()), cache);
            }
        }
        for (BatchWork.StreamInBatch t : work.touched.values()) {
            // Most streams miss nothing: skip them before asking the detector (and iterating its empty answer).
            if (!t.state.isNew() && t.state.anyMissing() && books.containsKey(t.state.home())) {
                for (MissingRange r : detector.confirmLosses(t.state, progressFor(work, t.state))) {
                    work.counts(t.shard).lostSeqs.merge(r.stage(), r.size(), Long::sum);
                }
            }
        }
    }

    private long progressOf(BatchWork work, int partition) {
        return state.progressOf(work, partition);
    }

    private long progressFor(BatchWork work, StreamState s) {
        return state.progressFor(work, s);
    }

    private void cacheBlob(FieldKey field, byte[] blob) {
        state.cacheBlob(field, blob);
    }
}
