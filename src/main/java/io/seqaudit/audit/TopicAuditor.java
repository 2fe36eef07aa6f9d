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
import io.seqaudit.state.StateStore;
import io.seqaudit.state.StreamCodec;
import io.seqaudit.state.StreamRef;
import io.seqaudit.state.TopicKeys;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.jboss.logging.Logger;

/**
 * Audits the assigned partitions of one topic: turns each consumer poll into one atomic checkpoint (offsets plus
 * the audit state they reflect), retrying on stream conflicts with other auditors and giving up the batch
 * (reset to the stored offsets) when another owner moved a partition. Called only by the consumer thread.
 *
 * <p>Guarantee: a record's verdict is counted exactly once, in the checkpoint that also moves its offset; a
 * crash at any instant leaves Redis either before or after that checkpoint, and the auditor resumes from the
 * offsets stored there.
 */
final class TopicAuditor {

    private static final Logger LOG = Logger.getLogger(TopicAuditor.class);
    private static final int MAX_ATTEMPTS = 8;

    /** An assigned partition: the offset Redis holds for it, and its progress time. */
    static final class Book {
        Long stored;
        long progress;
        long cover = -1;
        boolean coverNew;
    }

    private final String topic;
    private final TopicKeys keys;
    private final StateStore store;
    private final SequenceDetector detector;
    private final AuditMetrics metrics;
    private final StreamCache cache;
    private final long idleAfterMillis;
    private final long expireAfterMillis;
    /** Producer epochs whose streams were expired: one of them that resumes is taken from where it resumes. */
    private final Set<FieldKey> expiredProducerEpochs = new HashSet<>();
    private String sweepCursor = "0";
    /** The expiry sweep reads one page per interval: expiry is measured in days, the audit must not wait on it. */
    private static final long SWEEP_INTERVAL_MS = 5_000;
    private long nextSweep;
    private final int duplicatesKept;
    private final Map<Integer, Book> books = new HashMap<>();
    /** Streams with suspected ranges homed on an assigned partition: field → home. */
    private final Map<FieldKey, Integer> open = new HashMap<>();
    private final Map<String, byte[]> peHashes = new HashMap<>();
    private Map<Integer, Long> topicProgress = Map.of();
    private int partitionCount;
    private boolean joinedLate;

    TopicAuditor(String topic, StateStore store, SequenceDetector detector, AuditMetrics metrics, int cacheStreams,
            long idleAfterMillis, long expireAfterMillis, int duplicatesKept) {
        this.expireAfterMillis = expireAfterMillis;
        this.topic = topic;
        this.keys = store.keys(topic);
        this.store = store;
        this.detector = detector;
        this.metrics = metrics;
        this.cache = new StreamCache(cacheStreams);
        this.idleAfterMillis = idleAfterMillis;
        this.duplicatesKept = duplicatesKept;
    }

    String topic() {
        return topic;
    }

    /** Takes over partitions: reads their stored offsets, progress and open streams. Returns the stored offsets. */
    Map<Integer, Long> assign(Set<Integer> partitions, int partitionCount) {
        this.partitionCount = partitionCount;
        Map<Integer, Long> offsets = store.partitionValues(keys.offsets());
        Map<Integer, Long> covers = store.partitionValues(keys.cover());
        topicProgress = store.partitionValues(keys.progress());
        joinedLate = covers.values().stream().anyMatch(c -> c > 0);
        Map<Integer, Long> result = new HashMap<>();
        for (int p : partitions) {
            Book b = new Book();
            b.stored = offsets.get(p);
            b.progress = topicProgress.getOrDefault(p, 0L);
            b.cover = covers.getOrDefault(p, -1L);
            books.put(p, b);
            result.put(p, b.stored);
        }
        cache.clear();
        open.clear();
        loadOpen();
        expiredProducerEpochs.clear();
        expiredProducerEpochs.addAll(store.expiredProducerEpochs(keys));
        return result;
    }

    /** Records where auditing of a partition without stored offset starts (its coverage start). */
    void startAt(int partition, long position) {
        Book b = books.get(partition);
        if (b != null && b.cover < 0) {
            b.cover = position;
            b.coverNew = true;
            joinedLate |= position > 0;
        }
    }

    void revoke(Set<Integer> partitions) {
        partitions.forEach(books::remove);
        cache.clear();
        open.clear();
        loadOpen();
    }

    Set<Integer> partitions() {
        return books.keySet();
    }


    private void loadOpen() {
        if (books.isEmpty()) {
            return;
        }
        store.openStreams(keys).forEach((field, home) -> {
            if (books.containsKey(home)) {
                open.put(field, home);
            }
        });
        store.streams(keys, open.keySet()).forEach(this::cacheBlob);
    }

    private void cacheBlob(FieldKey field, byte[] blob) {
        if (blob == null) {
            cache.remove(field);
            return;
        }
        StreamCodec.Decoded d = StreamCodec.decode(topic, blob);
        StreamCache.Entry old = cache.get(field);
        cache.put(field, new StreamCache.Entry(blob, d.state(), d.ref() != null ? d.ref() : old == null ? null : old.ref()));
    }

    /**
     * Audits one poll's records of this topic (possibly none: a tick) and checkpoints them.
     *
     * @param records per partition, in offset order
     * @param caughtUp partitions the consumer has read to the end they had at a time: their progress may go there
     * @param now wall clock, epoch ms
     * @return true if applied; false if another owner moved a partition (call {@link #reload} and seek)
     */
    boolean process(Map<Integer, List<ConsumerRecord<byte[], byte[]>>> records, Map<Integer, Long> caughtUp,
            Map<Integer, Long> positions, long now) {
        topicProgressRefresh(records.isEmpty());
        for (int attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
            BatchWork work = new BatchWork();
            Checkpoint cp = new Checkpoint(keys, duplicatesKept);
            audit(records, caughtUp, positions, now, work, cp);
            if (records.isEmpty()) {
                compactIdle(work);
                if (now >= nextSweep) {
                    sweep(work);
                }
            }
            promote(work);
            work.writeStreams(cp, home -> progressOf(work, home) - idleAfterMillis);
            Checkpoint.Result result = store.apply(cp);
            if (result.applied()) {
                commit(work);
                return true;
            }
            if (!result.offsetConflicts().isEmpty()) {
                LOG.warnf("Topic %s: partitions %s were moved by another auditor; re-reading from the stored offsets",
                        topic, result.offsetConflicts().keySet());
                return false;
            }
            result.streamConflicts().forEach(this::cacheBlob);
            metrics.conflict(topic);
        }
        LOG.warnf("Topic %s: streams kept changing under this batch after %d attempts; re-reading", topic,
                MAX_ATTEMPTS);
        return false;
    }

    private void audit(Map<Integer, List<ConsumerRecord<byte[], byte[]>>> records, Map<Integer, Long> caughtUp,
            Map<Integer, Long> positions, long now, BatchWork work, Checkpoint cp) {
        for (Map.Entry<Integer, Book> e : books.entrySet()) {
            int p = e.getKey();
            Book b = e.getValue();
            List<ConsumerRecord<byte[], byte[]>> list = records.getOrDefault(p, List.of());
            long progress = b.progress;
            for (ConsumerRecord<byte[], byte[]> rec : list) {
                // A producer clock ahead of ours must not fast-forward the grace windows.
                progress = Math.max(progress, Math.min(rec.timestamp(), now));
                auditRecord(rec, progress, work, cp);
            }
            Long readUpTo = caughtUp.get(p);
            if (readUpTo != null) {
                progress = Math.max(progress, Math.min(readUpTo, now));
            }
            work.progress.put(p, progress);
            long next = list.isEmpty() ? (b.stored == null ? -1 : b.stored) : list.get(list.size() - 1).offset() + 1;
            // The consumer's position may be past the last record: transaction markers take offsets too, and a
            // stored offset short of them would never reach the end offset the replayer waits for.
            Long position = positions.get(p);
            if (position != null && position > next && (next >= 0 || b.coverNew)) {
                next = position;
            }
            if (next < 0 && !b.coverNew) {
                continue; // nothing read yet and nothing to record
            }
            if (next < 0) {
                next = b.cover;
            }
            work.next.put(p, next);
            cp.partition(p, b.stored, next, progress, b.coverNew ? b.cover : -1);
        }
    }

    private void auditRecord(ConsumerRecord<byte[], byte[]> rec, long progress, BatchWork work, Checkpoint cp) {
        Stamp stamp = HeaderParser.parse(rec.headers());
        if (!stamp.valid()) {
            if (stamp.unstamped()) {
                work.count(Outcome.UNSTAMPED);
            } else {
                work.invalid(stamp.problem());
            }
            return;
        }
        String pe = stamp.epoch() + " " + stamp.producer();
        byte[] peHash = peHashes.get(pe);
        if (peHash == null) {
            peHash = work.newProducerEpochs.get(pe);
        }
        if (peHash == null) {
            // Remembered only once the checkpoint that writes it to the dictionary has applied.
            peHash = StreamRef.producerEpochHash(stamp.producer(), stamp.epoch());
            work.newProducerEpochs.put(pe, peHash);
            cp.producerEpoch(peHash, stamp.producer(), stamp.epoch());
        }
        byte[] keyHash = StreamRef.keyHash(rec.key());
        FieldKey field = new FieldKey(StreamRef.field(keyHash, peHash));
        BatchWork.Touched t = work.touch(field, cache);
        if (t.ref == null) {
            t.ref = new StreamRef(topic, rec.key(), stamp.producer(), stamp.epoch(), keyHash, peHash);
        }
        Position at = new Position(rec.partition(), rec.offset());
        boolean takeFromFirstSeen = joinedLate || expiredProducerEpochs.contains(new FieldKey(peHash));
        // A null key is spread over partitions by the partitioner: its stream spans them from the first record.
        boolean replay = rec.headers().lastHeader(SeqauditHeaders.REPLAY) != null;
        Observation o = detector.observe(t.state, stamp.seq(), at, progress, takeFromFirstSeen, rec.key() == null,
                replay);
        if (o.verdict().reason() != null) {
            work.invalid(o.verdict().reason());
            return;
        }
        work.count(o.outcome());
        if (o.outcome() == Outcome.DUPLICATE) {
            cp.duplicate(GapJson.duplicate(t.ref, stamp.seq(), at, o.verdict().original(), progress));
        }
        if (o.forgotten() != null) {
            cp.add("forgotten", o.forgotten().size());
        }
    }

    /** Confirms losses whose grace ran out, for open streams homed here and streams this batch touched. */
    private void promote(BatchWork work) {
        List<FieldKey> evicted = open.keySet().stream().filter(f -> cache.get(f) == null).toList();
        if (!evicted.isEmpty()) {
            store.streams(keys, evicted).forEach(this::cacheBlob);
        }
        for (Map.Entry<FieldKey, Integer> e : open.entrySet()) {
            StreamCache.Entry c = cache.get(e.getKey());
            if (c != null && detector.nextDeadline(c.state()) <= progressFor(work, c.state())) {
                work.touch(e.getKey(), cache);
            }
        }
        for (BatchWork.Touched t : work.touched.values()) {
            if (!t.state.isNew() && books.containsKey(t.state.home())) {
                for (MissingRange r : detector.promote(t.state, progressFor(work, t.state))) {
                    work.lostSeqs += r.size();
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

    private void topicProgressRefresh(boolean tick) {
        if (tick && partitionCount > books.size()) {
            topicProgress = store.partitionValues(keys.progress());
        }
    }

    private void commit(BatchWork work) {
        for (BatchWork.Touched t : work.touched.values()) {
            if (t.expire) {
                cache.remove(t.field);
                open.remove(t.field);
                expiredProducerEpochs.add(new FieldKey(BatchWork.producerEpochOf(t.field)));
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
        for (Map.Entry<Integer, Book> e : books.entrySet()) {
            Book b = e.getValue();
            Long next = work.next.get(e.getKey());
            if (next != null) {
                b.stored = next;
            }
            b.coverNew = false;
            b.progress = work.progress.getOrDefault(e.getKey(), b.progress);
        }
        peHashes.putAll(work.newProducerEpochs);
        metrics.recorded(topic, work.outcomes, work.invalidReasons, work.lostSeqs);
    }

    /**
     * On a tick, touches streams idle for longer than {@code idleAfter} that still remember recent positions:
     * they are written once more without them, so an idle stream shrinks to its watermark.
     */
    private void compactIdle(BatchWork work) {
        Iterator<Map.Entry<FieldKey, StreamCache.Entry>> it = cache.eldestFirst();
        List<FieldKey> idle = new ArrayList<>();
        while (it.hasNext() && idle.size() < 10_000) {
            Map.Entry<FieldKey, StreamCache.Entry> e = it.next();
            StreamState s = e.getValue().state();
            if (s.lastActivity() >= progressOf(work, s.home()) - idleAfterMillis) {
                break;
            }
            if (s.recent().size() > 0 && books.containsKey(s.home())) {
                idle.add(e.getKey());
            }
        }
        idle.forEach(f -> work.touch(f, cache));
    }

    /**
     * On a tick, reads one page of the topic's streams and deletes those homed here that have had no record for
     * longer than the expiry time and miss nothing: Redis memory stays bounded by the active streams.
     */
    private void sweep(BatchWork work) {
        List<FieldKey> expired = new ArrayList<>();
        sweepCursor = store.scanStreams(keys, sweepCursor, 500, (f, blob) -> {
            StreamState s;
            try {
                s = StreamCodec.decode(topic, blob).state();
            } catch (IllegalArgumentException e) {
                LOG.warnf("Topic %s: skipping a corrupt stream state in the expiry sweep: %s", topic, e.getMessage());
                return;
            }
            if (s.missing().isEmpty() && books.containsKey(s.home())
                    && s.lastActivity() < progressOf(work, s.home()) - expireAfterMillis) {
                FieldKey field = new FieldKey(f);
                cacheBlob(field, blob);
                expired.add(field);
            }
        });
        for (FieldKey f : expired) {
            work.touch(f, cache).expire = true;
        }
        nextSweep = System.currentTimeMillis() + SWEEP_INTERVAL_MS;
    }

    /** Totals, for the gauges. */
    Map<String, Long> totals() {
        return store.totals(keys);
    }
}
