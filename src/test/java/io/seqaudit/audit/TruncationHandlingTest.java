package io.seqaudit.audit;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.seqaudit.metrics.AuditMetrics;
import io.seqaudit.sequence.SequenceDetector;
import io.seqaudit.state.GapRecord;
import io.seqaudit.state.GapState;
import io.seqaudit.state.StateReader;
import io.seqaudit.state.LocalRedis;
import io.seqaudit.state.StateStore;
import io.seqaudit.state.TotalField;
import io.seqaudit.sequence.Outcome;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.record.TimestampType;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A log truncated below what the auditor applied, handled on the real Redis (127.0.0.1:6379) by the auditor's own
 * classes, without Kafka: the consumer's part (detecting the divergence, KIP-320) is Kafka's; this is what the
 * auditor does with it. Records are fed as a consumer would return them; the truncation removes the tail of the
 * partition. Every seq the removed records carried is suspected again, exactly those; every shard moves back; a
 * second handling of the same truncation does nothing; records re-sent after it fill the reopened seqs.
 */
class TruncationHandlingTest {

    private static final int KEYS = 10;
    private static final int SEQS = 10;
    private static final long T0 = 1_760_000_000_000L;
    @RegisterExtension
    static final LocalRedis REDIS = new LocalRedis();

    private final String prefix = "seqaudit-trunctest-" + UUID.randomUUID();
    private final String topic = "trunc";
    private StateStore store;

    @AfterEach
    void deleteKeys() {
        if (store != null) {
            store.deleteTopic(store.layout(topic));
        }
    }

    /** Seq-major: offset = seq * KEYS + key, so the tail of the log holds the last seqs of every key. */
    private static ConsumerRecord<byte[], byte[]> record(long offset, int leaderEpoch) {
        int key = (int) (offset % KEYS);
        long seq = offset / KEYS;
        RecordHeaders h = new RecordHeaders();
        h.add("seqaudit-producer", "app".getBytes(StandardCharsets.UTF_8));
        h.add("seqaudit-epoch", "1".getBytes(StandardCharsets.UTF_8));
        h.add("seqaudit-seq", Long.toString(seq).getBytes(StandardCharsets.UTF_8));
        return new ConsumerRecord<>(topic(), 0, offset, T0 + offset, TimestampType.CREATE_TIME, -1, -1,
                ("k" + key).getBytes(StandardCharsets.UTF_8), new byte[0], h, Optional.of(leaderEpoch));
    }

    private static String topic() {
        return "trunc";
    }

    private static List<ConsumerRecord<byte[], byte[]>> records(long from, long to, int leaderEpoch) {
        List<ConsumerRecord<byte[], byte[]>> out = new ArrayList<>();
        for (long o = from; o < to; o++) {
            out.add(record(o, leaderEpoch));
        }
        return out;
    }

    private TopicAuditor auditor(int shards) {
        store = new StateStore(REDIS.client(), Duration.ofSeconds(10), prefix, shards);
        SequenceDetector detector = new SequenceDetector(1_000, 100, Duration.ofSeconds(30));
        TopicAuditor a = new TopicAuditor(topic, store, detector, new AuditMetrics(new SimpleMeterRegistry()),
                new AuditSettings(10_000, Duration.ofMinutes(10).toMillis(), Duration.ofDays(7).toMillis(), 100,
                        1_000));
        assertThat(a.identity().establish(Optional::empty)).isEqualTo(TopicIdentity.Status.OK);
        a.assign(Set.of(0), 1);
        a.startAt(0, 0); // as the loop does for a partition never audited: its coverage starts at offset 0
        return a;
    }

    /** stream key → its suspected seqs, from the stored gaps. */
    private Map<String, List<Long>> suspected() {
        Map<String, List<Long>> out = new TreeMap<>();
        for (GapRecord g : new StateReader(store).gaps(topic, 10_000)) {
            if (g.state() == GapState.SUSPECTED) {
                for (long s = g.fromSeq(); s <= g.toSeq(); s++) {
                    out.computeIfAbsent(g.key(), k -> new ArrayList<>()).add(s);
                }
            }
        }
        out.values().forEach(l -> l.sort(Long::compare));
        return out;
    }

    @ParameterizedTest(name = "{0} shard(s)")
    @ValueSource(ints = {1, 4})
    void everySeqTheRemovedRecordsCarriedIsSuspectedAgainAndOnlyThose(int shards) {
        TopicAuditor a = auditor(shards);
        long end = (long) KEYS * SEQS;
        long from = 63; // the new leader's log diverges here: offsets 63..99 are gone
        assertThat(a.process(Map.of(0, records(0, end, 1)), Map.of(), Map.of(0, end), T0 + end))
                .isEqualTo(TopicAuditor.Result.APPLIED);
        assertThat(suspected()).isEmpty();

        Truncation t = a.truncate(0, from, T0 + end);

        Map<String, List<Long>> expected = new TreeMap<>();
        for (long o = from; o < end; o++) {
            expected.computeIfAbsent("k" + o % KEYS, k -> new ArrayList<>()).add(o / KEYS);
        }
        assertThat(t.from()).isEqualTo(from);
        assertThat(t.to()).isEqualTo(end);
        assertThat(t.reopenedSeqs()).isEqualTo(end - from);
        assertThat(t.unjournaled()).isZero();
        assertThat(suspected()).isEqualTo(expected);
        assertThat(new StateReader(store).auditedOffsets(topic)).isEqualTo(Map.of(0, from));
        assertThat(new StateReader(store).totals(topic)).containsEntry(TotalField.Fixed.TRUNCATIONS, 1L)
                .containsEntry(TotalField.Fixed.TRUNCATED_RECORDS, end - from)
                .containsEntry(TotalField.Fixed.MISSING_SUSPECTED, end - from);
        assertThat(a.unfinishedTruncations()).as("marker cleared").isEmpty();
        assertThat(a.truncate(0, from, T0 + end)).as("handled once").isNull();

        // The new leader's records at the reused offsets: the producer resends seqs 6 and 7 of every key.
        List<ConsumerRecord<byte[], byte[]>> resent = new ArrayList<>();
        long o = from;
        for (long seq = 6; seq <= 7; seq++) {
            for (int k = 0; k < KEYS; k++) {
                if (seq * KEYS + k >= from) {
                    resent.add(resentRecord(o++, k, seq));
                }
            }
        }
        assertThat(a.process(Map.of(0, resent), Map.of(), Map.of(0, o), T0 + end + 1))
                .isEqualTo(TopicAuditor.Result.APPLIED);
        expected.values().forEach(l -> l.removeIf(s -> s <= 7));
        expected.values().removeIf(List::isEmpty);
        assertThat(suspected()).isEqualTo(expected);
        assertThat(new StateReader(store).totals(topic))
                .containsEntry(TotalField.records(Outcome.LATE), (long) resent.size())
                .doesNotContainKey(TotalField.records(Outcome.DUPLICATE));
    }

    @Test
    void aTruncationPastTheJournalIsReportedAsUnjournaledOffsets() {
        TopicAuditor a = auditor(1);
        // The journal keeps 1,000 records per partition: audit 3,000 in three polls, then truncate at 500.
        for (long from = 0; from < 3_000; from += 1_000) {
            assertThat(a.process(Map.of(0, records(from, from + 1_000, 1)), Map.of(), Map.of(0, from + 1_000),
                    T0)).isEqualTo(TopicAuditor.Result.APPLIED);
        }
        Truncation t = a.truncate(0, 500, T0);
        assertThat(t.unjournaled()).as("offsets 500..1999 predate the journal").isEqualTo(1_500);
        assertThat(t.reopenedSeqs()).isEqualTo(1_000);
        Map<String, Long> journaled = new HashMap<>();
        suspected().forEach((k, v) -> journaled.put(k, (long) v.size()));
        assertThat(journaled.values().stream().mapToLong(Long::longValue).sum()).isEqualTo(1_000);
    }

    private static ConsumerRecord<byte[], byte[]> resentRecord(long offset, int key, long seq) {
        RecordHeaders h = new RecordHeaders();
        h.add("seqaudit-producer", "app".getBytes(StandardCharsets.UTF_8));
        h.add("seqaudit-epoch", "1".getBytes(StandardCharsets.UTF_8));
        h.add("seqaudit-seq", Long.toString(seq).getBytes(StandardCharsets.UTF_8));
        return new ConsumerRecord<>(topic(), 0, offset, T0 + 200 + offset, TimestampType.CREATE_TIME, -1, -1,
                ("k" + key).getBytes(StandardCharsets.UTF_8), new byte[0], h, Optional.of(2));
    }
}
