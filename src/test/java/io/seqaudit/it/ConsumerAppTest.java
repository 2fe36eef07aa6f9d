package io.seqaudit.it;

import static io.seqaudit.it.ApiAuth.asViewer;
import static io.seqaudit.it.ServiceReads.allItems;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.path.json.JsonPath;
import io.seqaudit.demo.ConsumerApp;
import io.seqaudit.stamp.SequenceStampingInterceptor;
import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.Test;

/**
 * The seed's two consumer-stage scenarios (issue 13, section 3) with a real application, {@link ConsumerApp}: a
 * member that commits before processing (in-process), and one that processes before committing and is killed with
 * SIGKILL as a process of its own. Traffic is stamped by the stamping interceptor; what the test expects is computed
 * from the records read back and the application's fault rule.
 */
@QuarkusTest
@TestProfile(ConsumerAppTest.Profile.class)
class ConsumerAppTest {

    static final String RUN = UUID.randomUUID().toString().substring(0, 8);
    static final String LOSSES = "capp-losses-" + RUN;
    static final String CRASH = "capp-crash-" + RUN;
    static final String RECEIPTS = "capp-receipts-" + RUN;
    static final String GA = "capp-commit-first-" + RUN;
    static final String GB = "capp-process-first-" + RUN;
    static final int LOSS_PARTITIONS = 3;
    static final List<String> KEYS = List.of("a", "bb", "ccc", "dddd", "eeeee");
    static final int MODULO = 4;

    public static class Profile implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            Map<String, String> m = new HashMap<>(AuditTestProfile.settings("capp-" + RUN,
                    String.join(",", LOSSES, CRASH), "2s"));
            m.put("seqaudit.consumers", String.join(",", GA, GB));
            m.put("seqaudit.audit.receipt-topic", RECEIPTS);
            return m;
        }

        @Override
        public List<TestResourceEntry> testResources() {
            return List.of(new TestResourceEntry(Topics.class));
        }
    }

    public static class Topics implements QuarkusTestResourceLifecycleManager {
        @Override
        public Map<String, String> start() {
            KafkaSupport.createTopic(LOSSES, LOSS_PARTITIONS);
            KafkaSupport.createTopic(CRASH, 1);
            KafkaSupport.createTopic(RECEIPTS, 2);
            return Map.of();
        }

        @Override
        public void stop() {
        }
    }

    /** Sends {@code n} values round the keys through the stamping interceptor (the interceptor picks the seqs). */
    private static void produce(String topic, int n) {
        try (KafkaProducer<String, String> p = KafkaSupport.producer(SequenceStampingInterceptor.class.getName(),
                Map.of(SequenceStampingInterceptor.PRODUCER_ID_CONFIG, "capp-" + topic))) {
            for (int i = 0; i < n; i++) {
                p.send(new ProducerRecord<>(topic, KEYS.get(i % KEYS.size()), "v" + i));
            }
        }
    }

    /** Every record of the topic as the broker has it, read back by a reader of no group. */
    private static List<ConsumerRecord<String, String>> readBack(String topic, int partitions, int n) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, KafkaSupport.bootstrap());
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        List<ConsumerRecord<String, String>> out = new ArrayList<>();
        try (KafkaConsumer<String, String> c = new KafkaConsumer<>(p, new StringDeserializer(),
                new StringDeserializer())) {
            List<TopicPartition> tps = new ArrayList<>();
            for (int i = 0; i < partitions; i++) {
                tps.add(new TopicPartition(topic, i));
            }
            c.assign(tps);
            c.seekToBeginning(tps);
            await().atMost(Duration.ofSeconds(30)).until(() -> {
                c.poll(Duration.ofMillis(200)).forEach(out::add);
                return out.size() >= n;
            });
        }
        assertThat(out).hasSize(n);
        return out;
    }

    private static String keySeq(ConsumerRecord<String, String> r) {
        return r.key() + "#" + ConsumerApp.seq(r);
    }

    /** "key#seq" → "reason/cause" of the consumer-stage findings of one group in {@code GET /api/v1/gaps}. */
    private static Map<String, String> findings(String topic, String group) {
        Map<String, String> out = new TreeMap<>();
        for (Map<String, Object> g : allItems("/api/v1/gaps", topic, null)) {
            if ("consumer".equals(g.get("stage")) && group.equals(g.get("group"))) {
                out.merge(g.get("key") + "#" + g.get("fromSeq"), g.get("reason") + "/" + g.get("cause"),
                        (a, b) -> a + "+" + b);
            }
        }
        return out;
    }

    private static JsonPath consumers(String group, String topic) {
        return asViewer().queryParam("group", group).queryParam("topic", topic).get("/api/v1/consumers").then()
                .statusCode(200).extract().jsonPath();
    }

    /** Waits until the auditor watches the group on every partition of the topic (it saw it without commits). */
    private static void awaitWatched(String group, String topic, int partitions) {
        await().atMost(Duration.ofSeconds(60)).ignoreExceptions().untilAsserted(() ->
                assertThat(consumers(group, topic).getList("[0].partitions")).hasSize(partitions));
    }

    @Test
    void commitFirstApplicationLosesExactlyTheRecordsItsFaultRulePicks() throws Exception {
        awaitWatched(GA, LOSSES, LOSS_PARTITIONS);
        int n = 60;
        produce(LOSSES, n);
        Map<String, String> expected = new TreeMap<>();
        for (ConsumerRecord<String, String> r : readBack(LOSSES, LOSS_PARTITIONS, n)) {
            long seq = ConsumerApp.seq(r);
            if (ConsumerApp.fails(r.key(), seq, MODULO)) {
                expected.put(keySeq(r), "committed_not_processed/" + (ConsumerApp.failureReported(seq, MODULO)
                        ? ConsumerApp.ProcessingFailed.class.getName() : null));
            }
        }
        assertThat(expected.values()).as("both kinds of failure are injected")
                .anyMatch(v -> v.endsWith("/null")).anyMatch(v -> !v.endsWith("/null"));

        ConsumerApp.run(KafkaSupport.bootstrap(), LOSSES, GA, ConsumerApp.Mode.COMMIT_FIRST, MODULO, n, RECEIPTS);

        await().atMost(Duration.ofSeconds(60)).ignoreExceptions().untilAsserted(() ->
                assertThat(findings(LOSSES, GA)).isEqualTo(expected));
        await().atMost(Duration.ofSeconds(30)).ignoreExceptions().untilAsserted(() -> {
            JsonPath view = consumers(GA, LOSSES);
            assertThat(view.getLong("[0].lost")).isEqualTo(expected.size());
            assertThat(view.getLong("[0].processed")).isEqualTo(n - expected.size());
            assertThat(view.getLong("[0].pending")).isZero();
            assertThat(view.getLong("[0].processedTwice")).isZero();
        });
        assertThat(findings(LOSSES, GA)).isEqualTo(expected);
    }

    @Test
    void processFirstApplicationKilledWithSigkillIsReportedProcessedTwiceForExactlyItsUncommittedRecords()
            throws Exception {
        awaitWatched(GB, CRASH, 1);
        int committed = 5;
        int uncommitted = 7;
        int n = committed + uncommitted + 4; // and some the first member never reached: processed once
        produce(CRASH, n);
        List<ConsumerRecord<String, String>> all = readBack(CRASH, 1, n);
        Map<String, String> expected = new TreeMap<>();
        for (ConsumerRecord<String, String> r : all) {
            if (r.offset() >= committed && r.offset() < committed + uncommitted) {
                expected.put(keySeq(r), "processed_twice/null");
            }
        }
        assertThat(expected).hasSize(uncommitted);

        File log = Files.createTempFile("consumer-app-", ".log").toFile();
        String java = ProcessHandle.current().info().command().orElse(
                System.getProperty("java.home") + "/bin/java");
        Process app = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
                ConsumerApp.class.getName(), KafkaSupport.bootstrap(), CRASH, GB, "process-first",
                String.valueOf(committed), String.valueOf(uncommitted), RECEIPTS)
                .redirectError(log).start();
        List<String> out = new CopyOnWriteArrayList<>();
        Thread reader = new Thread(() -> {
            try (BufferedReader in = new BufferedReader(new InputStreamReader(app.getInputStream(),
                    StandardCharsets.UTF_8))) {
                in.lines().forEach(out::add);
            } catch (IOException | java.io.UncheckedIOException e) {
                // the process is gone: nothing more to read
            }
        }, "consumer-app-stdout");
        reader.setDaemon(true);
        reader.start();
        try {
            await().atMost(Duration.ofSeconds(60)).failFast("the application exited: " + log,
                    () -> !app.isAlive()).until(() -> out.contains("READY"));
        } finally {
            app.destroyForcibly();
        }
        assertThat(app.waitFor()).as("exit status of a process killed by SIGKILL (128 + 9)").isEqualTo(137);

        // The next member of the group starts from the last commit: it processes the uncommitted records again.
        ConsumerApp.run(KafkaSupport.bootstrap(), CRASH, GB, ConsumerApp.Mode.NORMAL, 0, n - committed, RECEIPTS);

        await().atMost(Duration.ofSeconds(60)).ignoreExceptions().untilAsserted(() ->
                assertThat(findings(CRASH, GB)).isEqualTo(expected));
        await().atMost(Duration.ofSeconds(30)).ignoreExceptions().untilAsserted(() -> {
            JsonPath view = consumers(GB, CRASH);
            assertThat(view.getLong("[0].processedTwice")).isEqualTo(uncommitted);
            assertThat(view.getLong("[0].processed")).isEqualTo(n);
            assertThat(view.getLong("[0].lost")).isZero();
            assertThat(view.getLong("[0].pending")).isZero();
        });
        assertThat(findings(CRASH, GB)).isEqualTo(expected);
    }
}
