package io.seqaudit.audit;

import io.seqaudit.metrics.AuditMetrics;
import io.seqaudit.sequence.MissingRange;
import io.seqaudit.sequence.Outcome;
import io.seqaudit.sequence.Position;
import io.seqaudit.sequence.SequenceDetector;
import io.seqaudit.sequence.SequenceDetector.Observation;
import io.seqaudit.sequence.StreamState;
import io.seqaudit.stamp.SeqauditHeaders;
import io.seqaudit.state.Checkpoint;
import io.seqaudit.state.FieldKey;
import io.seqaudit.state.Journal;
import io.seqaudit.state.PendingCheckpoints;
import io.seqaudit.state.StateStore;
import io.seqaudit.state.StreamRef;
import io.seqaudit.state.TopicKeys;
import io.seqaudit.state.TopicLayout;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.jboss.logging.Logger;

/**
 * Audits the assigned partitions of one topic: turns each consumer poll into one atomic checkpoint per shard of
 * the topic's state (offsets plus the audit state they reflect), retrying on stream conflicts with other auditors
 * and giving up the batch (reset to the stored offsets) when another owner moved a partition. Called only by the
 * consumer thread.
 *
 * <p>Guarantee: a record's verdict is counted exactly once, in the checkpoint of its stream's shard that also
 * moves the partition's offset in that shard; a crash at any instant leaves each shard before or after its part,
 * and a re-read skips, per shard, the records that shard has applied.
 */
final class TopicAuditor {

    private static final Logger LOG = Logger.getLogger(TopicAuditor.class);
    private static final int MAX_ATTEMPTS = 8;
    /** Outcomes by which a record made its seq present: what a truncation of the record makes missing again. */
    private static final Set<Outcome> PRESENT = java.util.EnumSet.of(Outcome.IN_ORDER, Outcome.OUT_OF_ORDER,
            Outcome.LATE, Outcome.JOINED_LATE, Outcome.REPLAYED);
    /** After a refused batch, how long batches are sent one at a time (recomputed on conflicts, not reloaded). */
    private static final long ONE_AT_A_TIME_MS = 10_000;

    /** What became of a batch. */
    enum Result {
        /** Every shard applied it. */
        APPLIED,
        /** Another owner moved a partition, or streams kept changing: re-read from the stored offsets. */
        RELOAD,
        /** The state is not the one audited against (lost, or replaced by a re-audit): see {@link #identity()}. */
        STATE_CHANGED
    }

    private final String topic;
    private final TopicLayout layout;
    private final StateStore store;
    private final SequenceDetector detector;
    private final AuditMetrics metrics;
    private final StreamCache cache;
    private final StreamUpkeep upkeep;
    private final int duplicatesKept;
    private final Map<Integer, PartitionBook> books = new HashMap<>();
    /** Streams with suspected ranges homed on an assigned partition: field → home. */
    private final Map<FieldKey, Integer> open = new HashMap<>();
    /** Producer epochs whose streams were expired: one of them that resumes is taken from where it resumes. */
    private final Set<FieldKey> expiredProducerEpochs = new HashSet<>();
    private final ProducerEpochs producerEpochs;
    private final TopicIdentity identity;
    private final JournalBook journal;
    private Map<Integer, Long> topicProgress = Map.of();
    private int partitionCount;
    private boolean joinedLate;
    private long oneAtATimeUntil;

    TopicAuditor(String topic, StateStore store, SequenceDetector detector, AuditMetrics metrics,
            AuditSettings settings) {
        this.topic = topic;
        this.layout = store.layout(topic);
        this.store = store;
        this.detector = detector;
        this.metrics = metrics;
        this.cache = new StreamCache(settings.cacheStreams());
        this.upkeep = new StreamUpkeep(topic, layout, store, cache, settings);
        this.duplicatesKept = settings.duplicatesKept();
        this.identity = new TopicIdentity(topic, store, layout);
        this.journal = new JournalBook(settings.journalRecords());
        this.producerEpochs = new ProducerEpochs(layout.shards());
    }

    String topic() {
        return topic;
    }

    TopicIdentity identity() {
        return identity;
    }

    /**
     * Takes over partitions: reads their stored offsets, progress and open streams. Returns, per partition, the
     * offset to resume at, or null for a partition never audited. Call only while the identity is {@code OK}.
     */
    Map<Integer, Long> assign(Set<Integer> partitions, int partitionCount) {
        this.partitionCount = partitionCount;
        books.clear();
        Map<Integer, Long> progress = new HashMap<>();
        Map<Integer, Long> covers = new HashMap<>();
        Map<Integer, Map<Integer, Long>> offsets = new HashMap<>();
        Map<Integer, Long> epochs = new HashMap<>();
        for (TopicKeys shard : layout.all()) {
            offsets.put(shard.shard(), store.partitionValues(shard.offsets()));
            store.partitionValues(shard.cover()).forEach(covers::putIfAbsent);
            store.partitionValues(shard.progress()).forEach((p, v) -> progress.merge(p, v, Math::max));
            store.partitionValues(shard.leaderEpochs()).forEach((p, v) -> epochs.merge(p, v, Math::max));
        }
        topicProgress = progress;
        joinedLate = covers.values().stream().anyMatch(c -> c > 0);
        Map<Integer, Long> result = new HashMap<>();
        for (int p : partitions) {
            PartitionBook b = new PartitionBook(layout.shards());
            offsets.forEach((shard, values) -> b.applied(shard, values.get(p)));
            b.progress(progress.getOrDefault(p, 0L));
            b.cover(covers.getOrDefault(p, -1L), false);
            b.leaderEpoch(epochs.getOrDefault(p, -1L).intValue());
            books.put(p, b);
            result.put(p, b.fresh() ? null : b.resumeAt());
        }
        reloadStreams();
        return result;
    }

    /** The leader epoch of the last record applied on a partition, or -1. */
    int leaderEpoch(int partition) {
        PartitionBook b = books.get(partition);
        return b == null ? -1 : b.leaderEpoch();
    }

    /** Records where auditing of a partition without stored offset starts (its coverage start). */
    void startAt(int partition, long position) {
        PartitionBook b = books.get(partition);
        if (b != null && b.cover() < 0) {
            b.cover(position, true);
            joinedLate |= position > 0;
        }
    }

    void revoke(Set<Integer> partitions) {
        partitions.forEach(books::remove);
        reloadStreams();
    }

    /** Forgets every partition (the state changed under the auditor). */
    void drop() {
        books.clear();
        cache.clear();
        open.clear();
    }

    Set<Integer> partitions() {
        return books.keySet();
    }

    private void reloadStreams() {
        cache.clear();
        open.clear();
        journal.clear();
        producerEpochs.forgetWritten();
        expiredProducerEpochs.clear();
        if (books.isEmpty()) {
            return;
        }
        for (TopicKeys shard : layout.all()) {
            Map<FieldKey, Integer> homes = new HashMap<>();
            store.scan(shard.open(), (f, v) -> homes.put(new FieldKey(f), Integer.parseInt(new String(v,
                    java.nio.charset.StandardCharsets.UTF_8))), Integer.MAX_VALUE);
            homes.forEach((field, home) -> {
                if (books.containsKey(home)) {
                    open.put(field, home);
                }
            });
            store.streams(shard, new ArrayList<>(homes.keySet())).forEach(this::cacheBlob);
            store.scan(shard.expired(), (f, v) -> expiredProducerEpochs.add(new FieldKey(f)), Integer.MAX_VALUE);
            List<String> segments = new ArrayList<>();
            store.scan(shard.journal(), (f, v) -> segments.add(new String(f, java.nio.charset.StandardCharsets.UTF_8)),
                    Integer.MAX_VALUE);
            journal.load(shard.shard(), segments, books.keySet());
        }
    }

    private void cacheBlob(FieldKey field, byte[] blob) {
        cache.load(topic, field, blob);
    }

    /**
     * Audits one poll's records of this topic (possibly none: a tick) and checkpoints them.
     *
     * @param records per partition, in offset order
     * @param caughtUp partitions the consumer has read to the end they had at a time: their progress may go there
     * @param positions the consumer's position per partition
     * @param now wall clock, epoch ms
     */
    Result process(Map<Integer, List<ConsumerRecord<byte[], byte[]>>> records, Map<Integer, Long> caughtUp,
            Map<Integer, Long> positions, long now) {
        for (int attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
            Prepared batch = prepare(records, caughtUp, positions, now);
            List<Checkpoint.Result> results = store.applyAll(batch.checkpoints()).await();
            boolean retry = false;
            for (int shard = 0; shard < results.size(); shard++) {
                Checkpoint.Result r = results.get(shard);
                switch (r.status()) {
                    case APPLIED -> {
                        applyLocally(shard, batch.work());
                        count(shard, batch.work());
                    }
                    case STATE_CHANGED -> {
                        identity.changed(layout.shard(shard), r.missing(), r.generation());
                        return Result.STATE_CHANGED;
                    }
                    case CONFLICT -> {
                        if (!r.offsetConflicts().isEmpty()) {
                            return moved(r);
                        }
                        r.streamConflicts().forEach(this::cacheBlob);
                        retry = true;
                    }
                }
            }
            if (!retry) {
                finish(batch.work());
                return Result.APPLIED;
            }
            metrics.conflict(topic);
        }
        LOG.warnf("Topic %s: streams kept changing under this batch after %d attempts; re-reading", topic,
                MAX_ATTEMPTS);
        return Result.RELOAD;
    }

    /** One batch audited and turned into checkpoints, not sent yet. */
    record Prepared(BatchWork work, List<Checkpoint> checkpoints) {
    }

    /** A batch sent to Redis, taken as applied by this auditor until {@link #settle} says otherwise. */
    record InFlight(BatchWork work, PendingCheckpoints pending) {
    }

    /** Audits one poll's records (possibly none: a tick) into one checkpoint per shard, sending nothing. */
    Prepared prepare(Map<Integer, List<ConsumerRecord<byte[], byte[]>>> records, Map<Integer, Long> caughtUp,
            Map<Integer, Long> positions, long now) {
        if (records.isEmpty() && partitionCount > books.size()) {
            topicProgress = upkeep.topicProgress();
        }
        BatchWork work = new BatchWork();
        List<Checkpoint> cps = new ArrayList<>(layout.shards());
        layout.all().forEach(k -> cps.add(new Checkpoint(k, identity.generation(), duplicatesKept)));
        audit(records, caughtUp, positions, now, work, cps);
        if (records.isEmpty()) {
            upkeep.compactIdle(work, books, p -> progressOf(work, p));
            upkeep.sweep(work, books, p -> progressOf(work, p), now);
        }
        promote(work);
        work.writeStreams(cps, home -> progressOf(work, home) - upkeep.idleAfterMillis(), books::containsKey);
        writeJournal(work, cps);
        return new Prepared(work, cps);
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

    /**
     * Sends a prepared batch and takes it as applied at once, so the next poll is audited on top of it while
     * Redis applies this one (the consumer thread no longer waits on Redis between polls). Counted in the metrics
     * only once {@link #settle} confirms it.
     */
    InFlight send(Prepared batch) {
        PendingCheckpoints pending = store.applyAll(batch.checkpoints());
        for (int shard = 0; shard < layout.shards(); shard++) {
            applyLocally(shard, batch.work());
        }
        finish(batch.work());
        return new InFlight(batch.work(), pending);
    }

    /**
     * Waits for a sent batch. Applied: counted. Otherwise what this auditor took as applied is wrong: the caller
     * re-reads from the stored offsets ({@link Result#RELOAD}, after which the next batches are sent one at a
     * time for a while, so that auditors sharing streams make progress) or checks the state's identity.
     */
    Result settle(InFlight f, long now) {
        List<Checkpoint.Result> results = f.pending().await();
        Result out = Result.APPLIED;
        for (int shard = 0; shard < results.size(); shard++) {
            Checkpoint.Result r = results.get(shard);
            if (r.applied()) {
                count(shard, f.work());
            } else if (r.status() == Checkpoint.Status.STATE_CHANGED) {
                identity.changed(layout.shard(shard), r.missing(), r.generation());
                out = Result.STATE_CHANGED;
            } else if (out == Result.APPLIED) {
                if (r.offsetConflicts().isEmpty()) {
                    metrics.conflict(topic);
                } else {
                    moved(r);
                }
                out = Result.RELOAD;
            }
        }
        if (out == Result.RELOAD) {
            oneAtATimeUntil = now + ONE_AT_A_TIME_MS;
        }
        return out;
    }

    /** Whether batches may be sent before the previous one is confirmed (not right after a conflict). */
    boolean pipelined(long now) {
        return now >= oneAtATimeUntil;
    }

    private Result moved(Checkpoint.Result r) {
        LOG.warnf("Topic %s: partitions %s were moved by another auditor; re-reading from the stored offsets", topic,
                r.offsetConflicts().keySet());
        return Result.RELOAD;
    }

    private void audit(Map<Integer, List<ConsumerRecord<byte[], byte[]>>> records, Map<Integer, Long> caughtUp,
            Map<Integer, Long> positions, long now, BatchWork work, List<Checkpoint> cps) {
        for (Map.Entry<Integer, PartitionBook> e : books.entrySet()) {
            int p = e.getKey();
            PartitionBook b = e.getValue();
            List<ConsumerRecord<byte[], byte[]>> list = records.getOrDefault(p, List.of());
            long progress = b.progress();
            for (ConsumerRecord<byte[], byte[]> rec : list) {
                // A producer clock ahead of ours must not fast-forward the grace windows.
                progress = Math.max(progress, Math.min(rec.timestamp(), now));
                auditRecord(rec, b, progress, work, cps);
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
            if (position != null && position > next && (next >= 0 || !b.fresh() || b.coverNew())) {
                next = position;
            }
            if (next < 0 && b.fresh() && !b.coverNew()) {
                continue; // nothing read yet and nothing to record
            }
            int le = work.leaderEpochs.getOrDefault(p, b.leaderEpoch());
            for (Checkpoint cp : cps) {
                Long stored = b.applied(cp.keys().shard());
                long to = next >= 0 ? Math.max(next, stored == null ? next : stored)
                        : stored != null ? stored : b.cover();
                work.next.putIfAbsent(p, next >= 0 ? next : to);
                cp.partition(p, stored, to, progress, b.coverNew() ? b.cover() : -1, le);
            }
        }
    }

    private void auditRecord(ConsumerRecord<byte[], byte[]> rec, PartitionBook book, long progress, BatchWork work,
            List<Checkpoint> cps) {
        Stamp stamp = HeaderParser.parse(rec.headers());
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
        ProducerEpochs.Entry pe = producerEpochs.get(stamp.producer(), stamp.epoch());
        byte[] peHash = pe.hash;
        byte[] keyHash = StreamRef.keyHash(rec.key());
        byte[] fieldBytes = StreamRef.field(keyHash, peHash);
        int shard = layout.shardOf(fieldBytes);
        if (book.appliedIn(shard, rec.offset())) {
            return; // this shard applied it before a crash cut the batch's other checkpoints short
        }
        if (!pe.writtenIn(shard) && work.newProducerEpochs(shard).add(pe)) {
            // Remembered only once the checkpoint that writes it to the dictionary has applied.
            cps.get(shard).producerEpoch(peHash, stamp.producer(), stamp.epoch());
        }
        FieldKey field = new FieldKey(fieldBytes);
        BatchWork.Touched t = work.touch(field, shard, cache);
        if (t.ref == null) {
            t.ref = new StreamRef(topic, rec.key(), stamp.producer(), stamp.epoch(), keyHash, peHash);
        }
        Position at = new Position(rec.partition(), rec.offset());
        boolean takeFromFirstSeen = joinedLate
                || !expiredProducerEpochs.isEmpty() && expiredProducerEpochs.contains(pe.key);
        // A null key is spread over partitions by the partitioner: its stream spans them from the first record.
        boolean replay = rec.headers().lastHeader(SeqauditHeaders.REPLAY) != null;
        Observation o = detector.observe(t.state, stamp.seq(), at, progress, takeFromFirstSeen, rec.key() == null,
                replay);
        if (o.verdict().reason() != null) {
            work.invalid(shard, o.verdict().reason());
            return;
        }
        work.count(shard, o.outcome());
        if (PRESENT.contains(o.outcome())) {
            work.journal(shard, rec.partition(), rec.offset(), rec.key(), peHash, stamp.seq());
        }
        if (o.outcome() == Outcome.DUPLICATE) {
            cps.get(shard).duplicate(GapJson.duplicate(t.ref, stamp.seq(), at, o.verdict().original(), progress));
        }
        if (o.forgotten() != null) {
            cps.get(shard).add("forgotten", o.forgotten().size());
        }
    }

    /** Confirms losses whose grace ran out, for open streams homed here and streams this batch touched. */
    private void promote(BatchWork work) {
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
        for (BatchWork.Touched t : work.touched.values()) {
            if (!t.state.isNew() && books.containsKey(t.state.home())) {
                for (MissingRange r : detector.promote(t.state, progressFor(work, t.state))) {
                    work.counts(t.shard).lostSeqs += r.size();
                }
            }
        }
    }

    /** The progress that bounds a stream's grace: its home partition's, or the slowest partition's if it spans. */
    private long progressFor(BatchWork work, StreamState s) {
        if (!s.multiPartition()) {
            return progressOf(work, s.home());
        }
        long min = Long.MAX_VALUE;
        for (int p = 0; p < partitionCount; p++) {
            // A partition never audited yields 0: its records may still fill the gap.
            min = Math.min(min, progressOf(work, p));
        }
        return min;
    }

    private long progressOf(BatchWork work, int partition) {
        Long p = work.progress.get(partition);
        return p != null ? p : topicProgress.getOrDefault(partition, 0L);
    }

    /**
     * The log of {@code partition} was truncated at {@code from} below what this auditor applied (an unclean
     * leader election removed records it had read): the seqs journaled at offsets from {@code from} on become
     * suspected again, and every shard's offset moves back to {@code from}, shard by shard, each atomically with
     * its reopened streams. A marker in shard 0 makes a crash half way finish the work on the next assignment
     * (handled once: a shard already at {@code from} is skipped). Returns null if no shard had gone past it.
     *
     * @throws IllegalStateException if a shard's checkpoint is refused (another owner, lost state): re-read
     */
    Truncation truncate(int partition, long from, long now) {
        PartitionBook b = books.get(partition);
        if (b == null) {
            return null;
        }
        long to = from;
        for (int s = 0; s < layout.shards(); s++) {
            to = Math.max(to, b.applied(s) == null ? from : b.applied(s));
        }
        if (to == from) {
            return null;
        }
        String marker = "trunc:" + partition;
        store.hashPut(layout.shard(0).meta(), marker, String.valueOf(from));
        long reopened = 0;
        long unjournaled = 0;
        for (int s = layout.shards() - 1; s >= 0; s--) {
            Long applied = b.applied(s);
            if (applied == null || applied <= from) {
                applied = null;
            }
            BatchWork work = new BatchWork();
            List<Checkpoint> cps = new ArrayList<>(layout.shards());
            layout.all().forEach(k -> cps.add(new Checkpoint(k, identity.generation(), duplicatesKept)));
            Checkpoint cp = cps.get(s);
            if (applied != null) {
                Long oldest = journal.oldest(s, partition);
                if (oldest == null || oldest > from) {
                    unjournaled += (oldest == null ? applied : Math.min(oldest, applied)) - from;
                }
                List<Journal.Entry> gone = new ArrayList<>();
                List<Journal.Segment> segments = journal.from(s, partition, from);
                Map<String, byte[]> blobs = store.hashFields(layout.shard(s).journal(),
                        segments.stream().map(Journal.Segment::name).toList());
                for (Journal.Segment seg : segments) {
                    List<Journal.Entry> entries = Journal.decode(blobs.get(seg.name()), seg.count());
                    List<Journal.Entry> kept = entries.stream().filter(e -> e.offset() < from).toList();
                    entries.stream().filter(e -> e.offset() >= from).forEach(gone::add);
                    cp.journal(seg.name(), null);
                    Journal.Segment keptSeg = kept.isEmpty() ? null : Journal.segment(partition, kept);
                    if (keptSeg != null) {
                        cp.journal(keptSeg.name(), Journal.encode(kept));
                    }
                    work.journalWrites.add(new BatchWork.JournalWrite(s, partition, keptSeg, List.of(seg)));
                }
                List<FieldKey> uncached = gone.stream().map(e -> new FieldKey(e.field())).distinct()
                        .filter(f -> cache.get(f) == null).toList();
                store.streams(layout.shard(s), uncached).forEach(this::cacheBlob);
                Map<FieldKey, String> producers = new HashMap<>();
                store.scan(layout.shard(s).producerEpochs(), (f, v) -> producers.put(new FieldKey(f),
                        new String(v, java.nio.charset.StandardCharsets.UTF_8)), Integer.MAX_VALUE);
                for (Journal.Entry e : gone) {
                    BatchWork.Touched t = work.touch(new FieldKey(e.field()), s, cache);
                    String pe = producers.get(new FieldKey(e.producerEpoch()));
                    if (t.ref == null && pe != null) {
                        int space = pe.indexOf(' ');
                        t.ref = new StreamRef(topic, e.key(), pe.substring(space + 1),
                                Long.parseLong(pe.substring(0, space)));
                    }
                    if (detector.reopen(t.state, e.seq(), b.progress())) {
                        reopened++;
                    }
                }
                cp.partition(partition, applied, from, -1, -1, -1).add("truncated_records", applied - from);
                work.writeStreams(cps, home -> Long.MIN_VALUE, books::containsKey);
            }
            if (s == 0) {
                cp.deleteMeta(marker).add("truncations", 1);
            }
            Checkpoint.Result r = store.apply(cp);
            if (!r.applied()) {
                throw new IllegalStateException("the truncation checkpoint of " + layout.shard(s).tag()
                        + " was refused (" + r.status() + "): re-reading from the stored offsets");
            }
            applyLocally(s, work);
            if (applied != null) {
                b.applied(s, from);
            }
        }
        Truncation t = new Truncation(topic, partition, from, to, reopened, unjournaled,
                java.time.Instant.ofEpochMilli(now).toString());
        metrics.truncation(topic, to - from, reopened);
        store.pushCapped(layout.topicLevel().truncations(), t.toJson(), Truncation.KEPT);
        return t;
    }

    /** Truncations a crash cut short (marker in shard 0): partition → offset the log was truncated at. */
    Map<Integer, Long> unfinishedTruncations() {
        Map<Integer, Long> out = new HashMap<>();
        store.hashAll(layout.shard(0).meta()).forEach((f, v) -> {
            if (f.startsWith("trunc:") && books.containsKey(Integer.parseInt(f.substring(6)))) {
                out.put(Integer.parseInt(f.substring(6)), Long.parseLong(v));
            }
        });
        return out;
    }

    /** One shard applied its part: its streams and offsets become what this auditor knows. */
    private void applyLocally(int shard, BatchWork work) {
        for (BatchWork.Touched t : work.touched.values()) {
            if (t.shard != shard) {
                continue;
            }
            if (t.expire) {
                cache.remove(t.field);
                open.remove(t.field);
                expiredProducerEpochs.add(new FieldKey(StreamRef.producerEpochPart(t.field.bytes())));
                continue;
            }
            if (t.written != null) {
                if (t.compacted) {
                    t.state.compact();
                }
                cache.put(t.field, new StreamCache.Entry(t.written, t.state, t.ref));
            }
            if (!t.state.isNew() && t.state.missingCount(false) > 0 && books.containsKey(t.state.home())) {
                open.put(t.field, t.state.home());
            } else {
                open.remove(t.field);
            }
        }
        for (Map.Entry<Integer, PartitionBook> e : books.entrySet()) {
            Long next = work.next.get(e.getKey());
            if (next != null) {
                Long stored = e.getValue().applied(shard);
                e.getValue().applied(shard, stored == null ? next : Math.max(stored, next));
            }
        }
        work.newProducerEpochs(shard).forEach(pe -> pe.written(shard));
        work.journalWrites.stream().filter(w -> w.shard() == shard)
                .forEach(w -> journal.applied(shard, w.partition(), w.added(), w.deleted()));
    }

    /** Counts what one applied shard checkpoint decided. */
    private void count(int shard, BatchWork work) {
        BatchWork.ShardCounts c = work.counts.get(shard);
        if (c != null) {
            metrics.recorded(topic, c.outcomes, c.invalidReasons, c.lostSeqs);
        }
    }

    /** Every shard applied: the partitions' progress, cover and leader epoch stand. */
    private void finish(BatchWork work) {
        books.forEach((p, b) -> {
            b.coverWritten();
            b.progress(work.progress.getOrDefault(p, b.progress()));
            b.leaderEpoch(work.leaderEpochs.getOrDefault(p, -1));
        });
    }
}
