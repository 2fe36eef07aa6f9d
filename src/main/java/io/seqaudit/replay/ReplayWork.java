package io.seqaudit.replay;

import io.seqaudit.sequence.MissingRange;
import io.seqaudit.stamp.SeqauditHeaders;
import io.seqaudit.state.FieldKey;
import io.seqaudit.state.GapRecord;
import io.seqaudit.state.GapState;
import io.seqaudit.state.StateReader;
import io.seqaudit.state.StateStore;
import io.seqaudit.state.StreamCodec;
import io.seqaudit.state.StreamRef;
import io.seqaudit.config.EndOffsetReads;
import io.seqaudit.config.KafkaClients;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.internals.RecordHeaders;

/**
 * The steps of one replay, each answering the {@link ReplayView} to store next: publish (fetch from the source,
 * publish what the auditor still misses: network I/O to the source, Kafka and Redis) and verify (every
 * published seq arrived: reads Redis and the topic's last committed offsets). The steps run on the replayer's
 * scheduled tick; {@link #gapOf} is also called by REST request threads. Thread-safe (the admin client is
 * created under a lock).
 */
@ApplicationScoped
public class ReplayWork {

    /** How long the caught-up check waits for the brokers. */
    private static final Duration KAFKA_WAIT = Duration.ofSeconds(10);

    private final StateStore store;
    private final StateReader reader;
    private final ReplayStore replayStore;
    private final ReplayPublisher publisher;
    private final KafkaClients kafka;
    private Admin admin;

    public ReplayWork(StateStore store, StateReader reader, ReplayStore replayStore, ReplayPublisher publisher,
            KafkaClients kafka) {
        this.store = store;
        this.reader = reader;
        this.replayStore = replayStore;
        this.publisher = publisher;
        this.kafka = kafka;
    }

    /**
     * The owner name of this instance's leases: its transactional id, stable across restarts, so a replayer that
     * crashed takes its leases back at once instead of waiting for them to expire.
     */
    String owner() {
        return publisher.transactionalId();
    }

    boolean lease(ReplayView r, String owner, Duration ttl) {
        return store.lease(store.keys(r.topic()).replayLease(r.id()), owner, ttl);
    }

    /** Fetches and publishes a pending replay; returns it unchanged if the auditor is behind (try again later). */
    ReplayView publish(ReplayView r, ReplaySource source, int maxFetches) {
        if (!auditorCaughtUp(r.topic())) {
            return r;
        }
        StreamRef ref = ref(r);
        Set<Long> still = stillMissing(r, ref);
        String now = Instant.now().toString();
        if (still.isEmpty()) {
            return r.with(ReplayView.State.REPAIRED, 0, List.of(), null, r.fetches(), now);
        }
        ReplaySource.Fetched fetched;
        try {
            fetched = source.fetch(new ReplaySource.Request(r.id(), r.topic(), ref.key(), r.producer(), r.epoch(),
                    r.fromSeq(), r.toSeq()));
        } catch (ReplaySourceException e) {
            int fetches = r.fetches() + 1;
            return r.with(fetches >= maxFetches ? ReplayView.State.FAILED : ReplayView.State.PENDING, 0, List.of(),
                    e.getMessage(), fetches, now);
        }
        List<ProducerRecord<byte[], byte[]>> out = new ArrayList<>();
        Set<Long> found = new HashSet<>();
        for (ReplaySource.SourceRecord rec : fetched.records()) {
            if (still.contains(rec.seq()) && found.add(rec.seq())) {
                out.add(record(r, ref, rec));
            }
        }
        List<Long> missing = still.stream().filter(s -> !found.contains(s)).sorted().collect(Collectors.toList());
        if (!out.isEmpty()) {
            try {
                publisher.publish(out);
            } catch (KafkaException e) {
                return r.with(ReplayView.State.PENDING, 0, List.of(), "publish failed: " + e, r.fetches() + 1, now);
            }
        }
        ReplayView.State state = out.isEmpty() ? ReplayView.State.UNRECOVERABLE : ReplayView.State.PUBLISHED;
        return r.with(state, out.size(), missing, null, r.fetches() + 1, now);
    }

    /** A published replay is done once the auditor misses no seq of it except those the source lacks. */
    ReplayView verify(ReplayView r) {
        if (!auditorCaughtUp(r.topic())) {
            return r;
        }
        Set<Long> still = stillMissing(r, ref(r));
        if (!r.missingInSource().containsAll(still)) {
            return r; // published seqs not seen yet
        }
        ReplayView.State state = r.missingInSource().isEmpty() ? ReplayView.State.REPAIRED
                : ReplayView.State.UNRECOVERABLE;
        return r.with(state, r.republished(), r.missingInSource(), r.error(), r.fetches(), Instant.now().toString());
    }

    /** The replayed record: the source's value and headers, the original seqaudit headers, the replay id. */
    private static ProducerRecord<byte[], byte[]> record(ReplayView r, StreamRef ref, ReplaySource.SourceRecord rec) {
        RecordHeaders h = new RecordHeaders();
        if (rec.headers() != null) {
            rec.headers().forEach((name, value) -> {
                if (!name.startsWith("seqaudit-")) {
                    h.add(name, value);
                }
            });
        }
        h.add(SeqauditHeaders.PRODUCER, r.producer().getBytes(StandardCharsets.UTF_8));
        h.add(SeqauditHeaders.EPOCH, SeqauditHeaders.encodeLong(r.epoch()));
        h.add(SeqauditHeaders.SEQ, SeqauditHeaders.encodeLong(rec.seq()));
        h.add(SeqauditHeaders.REPLAY, r.id().getBytes(StandardCharsets.UTF_8));
        return new ProducerRecord<>(r.topic(), null, null, ref.key(), rec.value(), h);
    }

    /** Seqs of the replay's range that the auditor misses now. */
    Set<Long> stillMissing(ReplayView r, StreamRef ref) {
        Set<Long> out = new TreeSet<>();
        byte[] blob = reader.streams(r.topic(), List.of(new FieldKey(ref.field()))).get(new FieldKey(ref.field()));
        if (blob == null) {
            return out;
        }
        for (MissingRange m : StreamCodec.decode(r.topic(), blob).state().missing()) {
            for (long s = Math.max(m.from(), r.fromSeq()); s <= Math.min(m.to(), r.toSeq()); s++) {
                out.add(s);
            }
        }
        return out;
    }

    /**
     * Whether the auditor has read every partition of the topic up to its last committed offset (the last stable
     * offset: a read_committed auditor cannot pass an open transaction). Reads the ends itself rather than from the
     * auditor's {@code EndOffsets}: the auditor of a partition may run in another instance (or none here, with
     * {@code seqaudit.audit.enabled=false}), and that reader follows only this instance's partitions, to the log end.
     */
    boolean auditorCaughtUp(String topic) {
        try {
            Admin a = admin();
            Map<TopicPartition, Long> ends = EndOffsetReads.latest(a, EndOffsetReads.partitions(a, topic, KAFKA_WAIT),
                    IsolationLevel.READ_COMMITTED, KAFKA_WAIT);
            Map<Integer, Long> audited = reader.auditedOffsets(topic);
            return ends.entrySet().stream()
                    .allMatch(e -> audited.getOrDefault(e.getKey().partition(), 0L) >= e.getValue());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        } catch (Exception e) {
            return false; // the brokers do not answer: not known to be caught up, try again at the next tick
        }
    }

    /**
     * Lost gaps of a topic that no replay covers yet, cut to at most {@code maxRange} seqs each. Reads the replays
     * of those gaps' streams only.
     */
    List<ReplayTarget> lostGapsWithoutReplay(String topic, long maxRange) {
        List<GapRecord> lost = reader.gaps(topic, Integer.MAX_VALUE).stream()
                .filter(g -> g.state() == GapState.LOST).toList();
        if (lost.isEmpty()) {
            return List.of();
        }
        List<ReplayView> replays = replayStore.ofStreams(topic, lost.stream()
                .map(g -> topic + "." + g.stream().id() + ".").distinct().toList());
        List<ReplayTarget> out = new ArrayList<>();
        for (GapRecord g : lost) {
            StreamRef ref = g.stream();
            long from = g.fromSeq();
            long to = Math.min(g.toSeq(), from + maxRange - 1);
            boolean covered = replays.stream().anyMatch(r -> r.producer().equals(ref.producer())
                    && r.epoch() == ref.epoch() && ref.replayId(r.fromSeq(), r.toSeq()).equals(r.id())
                    && r.fromSeq() <= from && r.toSeq() >= to);
            if (!covered) {
                out.add(new ReplayTarget(ref, from, to, g.id()));
            }
        }
        return out;
    }

    /** The open gap the auditor stored under {@code gapId}, or null if no such gap is open. */
    public GapRecord gapOf(String topic, String gapId) {
        return reader.gap(topic, gapId);
    }

    private static StreamRef ref(ReplayView r) {
        byte[] key = r.keyBase64() == null ? null : Base64.getDecoder().decode(r.keyBase64());
        return new StreamRef(r.topic(), key, r.producer(), r.epoch());
    }

    private synchronized Admin admin() {
        if (admin == null) {
            admin = kafka.admin();
        }
        return admin;
    }

    @PreDestroy
    synchronized void close() {
        if (admin != null) {
            admin.close(Duration.ofSeconds(5));
        }
    }
}
