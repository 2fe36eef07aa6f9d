package io.seqaudit.audit;

import io.seqaudit.metrics.AuditMetrics;
import io.seqaudit.state.StateReader;
import io.seqaudit.state.StateUnavailableException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.InvalidOffsetException;
import org.apache.kafka.clients.consumer.LogTruncationException;
import org.apache.kafka.clients.consumer.OffsetOutOfRangeException;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.jboss.logging.Logger;

/**
 * The consumer thread's loop: poll, audit each topic's records in one checkpoint, tick the progress clocks.
 * Runs on its own thread, the only one that touches the consumer and the {@link TopicAuditor}s.
 *
 * <p>Failure handling: when Redis or Kafka fails, the loop logs and counts it, puts every assigned partition
 * back to the offset stored in Redis, pauses them for a back-off that doubles up to 30 s, and retries; it keeps
 * polling meanwhile so the consumer stays in its group. Nothing is lost (offsets only move with state) and
 * nothing is counted twice (the refused or failed batch is thrown away).
 */
final class AuditLoop implements Runnable, ConsumerRebalanceListener {

    private static final Logger LOG = Logger.getLogger(AuditLoop.class);
    private static final long MAX_BACKOFF_MS = 30_000;
    private static final long IDENTITY_CHECK_MS = 5_000;
    private static final long GAUGES_MS = 1_000;
    /** Prefix of the metadata of the offsets committed to Kafka: the state's generation follows it. */
    static final String GENERATION_PREFIX = "seqaudit-gen:";
    private final KafkaConsumer<byte[], byte[]> consumer;
    private final EndOffsets endOffsets;
    private final StateReader reader;
    private final Map<String, TopicAuditor> auditors;
    private final AuditMetrics metrics;
    private final Duration tick;
    private final long baseBackoffMs;
    private final boolean startLatest;
    /** Partitions assigned but not yet positioned from Redis (Redis failed during the rebalance). */
    private final Set<TopicPartition> unpositioned = new HashSet<>();
    /** Per topic, the batch sent to Redis and not yet confirmed. */
    private final Map<String, TopicAuditor.InFlight> inFlight = new HashMap<>();
    private volatile boolean running = true;
    private volatile long heartbeat = System.currentTimeMillis();
    private volatile String status = "starting";
    private long backoffMs;
    private long retryAt;
    private long nextTick;
    private long nextIdentityCheck;
    private long nextGauges;

    AuditLoop(KafkaConsumer<byte[], byte[]> consumer, EndOffsets endOffsets, StateReader reader,
            Map<String, TopicAuditor> auditors, AuditMetrics metrics, Duration tick, Duration backoff,
            boolean startLatest) {
        this.reader = reader;
        this.startLatest = startLatest;
        this.consumer = consumer;
        this.endOffsets = endOffsets;
        this.auditors = auditors;
        this.metrics = metrics;
        this.tick = tick;
        this.baseBackoffMs = backoff.toMillis();
        this.backoffMs = baseBackoffMs;
    }

    @Override
    public void run() {
        try {
            consumer.subscribe(auditors.keySet(), this);
            while (running) {
                heartbeat = System.currentTimeMillis();
                try {
                    step();
                } catch (WakeupException e) {
                    break;
                } catch (StateUnavailableException e) {
                    fail("redis", e);
                } catch (org.apache.kafka.common.KafkaException e) {
                    fail("kafka", e);
                } catch (RuntimeException e) {
                    fail("audit", e);
                }
            }
        } finally {
            new ArrayList<>(inFlight.keySet()).forEach(this::settleQuietly);
            consumer.close(Duration.ofSeconds(5));
            endOffsets.close();
            status = "stopped";
        }
    }

    private void step() {
        long now = System.currentTimeMillis();
        if (now < retryAt) {
            consumer.poll(Duration.ofMillis(Math.min(retryAt - now, tick.toMillis())));
            return;
        }
        if (!unpositioned.isEmpty()) {
            position(new ArrayList<>(unpositioned));
        }
        // Partitions of a topic whose state is lost stay paused until it is re-audited.
        consumer.resume(consumer.paused().stream().filter(tp -> !halted(tp.topic())).toList());
        ConsumerRecords<byte[], byte[]> records;
        try {
            records = consumer.poll(tick);
        } catch (InvalidOffsetException e) {
            invalidOffsets(e);
            return;
        }
        now = System.currentTimeMillis();
        boolean isTick = now >= nextTick;
        Map<String, Map<Integer, List<ConsumerRecord<byte[], byte[]>>>> byTopic = new HashMap<>();
        for (TopicPartition tp : records.partitions()) {
            byTopic.computeIfAbsent(tp.topic(), t -> new HashMap<>()).put(tp.partition(), records.records(tp));
        }
        Map<TopicPartition, OffsetAndMetadata> done = new HashMap<>();
        for (TopicAuditor auditor : auditors.values()) {
            Map<Integer, List<ConsumerRecord<byte[], byte[]>>> batch = byTopic.getOrDefault(auditor.topic(), Map.of());
            if (auditor.partitions().isEmpty() || (batch.isEmpty() && !isTick)
                    || auditor.identity().status() != TopicIdentity.Status.OK) {
                continue;
            }
            // Caught-up partitions are confirmed on ticks only (one ListOffsets request); between ticks progress
            // follows the records' timestamps.
            Map<Integer, Long> upTo = isTick ? caughtUp(auditor) : Map.of();
            TopicAuditor.InFlight previous = inFlight.remove(auditor.topic());
            TopicAuditor.Result result;
            if (auditor.pipelined(now)) {
                // Audit this poll on top of the previous batch while Redis applies it; then confirm the previous
                // one before sending this one. A refused previous batch voids this one: both are read again.
                TopicAuditor.Prepared next = auditor.prepare(batch, upTo, positions(auditor), now);
                result = previous == null ? TopicAuditor.Result.APPLIED : auditor.settle(previous, now);
                if (result == TopicAuditor.Result.APPLIED) {
                    inFlight.put(auditor.topic(), auditor.send(next));
                }
            } else {
                result = previous == null ? TopicAuditor.Result.APPLIED : auditor.settle(previous, now);
                if (result == TopicAuditor.Result.APPLIED) {
                    result = auditor.process(batch, upTo, positions(auditor), now);
                }
            }
            switch (result) {
                case APPLIED -> batch.forEach((p, list) -> done.put(new TopicPartition(auditor.topic(), p),
                        committed(auditor, list.get(list.size() - 1))));
                case RELOAD -> reload(auditor);
                case STATE_CHANGED -> recheck(auditor);
            }
        }
        if (now >= nextIdentityCheck) {
            nextIdentityCheck = now + IDENTITY_CHECK_MS;
            auditors.values().stream().filter(a -> a.identity().status() != TopicIdentity.Status.OK)
                    .forEach(this::recheck);
        }
        if (!done.isEmpty()) {
            consumer.commitAsync(done, null); // informative only: lag tools read it; Redis holds the truth
        }
        if (isTick) {
            nextTick = now + tick.toMillis();
            boolean gauges = now >= nextGauges;
            if (gauges) {
                // Summing the shards' totals costs a Redis call per shard: once a second is enough for gauges.
                nextGauges = now + GAUGES_MS;
            }
            for (TopicAuditor auditor : auditors.values()) {
                if (gauges) {
                    Map<String, Long> totals = reader.totals(auditor.topic());
                    metrics.missing(auditor.topic(), totals.getOrDefault("missing:suspected", 0L),
                            totals.getOrDefault("missing:lost", 0L));
                }
                metrics.lag(auditor.topic(), lag(auditor));
            }
        }
        backoffMs = baseBackoffMs;
        status = "running";
    }

    /**
     * Partitions read to their end as of now (call after taking {@code now}): their progress may jump to the wall
     * clock. The consumer's own lag is not enough: it is measured against the high watermark of the partition's
     * last fetch, whose records may have sat in the consumer's buffer for seconds while a slow audit worked
     * through them; records appended since would then be taken as read, and a gap they fill reported lost before
     * its grace ran out. So a lag of 0 is only a candidate, confirmed against the end offsets read now.
     */
    /**
     * Partitions whose position has reached the end offset last fetched in the background, with the time that
     * offset was asked for: every record written before then has been read, so progress may advance to it.
     */
    private Map<Integer, Long> caughtUp(TopicAuditor auditor) {
        endOffsets.watch(consumer.assignment());
        Map<Integer, Long> out = new HashMap<>();
        for (int p : auditor.partitions()) {
            TopicPartition tp = new TopicPartition(auditor.topic(), p);
            EndOffsets.At end = endOffsets.get(tp);
            if (end != null && !unpositioned.contains(tp) && consumer.position(tp) >= end.offset()) {
                out.put(p, end.askedAt());
            }
        }
        return out;
    }

    /** The consumer's positions of the auditor's positioned partitions (local: no request). */
    private Map<Integer, Long> positions(TopicAuditor auditor) {
        Map<Integer, Long> out = new HashMap<>();
        for (int p : auditor.partitions()) {
            TopicPartition tp = new TopicPartition(auditor.topic(), p);
            if (!unpositioned.contains(tp) && consumer.assignment().contains(tp)) {
                out.put(p, consumer.position(tp));
            }
        }
        return out;
    }

    private long lag(TopicAuditor auditor) {
        long sum = 0;
        for (int p : auditor.partitions()) {
            sum += consumer.currentLag(new TopicPartition(auditor.topic(), p)).orElse(0);
        }
        return sum;
    }

    /**
     * The consumer found positions it cannot read on from (auto.offset.reset is none: it never resets silently).
     * A log truncated below what was audited (KIP-320 divergence, or a position past the log end): the removed
     * records' seqs are reopened and reading goes on from the truncation point. A position below the log start:
     * retention deleted records before they were audited, a coverage gap: reading goes on from the log start.
     */
    private void invalidOffsets(InvalidOffsetException e) {
        Map<TopicPartition, OffsetAndMetadata> divergent = e instanceof LogTruncationException t
                ? t.divergentOffsets() : Map.of();
        Map<TopicPartition, Long> outOfRange = e instanceof OffsetOutOfRangeException o
                ? o.offsetOutOfRangePartitions() : Map.of();
        for (TopicPartition tp : e.partitions()) {
            TopicAuditor auditor = auditors.get(tp.topic());
            if (auditor == null || !consumer.assignment().contains(tp)) {
                continue;
            }
            settleQuietly(tp.topic());
            if (divergent.containsKey(tp)) {
                truncated(auditor, tp, divergent.get(tp).offset());
                continue;
            }
            Long position = outOfRange.get(tp);
            if (position == null) {
                unpositioned.add(tp); // no position at all: positioned from Redis on the next step
                consumer.pause(Set.of(tp));
                continue;
            }
            long start = consumer.beginningOffsets(Set.of(tp)).get(tp);
            long end = consumer.endOffsets(Set.of(tp)).get(tp);
            if (position > end) {
                truncated(auditor, tp, end); // no leader epoch told where: everything past the log end is gone
            } else {
                metrics.coverageGap(tp.topic(), start - position);
                LOG.warnf("Topic %s partition %d: offsets %d..%d were deleted (retention) before the auditor read "
                        + "them: not audited (a coverage gap); auditing goes on from the log start %d", tp.topic(),
                        tp.partition(), position, start - 1, start);
                consumer.seek(tp, start);
            }
        }
    }

    private void truncated(TopicAuditor auditor, TopicPartition tp, long from) {
        try {
            Truncation t = auditor.truncate(tp.partition(), from, System.currentTimeMillis());
            consumer.seek(tp, from);
            if (t != null) {
                LOG.warnf("Topic %s partition %d: the log was truncated at offset %d below what the auditor had read "
                        + "(up to %d): %d audited records removed (an unclean leader election); %d seqs they carried "
                        + "are suspected again%s", tp.topic(), tp.partition(), t.from(), t.to(), t.to() - t.from(),
                        t.reopenedSeqs(), t.unjournaled() > 0 ? "; " + t.unjournaled() + " offsets predate the "
                                + "truncation journal (seqaudit.audit.journal-records) and could not be reopened" : "");
            }
        } catch (IllegalStateException e) {
            LOG.warnf("Topic %s partition %d: %s", tp.topic(), tp.partition(), e.getMessage());
            reload(auditor);
        }
    }

    /** The offset to commit to Kafka after a record: for lag tools, and naming the state's generation. */
    private static OffsetAndMetadata committed(TopicAuditor auditor, ConsumerRecord<byte[], byte[]> last) {
        return new OffsetAndMetadata(last.offset() + 1, last.leaderEpoch(),
                GENERATION_PREFIX + auditor.identity().generation());
    }

    private boolean halted(String topic) {
        TopicAuditor a = auditors.get(topic);
        return a != null && a.identity().status() != TopicIdentity.Status.OK;
    }

    /**
     * Checks a topic's state again (after a checkpoint found it changed, and every few seconds while it is not
     * OK): a re-audit is taken up from the stored offsets it left (none: the earliest offsets); a lost state keeps
     * the topic's partitions paused.
     */
    private void recheck(TopicAuditor auditor) {
        TopicIdentity.Status before = auditor.identity().status();
        TopicIdentity.Status now = auditor.identity().establish(() -> committedGeneration(auditor.topic()));
        List<TopicPartition> parts = new ArrayList<>();
        consumer.assignment().stream().filter(tp -> tp.topic().equals(auditor.topic())).forEach(parts::add);
        if (now == TopicIdentity.Status.OK) {
            if (before != TopicIdentity.Status.OK) {
                auditor.drop();
            }
            position(parts);
        } else {
            auditor.drop();
            consumer.pause(parts);
            unpositioned.removeAll(parts);
        }
        metrics.stateLost(auditor.topic(), now == TopicIdentity.Status.LOST);
    }

    /** The generation the group's committed offsets of a topic name, if any: the witness of a state Redis lost. */
    private Optional<String> committedGeneration(String topic) {
        Set<TopicPartition> all = new HashSet<>();
        consumer.partitionsFor(topic).forEach(pi -> all.add(new TopicPartition(topic, pi.partition())));
        return consumer.committed(all).values().stream().filter(o -> o != null && o.metadata() != null
                && o.metadata().startsWith(GENERATION_PREFIX)).map(o -> o.metadata().substring(GENERATION_PREFIX
                        .length())).findFirst();
    }

    /** Another owner moved a partition: take the offsets and state that Redis holds now. */
    private void reload(TopicAuditor auditor) {
        List<TopicPartition> parts = new ArrayList<>();
        auditor.partitions().forEach(p -> parts.add(new TopicPartition(auditor.topic(), p)));
        position(parts);
    }

    private void fail(String stage, RuntimeException e) {
        metrics.failure(stage);
        status = stage + " failed: " + e.getMessage();
        LOG.warnf(e, "Audit step failed at %s; retrying from the stored offsets in %d ms", stage, backoffMs);
        // Forget whatever was read after the stored offsets (and batches not confirmed): it is read again once
        // the stage is back, from what Redis holds.
        inFlight.clear();
        unpositioned.addAll(consumer.assignment());
        consumer.pause(consumer.assignment());
        retryAt = System.currentTimeMillis() + backoffMs;
        backoffMs = Math.min(backoffMs * 2, MAX_BACKOFF_MS);
    }

    /** Seeks partitions to the offsets stored in Redis (or the configured start), reading them per topic. */
    private void position(Collection<TopicPartition> parts) {
        Map<String, Set<Integer>> byTopic = new HashMap<>();
        parts.forEach(tp -> byTopic.computeIfAbsent(tp.topic(), t -> new HashSet<>()).add(tp.partition()));
        for (Map.Entry<String, Set<Integer>> e : byTopic.entrySet()) {
            TopicAuditor auditor = auditors.get(e.getKey());
            if (auditor.identity().status() != TopicIdentity.Status.OK) {
                TopicIdentity.Status st = auditor.identity().establish(() -> committedGeneration(e.getKey()));
                metrics.stateLost(e.getKey(), st == TopicIdentity.Status.LOST);
                if (st != TopicIdentity.Status.OK) {
                    List<TopicPartition> halted = e.getValue().stream()
                            .map(p -> new TopicPartition(e.getKey(), p)).toList();
                    consumer.pause(halted);
                    unpositioned.removeAll(halted);
                    continue;
                }
            }
            Set<Integer> owned = new HashSet<>(auditor.partitions());
            owned.addAll(e.getValue());
            Map<Integer, Long> stored = auditor.assign(owned, consumer.partitionsFor(e.getKey()).size());
            Map<Integer, Long> unfinished = auditor.unfinishedTruncations();
            List<TopicPartition> fresh = new ArrayList<>();
            for (Map.Entry<Integer, Long> s : stored.entrySet()) {
                TopicPartition tp = new TopicPartition(e.getKey(), s.getKey());
                if (!consumer.assignment().contains(tp)) {
                    continue;
                }
                if (unfinished.containsKey(tp.partition())) {
                    // A crash cut the handling of a truncation short: finish it (shards done already are skipped).
                    truncated(auditor, tp, unfinished.get(tp.partition()));
                    unpositioned.remove(tp);
                    continue;
                }
                if (s.getValue() != null) {
                    int epoch = auditor.leaderEpoch(tp.partition());
                    // With the leader epoch, the consumer validates the restored position against the leader's
                    // log: a log truncated below it while the auditor was away is detected, not read past.
                    consumer.seek(tp, new OffsetAndMetadata(s.getValue(),
                            epoch >= 0 ? Optional.of(epoch) : Optional.empty(), ""));
                } else {
                    fresh.add(tp);
                }
                unpositioned.remove(tp);
            }
            if (!fresh.isEmpty()) {
                // No audit yet: start where seqaudit.audit.start-from says (a re-audit: the earliest offset), and
                // remember it as the coverage start. Kafka's committed offsets are ignored on purpose: only Redis
                // says what was audited. Every partition is given its start before any position is asked for.
                if (startLatest && !auditor.identity().reaudited()) {
                    consumer.seekToEnd(fresh);
                } else {
                    consumer.seekToBeginning(fresh);
                }
                fresh.forEach(tp -> auditor.startAt(tp.partition(), consumer.position(tp)));
            }
        }
    }

    @Override
    public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
        unpositioned.addAll(partitions);
        // The consumer never resets on its own (auto.offset.reset=none), yet asks a position of every assigned
        // partition on each poll: a placeholder start until the real one is read from Redis (paused meanwhile).
        consumer.seekToEnd(partitions);
        try {
            position(new ArrayList<>(partitions));
        } catch (RuntimeException e) {
            // Redis is down during the rebalance: keep the partitions paused until it answers.
            consumer.pause(partitions);
            LOG.warnf("Cannot read audit offsets for %s yet (%s); they stay paused until Redis answers", partitions,
                    e.getMessage());
        }
    }

    /** Confirms a topic's batch in flight, if any, before its partitions change hands or the loop stops. */
    private void settleQuietly(String topic) {
        TopicAuditor.InFlight f = inFlight.remove(topic);
        if (f != null) {
            try {
                auditors.get(topic).settle(f, System.currentTimeMillis());
            } catch (RuntimeException e) {
                LOG.warnf("Topic %s: the last batch could not be confirmed (%s); the next owner reads from the offsets "
                        + "Redis holds", topic, e.getMessage());
            }
        }
    }

    @Override
    public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
        partitions.stream().map(TopicPartition::topic).distinct().forEach(this::settleQuietly);
        Map<String, Set<Integer>> byTopic = new HashMap<>();
        partitions.forEach(tp -> byTopic.computeIfAbsent(tp.topic(), t -> new HashSet<>()).add(tp.partition()));
        byTopic.forEach((topic, parts) -> {
            TopicAuditor auditor = auditors.get(topic);
            if (auditor != null) {
                auditor.revoke(parts);
            }
        });
        unpositioned.removeAll(partitions);
    }

    long heartbeatAgeMillis() {
        return System.currentTimeMillis() - heartbeat;
    }

    String status() {
        return status;
    }

    void stop() {
        running = false;
        consumer.wakeup();
    }
}
