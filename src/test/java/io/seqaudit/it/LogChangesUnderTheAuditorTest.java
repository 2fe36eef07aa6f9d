package io.seqaudit.it;

import static io.seqaudit.it.ApiAuth.asViewer;
import static org.assertj.core.api.Assertions.assertThat;
import static io.seqaudit.it.ServiceReads.metric;
import static io.seqaudit.it.ServiceReads.stream;
import static io.seqaudit.it.ServiceReads.topicSummary;
import static io.seqaudit.it.ServiceReads.total;
import static org.awaitility.Awaitility.await;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.path.json.JsonPath;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.RecordsToDelete;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.Test;

/**
 * The log changes under the auditor (issue 14): records compacted away before the auditor read them, and records
 * deleted while the auditor was away from a partition. Neither is reported lost; real losses the log guarantees
 * to show are still found. Against the real broker and Redis.
 */
@QuarkusTest
@TestProfile(LogChangesUnderTheAuditorTest.Profile.class)
class LogChangesUnderTheAuditorTest {

    static final String RUN = UUID.randomUUID().toString().substring(0, 8);
    /** Compacted (lag 0) and cleaned before the service starts. */
    static final String COMPACTED = "compacted-" + RUN;
    /** Compacted, with a lag of an hour: what the auditor reads live is guaranteed complete. */
    static final String GUARDED = "guarded-" + RUN;
    /** Plain (delete) topic whose log start moves while another member of the group holds its partition. */
    static final String RETAINED = "retained-" + RUN;
    static final String GROUP = "logchanges-" + RUN;
    static final int COMPACTED_KEYS = 20;
    static final int SEQS = 10;

    public static class Profile implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return AuditTestProfile.settings(GROUP, COMPACTED + "," + GUARDED + "," + RETAINED, "2s");
        }

        @Override
        public List<TestResourceEntry> testResources() {
            return List.of(new TestResourceEntry(Topics.class));
        }
    }

    /** Creates the topics and has the compacted one cleaned before the service starts. */
    public static class Topics implements QuarkusTestResourceLifecycleManager {
        @Override
        public Map<String, String> start() {
            create(new NewTopic(COMPACTED, 1, (short) 1).configs(Map.of("cleanup.policy", "compact",
                    "segment.ms", "1000", "min.cleanable.dirty.ratio", "0.001", "min.compaction.lag.ms", "0")));
            create(new NewTopic(GUARDED, 1, (short) 1).configs(Map.of("cleanup.policy", "compact",
                    "min.compaction.lag.ms", "3600000")));
            create(new NewTopic(RETAINED, 1, (short) 1));
            try (KafkaProducer<String, String> p = KafkaSupport.producer(null, Map.of())) {
                for (int s = 0; s < SEQS; s++) {
                    for (int k = 0; k < COMPACTED_KEYS; k++) {
                        p.send(Stamped.record(COMPACTED, "k" + k, "compactor", 1, s));
                    }
                }
                p.flush();
                // The cleaner only cleans rolled segments: a record a second rolls them until it has run.
                long filler = 0;
                long deadline = System.currentTimeMillis() + 90_000;
                while (recordsIn(COMPACTED) >= SEQS * COMPACTED_KEYS) {
                    if (System.currentTimeMillis() > deadline) {
                        throw new IllegalStateException("the log cleaner did not run on " + COMPACTED);
                    }
                    p.send(Stamped.record(COMPACTED, "filler", "compactor", 1, filler++));
                    p.flush();
                    await().pollDelay(Duration.ofSeconds(1)).until(() -> true);
                }
            }
            return Map.of();
        }

        @Override
        public void stop() {
        }
    }

    @Test
    void recordsCompactedBeforeTheAuditorReadThemAreNotAuditedNeverLost() {
        await().atMost(Duration.ofSeconds(60)).ignoreExceptions().untilAsserted(() -> {
            JsonPath s = topicSummary(COMPACTED);
            long audited = total(s, "records.in_order") + total(s, "records.resumed")
                    + total(s, "records.joined_late") + total(s, "records.out_of_order");
            // The cleaner may go on while the auditor reads: at least what the log holds now, at most what was sent.
            assertThat(audited).isBetween(recordsIn(COMPACTED), (long) SEQS * COMPACTED_KEYS + total(s, "streams"));
            // Per stream, the seqs from its first seen to its highest minus those that arrived were compacted.
            long span = 0;
            long startedLate = 0;
            List<String> keys = new ArrayList<>();
            for (int k = 0; k < COMPACTED_KEYS; k++) {
                keys.add("k" + k);
            }
            keys.add("filler");
            for (String key : keys) {
                JsonPath st = stream(COMPACTED, key);
                span += st.getLong("[0].highestSeq") - st.getLong("[0].startSeq") + 1;
                startedLate += st.getLong("[0].startSeq") > 0 ? 1 : 0;
            }
            assertThat(total(s, "uncovered.compacted")).isEqualTo(span - audited);
            // Which seq of a key survived depends on when the cleaner ran (the filler's seq 0 may): counted per key.
            assertThat(total(s, "records.joined_late")).as("each key first seen past seq 0 taken from there")
                    .isEqualTo(startedLate).isPositive();
            assertThat(total(s, "suspected")).isZero();
            assertThat(total(s, "lost")).isZero();
            assertThat(total(s, "records.out_of_order")).isZero();
        });
        long uncoveredBefore = total(topicSummary(COMPACTED), "uncovered.compacted");

        // Live, on a topic without compaction lag: a skipped seq may be compaction, so it is not audited.
        try (KafkaProducer<String, String> p = KafkaSupport.producer(null, Map.of())) {
            p.send(Stamped.record(COMPACTED, "k0", "compactor", 1, SEQS));
            p.send(Stamped.record(COMPACTED, "k0", "compactor", 1, SEQS + 2));
        }
        await().atMost(Duration.ofSeconds(30)).ignoreExceptions().untilAsserted(() -> {
            JsonPath s = topicSummary(COMPACTED);
            assertThat(total(s, "uncovered.compacted")).isEqualTo(uncoveredBefore + 1);
            assertThat(total(s, "records.resumed")).isPositive();
            assertThat(total(s, "suspected") + total(s, "lost")).isZero();
        });
        assertThat(metric("seqaudit_uncovered_seqs_total", COMPACTED)).isEqualTo(
                (double) total(topicSummary(COMPACTED), "uncovered.compacted"));
    }

    @Test
    void aLossInsideTheCompactionLagOfACompactedTopicIsStillFound() {
        try (KafkaProducer<String, String> p = KafkaSupport.producer(null, Map.of())) {
            for (int s = 0; s < SEQS; s++) {
                for (int k = 0; k < 4; k++) {
                    if (!(k == 1 && s == 4)) {
                        p.send(Stamped.record(GUARDED, "g" + k, "guarded", 1, s));
                    }
                }
            }
        }
        await().atMost(Duration.ofSeconds(60)).ignoreExceptions().untilAsserted(() -> {
            JsonPath s = topicSummary(GUARDED);
            assertThat(total(s, "lost")).isEqualTo(1);
            assertThat(total(s, "suspected")).isZero();
            assertThat(total(s, "uncovered.compacted")).isZero();
            JsonPath st = stream(GUARDED, "g1");
            assertThat(st.getLong("[0].missing[0].fromSeq")).isEqualTo(4);
            assertThat(st.getLong("[0].missing[0].toSeq")).isEqualTo(4);
            assertThat(st.getString("[0].missing[0].state")).isEqualTo("lost");
        });
    }

    /**
     * Another member of the auditor's group takes the partition (the auditor is away from it), retention deletes
     * records the auditor had not read, and more records come, one of them lost. When the partition comes back the
     * auditor records a coverage gap with the exact offsets, skips the deleted seqs as not audited, and finds the
     * real loss after the gap.
     */
    @Test
    void recordsDeletedWhileTheAuditorWasAwayAreACoverageGapAndLaterLossesAreStillFound() throws Exception {
        int keys = 6;
        send(RETAINED, keys, 0, 5, -1, -1);
        await().atMost(Duration.ofSeconds(60)).ignoreExceptions().untilAsserted(() -> assertThat(total(topicSummary(RETAINED),
                "records.in_order")).isEqualTo(keys * 5L));
        long audited = endOffset(RETAINED);

        long deletedUpTo;
        try (KafkaConsumer<String, String> away = intruder()) {
            away.subscribe(List.of(RETAINED));
            await().atMost(Duration.ofSeconds(60)).until(() -> {
                away.poll(Duration.ofMillis(200));
                return !away.assignment().isEmpty();
            });
            send(RETAINED, keys, 5, 10, -1, -1);
            deletedUpTo = endOffset(RETAINED);
            try (Admin admin = Admin.create(Map.of("bootstrap.servers", KafkaSupport.bootstrap()))) {
                admin.deleteRecords(Map.of(new TopicPartition(RETAINED, 0), RecordsToDelete.beforeOffset(deletedUpTo)))
                        .all().get();
            }
            send(RETAINED, keys, 10, 15, 1, 12); // key r1 never sends seq 12: a real loss
            away.poll(Duration.ofMillis(100));
        }

        long deleted = deletedUpTo - audited;
        await().atMost(Duration.ofSeconds(90)).ignoreExceptions().untilAsserted(() -> {
            JsonPath gaps = asViewer().get("/api/v1/topics/" + RETAINED + "/coverage").then().statusCode(200)
                    .extract().jsonPath();
            assertThat(gaps.getList("$")).hasSize(1);
            assertThat(gaps.getLong("[0].fromOffset")).isEqualTo(audited);
            assertThat(gaps.getLong("[0].toOffset")).isEqualTo(deletedUpTo - 1);
            assertThat(gaps.getString("[0].reason")).isEqualTo("retention");
            JsonPath s = topicSummary(RETAINED);
            assertThat(total(s, "uncovered.retention")).as("seqs 5..9 of every key").isEqualTo(deleted);
            assertThat(total(s, "lost")).as("only the real loss").isEqualTo(1);
            assertThat(total(s, "suspected")).isZero();
            JsonPath st = stream(RETAINED, "r1");
            assertThat(st.getLong("[0].missing[0].fromSeq")).isEqualTo(12);
            assertThat(st.getString("[0].missing[0].state")).isEqualTo("lost");
            assertThat(metric("seqaudit_coverage_gap_records_total", RETAINED)).isEqualTo(deleted);
        });
    }

    /** Sends seqs [from, to) of keys r0..r{keys-1}, leaving out {@code skipSeq} of key {@code skipKey}. */
    private static void send(String topic, int keys, int from, int to, int skipKey, int skipSeq) {
        try (KafkaProducer<String, String> p = KafkaSupport.producer(null, Map.of())) {
            for (int s = from; s < to; s++) {
                for (int k = 0; k < keys; k++) {
                    if (!(k == skipKey && s == skipSeq)) {
                        p.send(Stamped.record(topic, "r" + k, "retained", 1, s));
                    }
                }
            }
        }
    }

    /**
     * A member of the auditor's group that sorts first (the range assignor gives it the one partition of the topic
     * it subscribes to) and commits nothing.
     */
    private static KafkaConsumer<String, String> intruder() {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, KafkaSupport.bootstrap());
        p.put(ConsumerConfig.GROUP_ID_CONFIG, GROUP);
        p.put(ConsumerConfig.CLIENT_ID_CONFIG, "a-member-away");
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "latest");
        return new KafkaConsumer<>(p, new StringDeserializer(), new StringDeserializer());
    }




    private static long endOffset(String topic) throws Exception {
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", KafkaSupport.bootstrap()))) {
            TopicPartition tp = new TopicPartition(topic, 0);
            return admin.listOffsets(Map.of(tp, OffsetSpec.latest())).all().get().get(tp).offset();
        }
    }

    /** How many records the log of a one-partition topic holds now. */
    static long recordsIn(String topic) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, KafkaSupport.bootstrap());
        try (KafkaConsumer<String, String> c = new KafkaConsumer<>(p, new StringDeserializer(),
                new StringDeserializer())) {
            TopicPartition tp = new TopicPartition(topic, 0);
            c.assign(List.of(tp));
            c.seekToBeginning(List.of(tp));
            long end = c.endOffsets(List.of(tp)).get(tp);
            long n = 0;
            while (c.position(tp) < end) {
                n += c.poll(Duration.ofMillis(500)).count();
            }
            return n;
        }
    }

    private static void create(NewTopic topic) {
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", KafkaSupport.bootstrap()))) {
            admin.createTopics(List.of(topic)).all().get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        } catch (ExecutionException e) {
            throw new IllegalStateException(e);
        }
    }
}
