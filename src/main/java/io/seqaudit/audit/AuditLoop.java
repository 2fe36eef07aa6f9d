package io.seqaudit.audit;

import io.seqaudit.metrics.AuditMetrics;
import io.seqaudit.state.CheckpointLane;
import io.seqaudit.state.RedisSettings;
import io.seqaudit.state.StateReader;
import io.seqaudit.state.StateUnavailableException;
import io.seqaudit.state.TotalField;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.InvalidOffsetException;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.PartitionInfo;
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
final class AuditLoop implements Runnable {

    private static final Logger LOG = Logger.getLogger(AuditLoop.class);
    private static final long MAX_BACKOFF_MS = 30_000;
    private static final long IDENTITY_CHECK_MS = 5_000;
    private static final long GAUGES_MS = 1_000;
    /** Prefix of the metadata of the offsets committed to Kafka: the state's generation follows it. */
    static final String GENERATION_PREFIX = "seqaudit-gen:";
    private final KafkaConsumer<byte[], byte[]> consumer;
    private final EndOffsets endOffsets;
    private final LogPolicies policies;
    /** The producers' beacons; null when seqaudit.audit.beacons is off. */
    private final BeaconReader beacons;
    /** The consumer stage (receipts of seqaudit.consumers); null when no group is configured. */
    private final ConsumerAudit consumers;
    private final StateReader reader;
    private final RedisSettings settings;
    private final Duration settingsCheck;
    private final Map<String, TopicAuditor> auditors;
    private final AuditMetrics metrics;
    private final Reachability reachability;
    private final Duration tick;
    private final long baseBackoffMs;
    private final Assignments assignments;
    /** Partitions assigned but not yet positioned from Redis (shared with {@link Assignments}). */
    private final Set<TopicPartition> unpositioned;
    /** The most batches of a topic sent to Redis and not confirmed yet (seqaudit.audit.checkpoints-in-flight). */
    private final int checkpointsInFlight;
    /** The lane the auditors send their batches on; closed when the loop stops. */
    private final CheckpointLane lane;
    private volatile boolean running = true;
    private volatile long heartbeat = System.currentTimeMillis();
    private volatile String status = "starting";
    private long backoffMs;
    private long retryAt;
    private long nextTick;
    private long nextIdentityCheck;
    private long nextGauges;
    /** Per topic, partition → the offset audited in every shard, as last read from Redis. */
    private final Map<String, Map<Integer, Long>> storedOffsets = new HashMap<>();
    private long nextSettingsCheck;
    private boolean persistent = true;
    private boolean commitsFailing;

    AuditLoop(KafkaConsumer<byte[], byte[]> consumer, BeaconReader beacons, ConsumerAudit consumers,
            EndOffsets endOffsets,
            LogPolicies policies, StateReader reader,
            RedisSettings settings, Duration settingsCheck, Map<String, TopicAuditor> auditors, AuditMetrics metrics,
            Reachability reachability, Duration tick, Duration backoff, boolean startLatest, CheckpointLane lane,
            int checkpointsInFlight) {
        this.lane = lane;
        this.checkpointsInFlight = checkpointsInFlight;
        this.reachability = reachability;
        this.settings = settings;
        this.settingsCheck = settingsCheck;
        this.reader = reader;
        this.assignments = new Assignments(consumer, auditors, metrics, startLatest);
        this.unpositioned = assignments.unpositioned();
        this.consumer = consumer;
        this.beacons = beacons;
        this.consumers = consumers;
        this.endOffsets = endOffsets;
        this.policies = policies;
        this.auditors = auditors;
        this.metrics = metrics;
        this.tick = tick;
        this.baseBackoffMs = backoff.toMillis();
        this.backoffMs = baseBackoffMs;
    }

    @Override
    public void run() {
        try {
            // Before any partition is assigned: a Redis that may evict is refused before anything is written.
            checkRedisSettings();
            nextSettingsCheck = System.currentTimeMillis() + settingsCheck.toMillis();
            consumer.subscribe(auditors.keySet(), assignments);
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
            auditors.keySet().forEach(assignments::settleQuietly);
            lane.close();
            consumer.close(Duration.ofSeconds(5));
            if (beacons != null) {
                beacons.close();
            }
            if (consumers != null) {
                consumers.close();
            }
            policies.close();
            endOffsets.close();
            status = "stopped";
        }
    }

    private void step() {
        long now = System.currentTimeMillis();
        if (now >= nextGauges) {
            nextGauges = now + GAUGES_MS;
            gauges();
        }
        if (now < retryAt) {
            consumer.poll(Duration.ofMillis(Math.min(retryAt - now, tick.toMillis())));
            return;
        }
        if (!unpositioned.isEmpty()) {
            assignments.position(new ArrayList<>(unpositioned));
        }
        // Partitions of a topic whose state is lost stay paused until it is re-audited; those of a topic whose
        // cleanup policy is not known yet, until it is (a compacted topic audited as plain would report losses).
        consumer.resume(consumer.paused().stream().filter(tp -> !assignments.halted(tp.topic())
                && policies.get(tp.topic()) != null).toList());
        List<TopicPartition> policyUnknown = consumer.assignment().stream()
                .filter(tp -> policies.get(tp.topic()) == null).toList();
        if (!policyUnknown.isEmpty()) {
            consumer.pause(policyUnknown);
        }
        ConsumerRecords<byte[], byte[]> records;
        try {
            records = consumer.poll(tick);
        } catch (InvalidOffsetException e) {
            assignments.invalidOffsets(e);
            return;
        }
        now = System.currentTimeMillis();
        if (beacons != null) {
            beacons.poll(now);
        }
        if (consumers != null) {
            consumers.step(now); // handles its own failures: never fails the audit of the topics
        }
        boolean isTick = now >= nextTick;
        Map<String, Map<Integer, List<ConsumerRecord<byte[], byte[]>>>> byTopic = new HashMap<>();
        for (TopicPartition tp : records.partitions()) {
            byTopic.computeIfAbsent(tp.topic(), t -> new HashMap<>()).put(tp.partition(), records.records(tp));
        }
        Map<TopicPartition, OffsetAndMetadata> done = new HashMap<>();
        for (TopicAuditor auditor : auditors.values()) {
            Map<Integer, List<ConsumerRecord<byte[], byte[]>>> batch = byTopic.getOrDefault(auditor.topic(), Map.of());
            LogPolicy policy = policies.get(auditor.topic());
            if (auditor.partitions().isEmpty() || (batch.isEmpty() && !isTick) || policy == null
                    || auditor.identity().status() != TopicIdentity.Status.OK) {
                continue;
            }
            auditor.policy(policy);
            // Caught-up partitions are confirmed on ticks only (one ListOffsets request); between ticks progress
            // follows the records' timestamps.
            Map<Integer, Long> upTo = isTick ? caughtUp(auditor) : Map.of();
            Map<Integer, List<Beacon>> ready = readyBeacons(auditor, upTo);
            auditor.offer(ready);
            TopicAuditor.Result result;
            // A batch with beacons is sent on its own: the beacons are forgotten only once it applied.
            if (auditor.pipelined(now) && ready.isEmpty()) {
                // Audit this poll on top of the batches Redis is applying; then confirm the oldest ones, so that at
                // most checkpointsInFlight are unconfirmed once this one is sent. A refused batch voids the ones
                // built on it, this one included: all are read again.
                TopicAuditor.Prepared next = auditor.prepare(batch, upTo, positions(auditor), now);
                result = auditor.settle(checkpointsInFlight - 1, now);
                if (result == TopicAuditor.Result.APPLIED) {
                    auditor.send(next);
                }
            } else {
                result = auditor.settle(0, now);
                if (result == TopicAuditor.Result.APPLIED) {
                    result = auditor.process(batch, upTo, positions(auditor), now);
                }
            }
            auditor.offer(Map.of());
            if (result == TopicAuditor.Result.APPLIED) {
                ready.forEach((p, list) -> beacons.applied(auditor.topic(), p, list));
            }
            switch (result) {
                case APPLIED -> batch.forEach((p, list) -> done.put(new TopicPartition(auditor.topic(), p),
                        committed(auditor, list.get(list.size() - 1))));
                case RELOAD -> assignments.reload(auditor);
                case STATE_CHANGED -> assignments.recheck(auditor);
            }
        }
        if (now >= nextSettingsCheck) {
            nextSettingsCheck = now + settingsCheck.toMillis();
            checkRedisSettings();
        }
        if (now >= nextIdentityCheck) {
            nextIdentityCheck = now + IDENTITY_CHECK_MS;
            auditors.values().stream().filter(a -> a.identity().status() != TopicIdentity.Status.OK)
                    .forEach(assignments::recheck);
        }
        if (!done.isEmpty()) {
            // Informative only (lag tools read it; Redis holds the truth): a failure is counted and logged once per
            // episode, not an ERROR per commit as the client's default callback would during a broker failover.
            consumer.commitAsync(done, this::committedToKafka);
        }
        if (isTick) {
            nextTick = now + tick.toMillis();
        }
        backoffMs = baseBackoffMs;
        status = "running";
    }

    /**
     * Partitions whose position has reached the end offset last fetched in the background, with the time that
     * offset was asked for: every record written before then has been read, so progress may advance to it.
     */
    private Map<Integer, Long> caughtUp(TopicAuditor auditor) {
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

    /** Per owned partition, the beacons that can be applied now (see {@link BeaconReader#ready}). */
    private Map<Integer, List<Beacon>> readyBeacons(TopicAuditor auditor, Map<Integer, Long> caughtUp) {
        if (beacons == null) {
            return Map.of();
        }
        Map<Integer, Long> positions = positions(auditor);
        Map<Integer, List<Beacon>> out = new HashMap<>();
        for (int p : auditor.partitions()) {
            if (!positions.containsKey(p)) {
                continue; // not positioned yet: nothing read, nothing to compare with
            }
            List<Beacon> r = beacons.ready(auditor.topic(), p, positions.get(p), caughtUp.containsKey(p));
            if (!r.isEmpty()) {
                out.put(p, r);
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

    /**
     * Once a second, whatever state Redis and the audit are in: the lag of every audited topic, and the missing
     * seqs of its totals when Redis answers (a Redis outage is counted by the audit step, not here).
     */
    private void gauges() {
        Set<TopicPartition> all = new HashSet<>();
        Map<String, Integer> partitionCounts = new HashMap<>();
        for (TopicAuditor auditor : auditors.values()) {
            int count = 0;
            try {
                // From the client's metadata cache; bounded, so a topic that does not exist never stalls the loop.
                List<PartitionInfo> infos = consumer.partitionsFor(auditor.topic(), Duration.ofMillis(100));
                if (infos != null) {
                    infos.forEach(pi -> all.add(new TopicPartition(pi.topic(), pi.partition())));
                    count = infos.size();
                }
            } catch (org.apache.kafka.common.KafkaException e) {
                LOG.debugf("No partitions of %s known yet: %s", auditor.topic(), e.getMessage());
            }
            partitionCounts.put(auditor.topic(), count);
        }
        endOffsets.watch(all);
        boolean redisAnswered = true;
        for (TopicAuditor auditor : auditors.values()) {
            try {
                storedOffsets.put(auditor.topic(), reader.auditedOffsets(auditor.topic()));
                Map<TotalField, Long> totals = reader.totals(auditor.topic());
                metrics.missing(auditor.topic(), totals.getOrDefault(TotalField.Fixed.MISSING_SUSPECTED, 0L),
                        totals.getOrDefault(TotalField.Fixed.MISSING_LOST, 0L));
            } catch (RuntimeException e) {
                redisAnswered = false;
                LOG.debugf("Gauges of %s from Redis not refreshed: %s", auditor.topic(), e.getMessage());
            }
            metrics.lag(auditor.topic(), lag(auditor, all));
        }
        reachability.update(System.currentTimeMillis(), endOffsets.answeredAt(), redisAnswered, partitionCounts);
    }

    /**
     * Records of a topic not audited yet: per partition, the broker's end offset minus what the auditor stored
     * (its own partitions from memory, the others as last read from Redis; a partition never audited from 0),
     * never negative. Partitions not assigned to anyone count too.
     */
    private long lag(TopicAuditor auditor, Set<TopicPartition> all) {
        Map<Integer, Long> stored = storedOffsets.getOrDefault(auditor.topic(), Map.of());
        long sum = 0;
        for (TopicPartition tp : all) {
            EndOffsets.At end = endOffsets.get(tp);
            if (!tp.topic().equals(auditor.topic()) || end == null) {
                continue;
            }
            Long mine = auditor.partitions().contains(tp.partition()) && !unpositioned.contains(tp)
                    ? auditor.auditedOffset(tp.partition()) : null;
            long audited = mine != null ? mine : stored.getOrDefault(tp.partition(), 0L);
            sum += Math.max(0, end.offset() - audited);
        }
        return sum;
    }

    /**
     * Reads Redis's eviction policy and persistence: a policy that may evict stops every topic's audit (reported as
     * lost, naming the setting) until it is set back, when each topic is positioned again from what Redis holds.
     * A Redis that persists nothing is a warning: a restart would lose the state (then detected as lost).
     */
    private void checkRedisSettings() {
        try {
            String policy = settings.evictionPolicy();
            String reason = "noeviction".equals(policy) ? null : "Redis maxmemory-policy is " + policy
                    + ": it may evict audit state; set maxmemory-policy noeviction (docs/operations.md#redis-for-seqaudit)";
            for (TopicAuditor a : auditors.values()) {
                boolean wasBlocked = a.identity().blocked();
                a.identity().block(reason);
                if (wasBlocked && reason == null) {
                    assignments.recheck(a);
                } else if (reason != null) {
                    metrics.stateLost(a.topic(), true);
                }
            }
            boolean nowPersistent = settings.persistent();
            if (!nowPersistent && persistent) {
                LOG.warn("Redis persists nothing (no AOF, no RDB save points): a restart of Redis loses every "
                        + "topic's audit state (then reported as lost, never re-created silently); set appendonly yes "
                        + "(docs/operations.md#redis-for-seqaudit)");
            }
            persistent = nowPersistent;
            metrics.redisSettings(reason != null, nowPersistent);
        } catch (RuntimeException e) {
            // Redis down (the audit step reports and counts that), or an answer of an unexpected shape: checked
            // again at the next interval; never a reason to stop the loop.
            LOG.warnf("Cannot read Redis's settings now (%s); checked again in %s", e.getMessage(), settingsCheck);
        }
    }

    private void committedToKafka(Map<TopicPartition, OffsetAndMetadata> offsets, Exception e) {
        if (e == null) {
            if (commitsFailing) {
                LOG.info("Offset commits to Kafka (informative, for lag tools) succeed again");
                commitsFailing = false;
            }
            return;
        }
        metrics.failure("kafka");
        if (!commitsFailing) {
            LOG.warnf("Offset commits to Kafka fail (%s); they are informative only (the audit resumes from Redis), "
                    + "counted in seqaudit_failures_total{stage=\"kafka\"} and logged again once they succeed",
                    e.toString());
            commitsFailing = true;
        }
    }

    /** The offset to commit to Kafka after a record: for lag tools, and naming the state's generation. */
    private static OffsetAndMetadata committed(TopicAuditor auditor, ConsumerRecord<byte[], byte[]> last) {
        return new OffsetAndMetadata(last.offset() + 1, last.leaderEpoch(),
                GENERATION_PREFIX + auditor.identity().generation());
    }

    private void fail(String stage, RuntimeException e) {
        metrics.failure(stage);
        status = stage + " failed: " + e.getMessage();
        LOG.warnf(e, "Audit step failed at %s; retrying from the stored offsets in %d ms", stage, backoffMs);
        // Forget whatever was read after the stored offsets (and batches not confirmed): it is read again once
        // the stage is back, from what Redis holds.
        auditors.values().forEach(TopicAuditor::forgetInFlight);
        unpositioned.addAll(consumer.assignment());
        consumer.pause(consumer.assignment());
        retryAt = System.currentTimeMillis() + backoffMs;
        backoffMs = Math.min(backoffMs * 2, MAX_BACKOFF_MS);
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