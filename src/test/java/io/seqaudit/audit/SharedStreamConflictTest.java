package io.seqaudit.audit;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.seqaudit.metrics.AuditMetrics;
import io.seqaudit.sequence.SequenceDetector;
import io.seqaudit.state.StateReader;
import io.seqaudit.state.LocalRedis;
import io.seqaudit.state.StateStore;
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
import io.seqaudit.audit.TopicAuditor.Result;
import io.seqaudit.state.TotalField;
import io.seqaudit.sequence.Outcome;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Two auditors of one group, each owning one partition, share a stream that spans both (the null key): the second
 * one's view of the stream is stale, so Redis refuses its first checkpoint (compare-and-set) and it audits the batch
 * again on the stream as stored. The auditor changes cached stream states in place, so this is where a retry could
 * count a record twice: every record must be counted exactly once, whatever the order. Real Redis at
 * 127.0.0.1:6379, the auditor's own classes, records fed as the consumer returns them.
 */
class SharedStreamConflictTest {

    private static final long T0 = 1_760_000_000_000L;
    @RegisterExtension
    static final LocalRedis REDIS = new LocalRedis();

    private final String prefix = "seqaudit-conflicttest-" + UUID.randomUUID();
    private final String topic = "shared";
    private StateStore store;
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();

    @AfterEach
    void deleteKeys() {
        if (store != null) {
            store.deleteTopic(store.layout(topic));
        }
    }

    private TopicAuditor auditor(int partition, int shards) {
        store = new StateStore(REDIS.client(), Duration.ofSeconds(10), prefix, shards);
        TopicAuditor a = new TopicAuditor(topic, store, new SequenceDetector(1_000, 100, Duration.ofSeconds(30)),
                new AuditMetrics(registry), new AuditSettings(10_000,
                        Duration.ofMinutes(10).toMillis(), Duration.ofDays(7).toMillis(), 100, 1_000));
        assertThat(a.identity().establish(Optional::empty)).isEqualTo(TopicIdentity.Status.OK);
        a.assign(Set.of(partition), 2);
        a.startAt(partition, 0);
        return a;
    }

    /**
     * The null-key stream's records with seq {@code seq % 2 == partition}, each followed by a record of a keyed
     * stream of the partition alone ({@code own}, seqs from {@code ownFrom}), from {@code offset} on: the batch that
     * conflicts on the shared stream also changes a stream that does not conflict.
     */
    private List<ConsumerRecord<byte[], byte[]>> mixed(int partition, int seqs, long offset, byte[] own, long ownFrom) {
        List<ConsumerRecord<byte[], byte[]>> out = new ArrayList<>();
        long ownSeq = ownFrom;
        for (long seq = partition; seq < seqs; seq += 2) {
            out.add(record(partition, offset++, null, seq));
            out.add(record(partition, offset++, own, ownSeq++));
        }
        return out;
    }

    private ConsumerRecord<byte[], byte[]> record(int partition, long offset, byte[] key, long seq) {
        RecordHeaders h = new RecordHeaders();
        h.add("seqaudit-producer", "app".getBytes(StandardCharsets.UTF_8));
        h.add("seqaudit-epoch", "1".getBytes(StandardCharsets.UTF_8));
        h.add("seqaudit-seq", Long.toString(seq).getBytes(StandardCharsets.UTF_8));
        return new ConsumerRecord<>(topic, partition, offset, T0 + offset, TimestampType.CREATE_TIME, -1, -1, key,
                new byte[0], h, Optional.of(0));
    }

    @ParameterizedTest(name = "{0} shard(s)")
    @ValueSource(ints = {1, 4})
    void aBatchRefusedForAStaleSharedStreamIsAuditedAgainAndCountedOnce(int shards) {
        int seqs = 40;
        TopicAuditor first = auditor(0, shards);
        TopicAuditor second = auditor(1, shards);
        byte[] own = "own-1".getBytes(StandardCharsets.UTF_8);
        // The second auditor knows its own stream (cached), and not the shared one, which the first one then writes.
        List<ConsumerRecord<byte[], byte[]>> ownFirst = new ArrayList<>();
        for (long seq = 0; seq < 5; seq++) {
            ownFirst.add(record(1, seq, own, seq));
        }
        assertThat(second.process(Map.of(1, ownFirst), Map.of(), Map.of(1, 5L), T0)).isEqualTo(Result.APPLIED);
        List<ConsumerRecord<byte[], byte[]>> even = mixed(0, seqs, 0, "own-0".getBytes(StandardCharsets.UTF_8), 0);
        assertThat(first.process(Map.of(0, even), Map.of(), Map.of(0, (long) even.size()), T0 + seqs))
                .isEqualTo(Result.APPLIED);

        List<ConsumerRecord<byte[], byte[]>> odd = mixed(1, seqs, 5, own, 5);
        assertThat(second.process(Map.of(1, odd), Map.of(), Map.of(1, 5L + odd.size()), T0 + seqs))
                .isEqualTo(Result.APPLIED);

        assertThat(registry.get("seqaudit.conflicts").counter().count()).as("the stale view was refused").isPositive();
        Map<TotalField, Long> totals = new StateReader(store).totals(topic);
        long counted = totals.entrySet().stream().filter(e -> e.getKey() instanceof TotalField.Records)
                .mapToLong(Map.Entry::getValue).sum();
        assertThat(counted).as("every record counted once: " + totals)
                .isEqualTo(ownFirst.size() + even.size() + odd.size());
        assertThat(totals).doesNotContainKey(TotalField.records(Outcome.DUPLICATE))
                .containsEntry(TotalField.Fixed.STREAMS, 3L);
        assertThat(totals.getOrDefault(TotalField.Fixed.MISSING_SUSPECTED, 0L)).as("the odd seqs filled the gaps").isZero();
    }
}
