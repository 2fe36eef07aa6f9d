package io.seqaudit.audit;

import io.seqaudit.metrics.AuditMetrics;
import io.seqaudit.sequence.SequenceDetector;
import io.seqaudit.state.Checkpoint;
import io.seqaudit.state.FieldKey;
import io.seqaudit.state.Journal;
import io.seqaudit.state.ProducerEpochName;
import io.seqaudit.state.StateStore;
import io.seqaudit.state.StreamRef;
import io.seqaudit.state.TotalField;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;


/**
 * Handles a log truncated below what the auditor of a topic had applied (an unclean leader election): reopens the
 * seqs the truncation journal says the removed records carried, and moves every shard's offset back, shard by
 * shard, under a marker that lets the next owner finish a handling a crash cut short. Consumer thread only.
 */
final class TruncationHandler {

    private final AuditedTopic state;
    private final StateStore store;
    private final SequenceDetector detector;
    private final AuditMetrics metrics;
    private final TopicIdentity identity;
    private final int duplicatesKept;
    TruncationHandler(AuditedTopic state, StateStore store, SequenceDetector detector, AuditMetrics metrics,
            TopicIdentity identity, AuditSettings settings) {
        this.state = state;
        this.store = store;
        this.detector = detector;
        this.metrics = metrics;
        this.identity = identity;
        this.duplicatesKept = settings.duplicatesKept();
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
        PartitionBook b = state.books.get(partition);
        if (b == null) {
            return null;
        }
        long to = from;
        for (int s = 0; s < state.layout.shards(); s++) {
            to = Math.max(to, b.applied(s) == null ? from : b.applied(s));
        }
        if (to == from) {
            return null;
        }
        String marker = "trunc:" + partition;
        store.hashPut(state.layout.shard(0).meta(), marker, String.valueOf(from));
        long reopened = 0;
        long unjournaled = 0;
        for (int s = state.layout.shards() - 1; s >= 0; s--) {
            Long applied = b.applied(s);
            if (applied == null || applied <= from) {
                applied = null;
            }
            BatchWork work = new BatchWork();
            List<Checkpoint> cps = new ArrayList<>(state.layout.shards());
            state.layout.all().forEach(k -> cps.add(new Checkpoint(k, identity.generation(), duplicatesKept)));
            Checkpoint cp = cps.get(s);
            if (applied != null) {
                Long oldest = state.journal.oldest(s, partition);
                if (oldest == null || oldest > from) {
                    unjournaled += (oldest == null ? applied : Math.min(oldest, applied)) - from;
                }
                List<Journal.Entry> gone = new ArrayList<>();
                List<Journal.Segment> segments = state.journal.from(s, partition, from);
                Map<String, byte[]> blobs = store.hashFields(state.layout.shard(s).journal(),
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
                        .filter(f -> state.cache.get(f) == null).toList();
                store.streams(state.layout.shard(s), uncached).forEach(this::cacheBlob);
                Map<FieldKey, String> producers = new HashMap<>();
                store.scan(state.layout.shard(s).producerEpochs(), (f, v) -> producers.put(new FieldKey(f),
                        new String(v, java.nio.charset.StandardCharsets.UTF_8)), Integer.MAX_VALUE);
                for (Journal.Entry e : gone) {
                    BatchWork.StreamInBatch t = work.touch(new FieldKey(e.field()), s, state.cache);
                    String epochAndProducer = producers.get(new FieldKey(e.producerEpoch()));
                    if (t.ref == null && epochAndProducer != null) {
                        ProducerEpochName name = ProducerEpochName.parse(epochAndProducer);
                        t.ref = new StreamRef(state.topic, e.key(), name.producer(), name.epoch());
                    }
                    if (detector.reopen(t.state, e.seq(), b.progress())) {
                        reopened++;
                    }
                }
                cp.partition(partition, applied, from, -1, -1, -1);
                work.writeStreams(cps, home -> Long.MIN_VALUE, state.books::containsKey);
            }
            if (s == 0) {
                cp.deleteMeta(marker).add(TotalField.Fixed.TRUNCATIONS, 1)
                        .add(TotalField.Fixed.TRUNCATED_RECORDS, to - from);
            }
            Checkpoint.Result r = store.apply(cp);
            if (!r.applied()) {
                throw new IllegalStateException("the truncation checkpoint of " + state.layout.shard(s).tag()
                        + " was refused (" + r.status() + (r.missing() != null ? ", " + r.missing() : "")
                        + "): re-reading from the stored offsets");
            }
            state.applyLocally(s, work);
            if (applied != null) {
                b.applied(s, from);
            }
        }
        Truncation t = new Truncation(state.topic, partition, from, to, reopened, unjournaled,
                java.time.Instant.ofEpochMilli(now).toString());
        metrics.truncation(state.topic, to - from, reopened);
        store.pushCapped(state.layout.topicLevel().truncations(), t.toJson(), Truncation.KEPT);
        return t;
    }

    /** Truncations a crash cut short (marker in shard 0): partition → offset the log was truncated at. */
    Map<Integer, Long> unfinishedTruncations() {
        Map<Integer, Long> out = new HashMap<>();
        store.hashAll(state.layout.shard(0).meta()).forEach((f, v) -> {
            if (f.startsWith("trunc:") && state.books.containsKey(Integer.parseInt(f.substring(6)))) {
                out.put(Integer.parseInt(f.substring(6)), Long.parseLong(v));
            }
        });
        return out;
    }

    private void cacheBlob(FieldKey field, byte[] blob) {
        state.cacheBlob(field, blob);
    }
}
