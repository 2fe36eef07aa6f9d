package io.seqaudit.audit;

import io.seqaudit.sequence.Arrival;
import io.seqaudit.sequence.StreamState;
import io.seqaudit.state.CoverageReason;
import io.seqaudit.state.CoverageRecord;
import io.seqaudit.state.FieldKey;
import io.seqaudit.state.SortedIndex;
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

/**
 * What the auditor of one topic knows between batches: its assigned partitions ({@link PartitionBook}s), the
 * stream states it caches, the streams with suspected seqs homed here, the producer epochs seen, the truncation
 * journal's segments, and every partition's progress. Loaded from Redis on assignment, changed only when a shard
 * checkpoint applied (or is taken as applied while in flight). Consumer thread only.
 */
final class AuditedTopic {

    final String topic;
    final TopicLayout layout;
    final StreamCache cache;
    final Map<Integer, PartitionBook> books = new HashMap<>();
    /** Streams with suspected ranges homed on an assigned partition: field → home. */
    final Map<FieldKey, Integer> open = new HashMap<>();
    /** Producer epochs whose streams were expired: one of them that resumes is taken from where it resumes. */
    final Set<FieldKey> expiredProducerEpochs = new HashSet<>();
    final ProducerEpochs producerEpochs;
    final JournalBook journal;
    private final StateStore store;
    private Map<Integer, Long> topicProgress = Map.of();
    private int partitionCount;
    private boolean joinedLate;
    /** Partition → the producers' beacons to apply with the next batch (set by the loop, kept across retries). */
    Map<Integer, List<Beacon>> beacons = Map.of();
    private LogPolicy policy = LogPolicy.DELETE;
    /** Partition → streams last active before this progress time may have lost records unread (coverage gaps). */
    private final Map<Integer, Long> retentionMarks = new HashMap<>();
    private long retentionMarkAny = Arrival.GUARDED;

    AuditedTopic(String topic, StateStore store, AuditSettings settings) {
        this.topic = topic;
        this.layout = store.layout(topic);
        this.store = store;
        this.cache = new StreamCache(settings.cacheStreams());
        this.journal = new JournalBook(settings.journalRecords());
        this.producerEpochs = new ProducerEpochs(layout.shards());
    }

    int partitionCount() {
        return partitionCount;
    }

    /** Whether streams first seen at n &gt; 0 are taken from n (some partition's audit started after offset 0). */
    boolean joinedLate() {
        return joinedLate;
    }

    void topicProgress(Map<Integer, Long> progress) {
        topicProgress = progress;
    }

    /**
     * Takes over partitions: reads their stored offsets, progress and open streams. Returns, per partition, the
     * offset to resume at, or null for a partition never audited. Call only while the identity is {@code OK}.
     */
    Map<Integer, Long> assign(Set<Integer> partitions, int partitionCount) {
        this.partitionCount = partitionCount;
        books.clear();
        Map<Integer, Long> coverageStarts = new HashMap<>();
        Map<Integer, Map<Integer, Long>> offsets = new HashMap<>();
        Map<Integer, Long> epochs = new HashMap<>();
        for (TopicKeys shard : layout.all()) {
            new SortedIndex(store).complete(shard.gaps(), shard.gapIndex()); // gaps stored before the index existed
            offsets.put(shard.shard(), store.partitionValues(shard.offsets()));
            store.partitionValues(shard.coverageStarts()).forEach(coverageStarts::putIfAbsent);
            store.partitionValues(shard.leaderEpochs()).forEach((p, v) -> epochs.merge(p, v, Math::max));
        }
        Map<Integer, Long> progress = store.progress(layout);
        topicProgress = progress;
        joinedLate = coverageStarts.values().stream().anyMatch(c -> c > 0);
        retentionMarks.clear();
        retentionMarkAny = Arrival.GUARDED;
        store.hashAll(layout.topicLevel().coverage()).values().forEach(j -> mark(CoverageRecord.fromJson(j)));
        Map<Integer, Long> result = new HashMap<>();
        for (int p : partitions) {
            PartitionBook b = new PartitionBook(layout.shards());
            offsets.forEach((shard, values) -> b.applied(shard, values.get(p)));
            b.progress(progress.getOrDefault(p, 0L));
            b.coverageStart(coverageStarts.getOrDefault(p, -1L), false);
            b.leaderEpoch(epochs.getOrDefault(p, -1L).intValue());
            books.put(p, b);
            result.put(p, b.fresh() ? null : b.resumeAt());
            if (!b.fresh()) {
                b.startsAt(b.resumeAt());
            }
        }
        reloadStreams();
        return result;
    }

    void policy(LogPolicy policy) {
        this.policy = policy;
    }

    /** Why seqs skipped by an unguarded stream are not audited: compaction on a compacted topic, else retention. */
    CoverageReason uncoveredReason() {
        return policy.compacted() ? CoverageReason.COMPACTED : CoverageReason.RETENTION;
    }

    /**
     * The progress time before which a stream's previous record cannot vouch for the log after it (see
     * {@link Arrival#unguardedBefore()}): the topic's compaction window and the partition's coverage gaps.
     *
     * @param anyPartition for a stream that spans partitions: every partition's coverage gaps count
     */
    long unguardedBefore(int partition, boolean anyPartition, long now) {
        long mark = anyPartition ? retentionMarkAny : retentionMarks.getOrDefault(partition, Arrival.GUARDED);
        return Math.max(policy.unguardedBefore(now), mark);
    }

    /**
     * Records a coverage gap found on an assigned partition: offsets {@code from..to} were deleted before they
     * were read. Written to Redis at once (the same gap found again after a crash overwrites itself); the streams
     * last seen before the partition's progress now skip the seqs they lost in it as not audited.
     *
     * @return the gap, or null when this very gap was recorded before (found again after a crash or a rebalance
     *         that came before the next checkpoint): to be counted and reported once
     * @throws io.seqaudit.state.StateUnavailableException when Redis fails (the loop retries from the stored offsets)
     */
    CoverageRecord coverageGap(int partition, long from, long to, long now) {
        PartitionBook b = books.get(partition);
        long progress = b == null ? topicProgress.getOrDefault(partition, 0L) : b.progress();
        CoverageRecord r = new CoverageRecord(topic, partition, from, to, CoverageReason.RETENTION,
                java.time.Instant.ofEpochMilli(now).toString(), progress + 1);
        String key = layout.topicLevel().coverage();
        String known = store.hashGet(key, r.field());
        CoverageRecord before = known == null ? null : CoverageRecord.fromJson(known);
        if (before != null && before.toOffset() == to) {
            mark(before);
            return null;
        }
        store.hashPut(key, r.field(), r.toJson());
        mark(r);
        return r;
    }

    private void mark(CoverageRecord r) {
        retentionMarks.merge(r.partition(), r.unguardedBefore(), Math::max);
        retentionMarkAny = Math.max(retentionMarkAny, r.unguardedBefore());
    }

    /** The leader epoch of the last record applied on a partition, or -1. */
    int leaderEpoch(int partition) {
        PartitionBook b = books.get(partition);
        return b == null ? -1 : b.leaderEpoch();
    }

    /** Records where auditing of a partition without stored offset starts (its coverage start). */
    void startAt(int partition, long position) {
        PartitionBook b = books.get(partition);
        if (b != null && b.coverageStart() < 0) {
            b.startsAt(position);
            b.coverageStart(position, true);
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

    void reloadStreams() {
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

    void cacheBlob(FieldKey field, byte[] blob) {
        cache.load(topic, field, blob);
    }

    /** The progress that bounds a stream's grace: its home partition's, or the slowest partition's if it spans. */
    long progressFor(BatchWork work, StreamState s) {
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

    long progressOf(BatchWork work, int partition) {
        Long p = work.progress.get(partition);
        return p != null ? p : topicProgress.getOrDefault(partition, 0L);
    }

    /** One shard applied its part: its streams and offsets become what this auditor knows. */
    void applyLocally(int shard, BatchWork work) {
        for (BatchWork.StreamInBatch t : work.touched.values()) {
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
                cache.put(t.cached, t.field, t.written, t.state, t.ref);
            }
            if (!t.state.isNew() && t.state.anyMissing() && t.state.missingCount(false) > 0
                    && books.containsKey(t.state.home())) {
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
        work.newProducerEpochs(shard).forEach(e -> e.written(shard));
        work.journalWrites.stream().filter(w -> w.shard() == shard)
                .forEach(w -> journal.applied(shard, w.partition(), w.added(), w.deleted()));
    }
}
