package io.seqaudit.audit;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.seqaudit.audit.TopicAuditor.Result;
import io.seqaudit.metrics.AuditMetrics;
import io.seqaudit.sequence.ProducerClaim;
import io.seqaudit.sequence.SequenceDetector;
import io.seqaudit.state.Checkpoint;
import io.seqaudit.state.LocalRedis;
import io.seqaudit.state.StateReader;
import io.seqaudit.state.StateStore;
import io.seqaudit.state.StreamRef;
import io.seqaudit.state.TotalField;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.record.TimestampType;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Which clock a gap's grace runs on: never one that has passed a record the auditor has not read yet.
 *
 * <p>A partition's progress clock is stored in every shard of a topic's state, each with the offset that shard applied.
 * When a batch applies in some shards only (a crash between the shards' checkpoints, or a shard's checkpoint
 * refused), the shards hold different clocks, and the auditor that reads the partition again must take the slowest:
 * a clock taken from a shard that is ahead runs the grace of a gap out before the shard holding the gap has read the
 * record that fills it, so a seq that arrived within its grace would be reported lost, then late. Likewise a stream
 * that a beacon names before any of its records was acknowledged may get its records on any partition. Real Redis
 * at 127.0.0.1:6379, the auditor's own classes, records fed as the consumer returns them.
 */
class ProgressClockTest {

    private static final long T0 = 1_760_000_000_000L;
    private static final Duration GRACE = Duration.ofSeconds(30);
    private static final int SHARDS = 4;
    private static final String PRODUCER = "app";

    @RegisterExtension
    static final LocalRedis REDIS = new LocalRedis();

    private final String prefix = "seqaudit-progresstest-" + UUID.randomUUID();
    private final String topic = "progress";
    private final StateStore store = new StateStore(REDIS.client(), Duration.ofSeconds(10), prefix, SHARDS);

    @AfterEach
    void deleteKeys() {
        store.deleteTopic(store.layout(topic));
    }

    private TopicAuditor auditor(int partition, int partitions) {
        TopicAuditor a = auditor();
        a.assign(Set.of(partition), partitions);
        a.startAt(partition, 0);
        return a;
    }

    private TopicAuditor auditor() {
        TopicAuditor a = new TopicAuditor(topic, store, new SequenceDetector(1_000, 100, GRACE),
                new AuditMetrics(new SimpleMeterRegistry()), new AuditSettings(10_000,
                        Duration.ofMinutes(10).toMillis(), Duration.ofDays(7).toMillis(), 100, 1_000));
        assertThat(a.identity().establish(Optional::empty)).isEqualTo(TopicIdentity.Status.OK);
        return a;
    }

    private ConsumerRecord<byte[], byte[]> record(long offset, long timestamp, byte[] key, long seq) {
        return record(0, offset, timestamp, key, seq);
    }

    private ConsumerRecord<byte[], byte[]> record(int partition, long offset, long timestamp, byte[] key, long seq) {
        RecordHeaders h = new RecordHeaders();
        h.add("seqaudit-producer", PRODUCER.getBytes(StandardCharsets.UTF_8));
        h.add("seqaudit-epoch", "1".getBytes(StandardCharsets.UTF_8));
        h.add("seqaudit-seq", Long.toString(seq).getBytes(StandardCharsets.UTF_8));
        return new ConsumerRecord<>(topic, partition, offset, timestamp, TimestampType.CREATE_TIME, -1, -1, key,
                new byte[0], h,
                Optional.of(0));
    }

    private int shardOf(byte[] key) {
        return store.layout(topic).shardOf(StreamRef.field(StreamRef.keyHash(key),
                StreamRef.producerEpochHash(PRODUCER, 1)));
    }

    /** A key whose stream lives in a shard other than {@code not}'s. */
    private byte[] keyOutside(int not) {
        for (int i = 0; ; i++) {
            byte[] k = ("other-" + i).getBytes(StandardCharsets.UTF_8);
            if (shardOf(k) != not) {
                return k;
            }
        }
    }

    @Test
    void aSeqFilledWithinItsGraceIsNotReportedLostWhenACrashCutABatchBetweenShards() {
        byte[] key = "order-1".getBytes(StandardCharsets.UTF_8);
        int gapShard = shardOf(key);
        byte[] other = keyOutside(gapShard);

        // Seq 1 of the key is missing: a gap, opened at the progress of seq 2.
        TopicAuditor first = auditor(0, 1);
        List<ConsumerRecord<byte[], byte[]>> opening = List.of(record(0, T0, key, 0), record(1, T0 + 1, key, 2));
        assertThat(first.process(Map.of(0, opening), Map.of(), Map.of(0, 2L), T0 + 1)).isEqualTo(Result.APPLIED);

        // The next batch fills it within the grace, then another stream's record moves the clock past the grace.
        long past = T0 + 1 + GRACE.toMillis() + 1_000;
        List<ConsumerRecord<byte[], byte[]>> filling = List.of(record(2, T0 + 2, key, 1), record(3, past, other, 0));
        TopicAuditor.Prepared batch = first.prepare(Map.of(0, filling), Map.of(), Map.of(0, 4L), past);
        // The auditor dies after every shard but the gap's applied it.
        List<Checkpoint> checkpoints = batch.checkpoints();
        for (int shard = 0; shard < checkpoints.size(); shard++) {
            if (shard != gapShard) {
                assertThat(store.apply(checkpoints.get(shard)).applied()).isTrue();
            }
        }

        // Its successor takes the partition over, ticks before its first records come, then reads the batch again.
        TopicAuditor next = auditor();
        Long resumeAt = next.assign(Set.of(0), 1).get(0);
        assertThat(resumeAt).as("the gap's shard has not applied the filling batch").isEqualTo(2L);
        next.startAt(0, resumeAt);
        assertThat(next.process(Map.of(), Map.of(), Map.of(0, resumeAt), past)).isEqualTo(Result.APPLIED);
        assertThat(next.process(Map.of(0, filling), Map.of(), Map.of(0, 4L), past)).isEqualTo(Result.APPLIED);

        Map<TotalField, Long> totals = new StateReader(store).totals(topic);
        assertThat(totals.getOrDefault(TotalField.Fixed.LOST_TOTAL, 0L)).as("lost, ever: " + totals).isZero();
        assertThat(totals.getOrDefault(TotalField.Fixed.MISSING_LOST, 0L)).as("lost now").isZero();
        assertThat(totals.getOrDefault(TotalField.Fixed.MISSING_SUSPECTED, 0L)).as("suspected now").isZero();
        long counted = totals.entrySet().stream().filter(e -> e.getKey() instanceof TotalField.Records)
                .mapToLong(Map.Entry::getValue).sum();
        assertThat(counted).as("every record counted once").isEqualTo(opening.size() + filling.size());
    }

    @Test
    void aStreamSpanningPartitionsIsNotReportedLostOnAnotherOwnersShardThatIsAhead() {
        int nullShard = shardOf(null);
        byte[] other = keyOutside(nullShard);
        long past = T0 + 1 + GRACE.toMillis() + 1_000;
        TopicAuditor owner0 = auditor(0, 2);
        TopicAuditor owner1 = auditor(1, 2);

        // The null key's seq 1 is missing on partition 0's side: a gap of the stream, homed on partition 0.
        List<ConsumerRecord<byte[], byte[]>> opening = List.of(record(0, 0, T0, null, 0),
                record(0, 1, T0 + 1, null, 2));
        assertThat(owner0.process(Map.of(0, opening), Map.of(), Map.of(0, 2L), T0 + 1)).isEqualTo(Result.APPLIED);
        // Partition 1's owner reads seq 1 within the grace, then a record of another stream past it, and dies after
        // every shard but the null key's applied that batch.
        List<ConsumerRecord<byte[], byte[]>> filling = List.of(record(1, 0, T0 + 2, null, 1),
                record(1, 1, past, other, 0));
        List<Checkpoint> checkpoints = owner1.prepare(Map.of(1, filling), Map.of(), Map.of(1, 2L), past).checkpoints();
        for (int shard = 0; shard < checkpoints.size(); shard++) {
            if (shard != nullShard) {
                assertThat(store.apply(checkpoints.get(shard)).applied()).isTrue();
            }
        }

        // Partition 0's clock runs past the grace; on its next tick its owner takes partition 1's clock from Redis.
        List<ConsumerRecord<byte[], byte[]>> later = List.of(record(0, 2, past, other, 1));
        assertThat(owner0.process(Map.of(0, later), Map.of(), Map.of(0, 3L), past)).isEqualTo(Result.APPLIED);
        assertThat(owner0.process(Map.of(), Map.of(), Map.of(0, 3L), past)).isEqualTo(Result.APPLIED);

        Map<TotalField, Long> totals = new StateReader(store).totals(topic);
        assertThat(totals.getOrDefault(TotalField.Fixed.LOST_TOTAL, 0L)).as("lost, ever: " + totals).isZero();
        assertThat(totals.getOrDefault(TotalField.Fixed.MISSING_SUSPECTED, 0L)).as("still suspected").isEqualTo(1);
    }

    @Test
    void aStreamABeaconNamesBeforeAnyOfItsRecordsWasAcknowledgedWaitsForThePartitionItsRecordsLandOn() {
        byte[] key = "order-7".getBytes(StandardCharsets.UTF_8);
        TopicAuditor auditor = auditor();
        auditor.assign(Set.of(0, 1), 2);
        auditor.startAt(0, 0);
        auditor.startAt(1, 0);
        // Seq 0 went elsewhere (an interceptor redirected it), seq 1 is in flight: no record of the stream was
        // acknowledged on the audited topic, so the beacon names no partition (-1).
        Beacon beacon = new Beacon(PRODUCER, topic, -1, -1, T0, List.of(new Beacon.Stream(key, 1, false,
                new ProducerClaim(0, List.of(new ProducerClaim.NotSent(0, 0, "redirected"))))), 0, 0);
        auditor.offer(Map.of(0, List.of(beacon)));
        assertThat(auditor.process(Map.of(), Map.of(0, T0, 1, T0), Map.of(0, 0L, 1, 0L), T0))
                .isEqualTo(Result.APPLIED);
        auditor.offer(Map.of());

        // Partition 0 is read to its end past the grace; partition 1, where the stream's records are, lags behind.
        long past = T0 + GRACE.toMillis() + 1_000;
        assertThat(auditor.process(Map.of(), Map.of(0, past), Map.of(0, 0L, 1, 0L), past)).isEqualTo(Result.APPLIED);
        assertThat(new StateReader(store).totals(topic).getOrDefault(TotalField.Fixed.LOST_TOTAL, 0L))
                .as("not lost while partition 1 is unread").isZero();

        // Seq 1, then seq 0 sent again, within the grace: read from partition 1 at last.
        List<ConsumerRecord<byte[], byte[]>> records = List.of(record(1, 0, T0 + 1, key, 1),
                record(1, 1, T0 + 2, key, 0));
        assertThat(auditor.process(Map.of(1, records), Map.of(), Map.of(0, 0L, 1, 2L), past))
                .isEqualTo(Result.APPLIED);
        Map<TotalField, Long> totals = new StateReader(store).totals(topic);
        assertThat(totals.getOrDefault(TotalField.Fixed.LOST_TOTAL, 0L)).as("lost, ever: " + totals).isZero();
        assertThat(totals.getOrDefault(TotalField.Fixed.MISSING_SUSPECTED, 0L)).as("suspected now").isZero();
    }
}
