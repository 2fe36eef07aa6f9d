package io.seqaudit.audit;

import io.seqaudit.metrics.AuditMetrics;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.InvalidOffsetException;
import org.apache.kafka.clients.consumer.LogTruncationException;
import org.apache.kafka.clients.consumer.OffsetOutOfRangeException;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.jboss.logging.Logger;

/**
 * Which partitions the auditor audits and from where: positions assigned partitions at the offsets Redis holds
 * (with their leader epoch), confirms a batch in flight before partitions change hands, checks a topic's state
 * identity (pausing a topic whose state is lost, taking up a re-audit), and handles positions the consumer cannot
 * read on from (a truncated log, records deleted by retention). Called by the consumer thread only, from the loop
 * and from the consumer's rebalance callbacks.
 */
final class Assignments implements ConsumerRebalanceListener {

    /** The longest a metadata or offsets call of the consumer thread may block. */
    private static final java.time.Duration KAFKA_CALL = java.time.Duration.ofSeconds(5);

    private static final Logger LOG = Logger.getLogger(Assignments.class);

    private final KafkaConsumer<byte[], byte[]> consumer;
    private final Map<String, TopicAuditor> auditors;
    private final AuditMetrics metrics;
    private final boolean startLatest;
    /** Partitions assigned but not yet positioned from Redis (Redis failed during the rebalance). */
    private final Set<TopicPartition> unpositioned = new HashSet<>();

    Assignments(KafkaConsumer<byte[], byte[]> consumer, Map<String, TopicAuditor> auditors, AuditMetrics metrics,
            boolean startLatest) {
        this.consumer = consumer;
        this.auditors = auditors;
        this.metrics = metrics;
        this.startLatest = startLatest;
    }

    /** Partitions assigned but not positioned yet: read from Redis on the next step. */
    Set<TopicPartition> unpositioned() {
        return unpositioned;
    }

    /**
     * The consumer found positions it cannot read on from (auto.offset.reset is none: it never resets silently).
     * A log truncated below what was audited (KIP-320 divergence, or a position past the log end): the removed
     * records' seqs are reopened and reading goes on from the truncation point. A position below the log start:
     * retention deleted records before they were audited, a coverage gap: reading goes on from the log start.
     */
    void invalidOffsets(InvalidOffsetException e) {
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
                // Stored first (throws if Redis fails: the loop then retries from the stored offsets and finds the
                // same gap again), so that no stream reads past it before its records are known to be gone.
                if (auditor.coverageGap(tp.partition(), position, start - 1, System.currentTimeMillis()) == null) {
                    consumer.seek(tp, start); // found and reported before
                    continue;
                }
                metrics.coverageGap(tp.topic(), start - position);
                LOG.warnf("Topic %s partition %d: offsets %d..%d were deleted (retention) before the auditor read "
                        + "them: not audited (a coverage gap, GET /api/v1/coverage); seqs that streams skip across "
                        + "it are not reported lost; auditing goes on from the log start %d", tp.topic(),
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

    boolean halted(String topic) {
        TopicAuditor a = auditors.get(topic);
        return a != null && a.identity().status() != TopicIdentity.Status.OK;
    }

    /**
     * Checks a topic's state again (after a checkpoint found it changed, and every few seconds while it is not
     * OK): a re-audit is taken up from the stored offsets it left (none: the earliest offsets); a lost state keeps
     * the topic's partitions paused.
     */
    void recheck(TopicAuditor auditor) {
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
        // Bounded (not the client's 60 s default): with Kafka unreachable the loop must go round, count the failure
        // and report it, not sit here for a minute.
        consumer.partitionsFor(topic, KAFKA_CALL).forEach(pi -> all.add(new TopicPartition(topic, pi.partition())));
        return consumer.committed(all, KAFKA_CALL).values().stream().filter(o -> o != null && o.metadata() != null
                && o.metadata().startsWith(AuditLoop.GENERATION_PREFIX)).map(o -> o.metadata().substring(AuditLoop.GENERATION_PREFIX
                        .length())).findFirst();
    }

    /** Another owner moved a partition: take the offsets and state that Redis holds now. */
    void reload(TopicAuditor auditor) {
        List<TopicPartition> parts = new ArrayList<>();
        auditor.partitions().forEach(p -> parts.add(new TopicPartition(auditor.topic(), p)));
        position(parts);
    }

    /** Seeks partitions to the offsets stored in Redis (or the configured start), reading them per topic. */
    void position(Collection<TopicPartition> parts) {
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
            Map<Integer, Long> stored = auditor.assign(owned, consumer.partitionsFor(e.getKey(), KAFKA_CALL).size());
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

    /** Confirms a topic's batches in flight, if any, before its partitions change hands or the loop stops. */
    void settleQuietly(String topic) {
        TopicAuditor auditor = auditors.get(topic);
        if (auditor != null && auditor.inFlight() > 0) {
            try {
                auditor.settle(0, System.currentTimeMillis());
            } catch (RuntimeException e) {
                auditor.forgetInFlight();
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
}
