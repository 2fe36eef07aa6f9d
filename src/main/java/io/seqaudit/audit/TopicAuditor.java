package io.seqaudit.audit;

import io.seqaudit.metrics.AuditMetrics;
import io.seqaudit.sequence.SequenceDetector;
import io.seqaudit.state.Checkpoint;
import io.seqaudit.state.CheckpointLane;
import io.seqaudit.state.PendingCheckpoints;
import io.seqaudit.state.StateStore;
import io.seqaudit.state.TopicLayout;
import java.util.ArrayDeque;
import java.util.ArrayList;
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
    private final AuditMetrics metrics;
    private final AuditedTopic state;
    private final BatchAuditor batches;
    private final TruncationHandler truncations;
    private final TopicIdentity identity;
    /** The consumer thread's lane, shared by its auditors: batches sent before the one before is confirmed. */
    private final CheckpointLane lane;
    /** Batches sent and not confirmed yet, oldest first; each built on top of the one before it. */
    private final ArrayDeque<InFlight> inFlight = new ArrayDeque<>();
    private long oneAtATimeUntil;

    /**
     * An auditor of a topic without transactions to tell apart (unit tests): its lane connects only if a batch is
     * {@link #send sent}.
     */
    TopicAuditor(String topic, StateStore store, SequenceDetector detector, AuditMetrics metrics,
            AuditSettings settings) {
        this(topic, store, detector, metrics, settings, UncommittedReader.NONE, store.lane());
    }

    TopicAuditor(String topic, StateStore store, SequenceDetector detector, AuditMetrics metrics,
            AuditSettings settings, UncommittedReader uncommitted, CheckpointLane lane) {
        this.lane = lane;
        this.topic = topic;
        this.layout = store.layout(topic);
        this.store = store;
        this.metrics = metrics;
        this.identity = new TopicIdentity(topic, store, layout);
        this.state = new AuditedTopic(topic, store, settings);
        this.batches = new BatchAuditor(state, store, detector, identity, settings, uncommitted);
        this.truncations = new TruncationHandler(state, store, detector, metrics, identity, settings);
    }

    String topic() {
        return topic;
    }

    /** The beacons the next batch applies, per partition (the loop clears them once a batch applied them). */
    void offer(Map<Integer, List<Beacon>> beacons) {
        state.beacons = beacons;
    }

    /** Whether beacons wait to be applied with the next batch. */
    boolean hasBeacons() {
        return !state.beacons.isEmpty();
    }

    TopicIdentity identity() {
        return identity;
    }

    /**
     * Takes over partitions: reads their stored offsets, progress and open streams. Returns, per partition, the
     * offset to resume at, or null for a partition never audited. Call only while the identity is {@code OK}.
     */
    Map<Integer, Long> assign(Set<Integer> partitions, int partitionCount) {
        return state.assign(partitions, partitionCount);
    }

    /** The leader epoch of the last record applied on a partition, or -1. */
    int leaderEpoch(int partition) {
        return state.leaderEpoch(partition);
    }

    /** How the broker may remove the topic's records (read in the background; set before each batch). */
    void policy(LogPolicy policy) {
        state.policy(policy);
    }

    /** Records offsets {@code from..to} of a partition as deleted before they were read (see AuditedTopic). */
    io.seqaudit.state.CoverageRecord coverageGap(int partition, long from, long to, long now) {
        return state.coverageGap(partition, from, to, now);
    }

    /** Records where auditing of a partition without stored offset starts (its coverage start). */
    void startAt(int partition, long position) {
        state.startAt(partition, position);
    }

    void revoke(Set<Integer> partitions) {
        state.revoke(partitions);
    }

    /** Forgets every partition (the state changed under the auditor). */
    void drop() {
        state.drop();
    }

    /** The offset below which a partition's records are applied in every shard, or null if never audited. */
    Long auditedOffset(int partition) {
        PartitionBook b = state.books.get(partition);
        return b == null || b.fresh() ? null : b.resumeAt();
    }

    Set<Integer> partitions() {
        return state.books.keySet();
    }

    /** See {@link TruncationHandler#truncate}. */
    Truncation truncate(int partition, long from, long now) {
        return truncations.truncate(partition, from, now);
    }

    /** See {@link TruncationHandler#unfinishedTruncations}. */
    Map<Integer, Long> unfinishedTruncations() {
        return truncations.unfinishedTruncations();
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
                        state.applyLocally(shard, batch.work());
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
                        retry = true;
                    }
                }
            }
            if (!retry) {
                finish(batch.work());
                return Result.APPLIED;
            }
            // Streams are audited in place: the refused shards' streams go back to what Redis holds before the
            // batch is audited again then the conflicting ones take the blobs Redis answered with.
            java.util.BitSet refused = new java.util.BitSet();
            for (int shard = 0; shard < results.size(); shard++) {
                if (!results.get(shard).applied()) {
                    refused.set(shard);
                }
            }
            batch.work().rollback(refused::get, topic, state.cache);
            results.stream().filter(r -> r.status() == Checkpoint.Status.CONFLICT)
                    .forEach(r -> r.streamConflicts().forEach(state::cacheBlob));
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
    private record InFlight(BatchWork work, PendingCheckpoints pending) {
    }

    /** Audits one poll's records (possibly none: a tick) into one checkpoint per shard, sending nothing. */
    Prepared prepare(Map<Integer, List<ConsumerRecord<byte[], byte[]>>> records, Map<Integer, Long> caughtUp,
            Map<Integer, Long> positions, long now) {
        return batches.prepare(records, caughtUp, positions, now);
    }

    /**
     * Sends a prepared batch on the lane and takes it as applied at once, so the next poll is audited on top of it
     * while Redis applies this one (the consumer thread does not wait on Redis between polls). Each checkpoint is
     * chained to the one of the batch before, if that one is still in flight: it applies only after it. Counted
     * in the metrics only once {@link #settle} confirms it.
     */
    void send(Prepared batch) {
        InFlight last = inFlight.peekLast();
        List<String> after = new ArrayList<>(batch.checkpoints().size());
        for (int shard = 0; shard < batch.checkpoints().size(); shard++) {
            after.add(last == null ? null : last.pending().checkpoints().get(shard).id());
        }
        PendingCheckpoints pending = lane.applyAll(batch.checkpoints(), after);
        for (int shard = 0; shard < layout.shards(); shard++) {
            state.applyLocally(shard, batch.work());
        }
        finish(batch.work());
        inFlight.addLast(new InFlight(batch.work(), pending));
    }

    /** How many sent batches are not confirmed yet. */
    int inFlight() {
        return inFlight.size();
    }

    /**
     * Confirms the oldest batches in flight until at most {@code keep} are left. A batch not applied voids the ones
     * built on it (their checkpoints apply only after it: Redis refuses them), and the result says what to do.
     */
    Result settle(int keep, long now) {
        while (inFlight.size() > keep) {
            Result r = settle(inFlight.pollFirst(), now);
            if (r != Result.APPLIED) {
                inFlight.clear();
                return r;
            }
        }
        return Result.APPLIED;
    }

    /** Forgets the batches in flight without waiting (the caller re-reads from what Redis holds). */
    void forgetInFlight() {
        inFlight.clear();
    }

    /**
     * Waits for a sent batch. Applied: counted. Otherwise what this auditor took as applied is wrong: the caller
     * re-reads from the stored offsets ({@link Result#RELOAD}, after which the next batches are sent one at a
     * time for a while, so that auditors sharing streams make progress) or checks the state's identity.
     */
    private Result settle(InFlight f, long now) {
        List<Checkpoint.Result> results = f.pending().await();
        Result out = Result.APPLIED;
        for (int shard = 0; shard < results.size(); shard++) {
            Checkpoint.Result r = results.get(shard);
            if (r.applied()) {
                count(shard, f.work());
            } else if (r.status() == Checkpoint.Status.STATE_CHANGED) {
                identity.changed(layout.shard(shard), r.missing(), r.generation());
                out = Result.STATE_CHANGED;
            } else if (r.status() == Checkpoint.Status.PREDECESSOR_NOT_APPLIED) {
                // Its predecessor was confirmed applied, yet not last on the lane: a reply overtaken by a reconnect.
                LOG.infof("Topic %s: a checkpoint reached Redis before the one it was built on; re-reading", topic);
                out = out == Result.APPLIED ? Result.RELOAD : out;
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

    /** Counts what one applied shard checkpoint decided. */
    private void count(int shard, BatchWork work) {
        BatchWork.ShardCounts c = work.counts.get(shard);
        if (c != null) {
            metrics.recorded(topic, c.outcomes(), c.invalidReasons, c.uncovered, c.lostSeqs, c.abortedSeqs);
        }
    }

    /** Every shard applied: the partitions' progress, coverage start and leader epoch stand. */
    private void finish(BatchWork work) {
        state.books.forEach((p, b) -> {
            b.coverageStartWritten();
            b.progress(work.progress.getOrDefault(p, b.progress()));
            b.leaderEpoch(work.leaderEpochs.getOrDefault(p, -1));
        });
    }
}