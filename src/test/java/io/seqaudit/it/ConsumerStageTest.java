package io.seqaudit.it;

import static io.seqaudit.it.ApiAuth.asViewer;
import static io.seqaudit.it.ServiceReads.allItems;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.RestAssured;
import io.restassured.path.json.JsonPath;
import io.seqaudit.audit.SecondConsumerAuditor;
import io.seqaudit.metrics.ConsumerMetrics;
import io.seqaudit.state.StateStore;
import jakarta.inject.Inject;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.Test;

/**
 * The consumer stage (issue 13) against the real broker and Redis, with real application consumer groups in test
 * code (plain KafkaConsumers, manual commits) and receipts sent as the v1 contract says (a plain KafkaProducer, and
 * kcat): commit-before-process losses, process-before-commit duplicates after a crash, transactions, a second
 * auditor applying the same receipts, and hand-made receipts. Expected findings are computed from the faults the
 * test injects.
 */
@QuarkusTest
@TestProfile(ConsumerStageTest.Profile.class)
class ConsumerStageTest {

    static final String RUN = UUID.randomUUID().toString().substring(0, 8);
    static final String LOSSES = "cs-losses-" + RUN;
    static final String TWICE = "cs-twice-" + RUN;
    static final String TX = "cs-tx-" + RUN;
    static final String HAND = "cs-hand-" + RUN;
    static final String RECEIPTS = "cs-receipts-" + RUN;
    static final String GA = "app-losses-" + RUN;
    static final String GB = "app-twice-" + RUN;
    static final String GC = "app-tx-" + RUN;
    static final String GK = "app-hand-" + RUN;
    static final long GRACE_MS = 2_000;

    @Inject
    StateStore store;

    public static class Profile implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            Map<String, String> m = new HashMap<>(AuditTestProfile.settings("cstage-" + RUN,
                    String.join(",", LOSSES, TWICE, TX, HAND), GRACE_MS + "ms"));
            m.put("seqaudit.consumers", String.join(",", GA, GB, GC, GK));
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
            for (String t : List.of(LOSSES, TWICE, TX, HAND)) {
                KafkaSupport.createTopic(t, 2);
            }
            KafkaSupport.createTopic(RECEIPTS, 2);
            return Map.of();
        }

        @Override
        public void stop() {
        }
    }

    // ---- the application side, as any consumer would do it -------------------------------------------------------

    private static KafkaConsumer<String, String> app(String group) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, KafkaSupport.bootstrap());
        p.put(ConsumerConfig.GROUP_ID_CONFIG, group);
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        return new KafkaConsumer<>(p, new StringDeserializer(), new StringDeserializer());
    }

    /** "[[a,b],[c,d]]" of ascending offsets. */
    private static String ranges(List<Long> offsets, String reason) {
        List<String> out = new ArrayList<>();
        TreeSet<Long> sorted = new TreeSet<>(offsets);
        Long from = null;
        Long prev = null;
        for (long o : sorted) {
            if (prev != null && o != prev + 1) {
                out.add(range(from, prev, reason));
                from = null;
            }
            from = from == null ? o : from;
            prev = o;
        }
        if (from != null) {
            out.add(range(from, prev, reason));
        }
        return "[" + String.join(",", out) + "]";
    }

    private static String range(long from, long to, String reason) {
        return "[" + from + "," + to + (reason == null ? "" : ",\"" + reason + "\"") + "]";
    }

    /** One receipt message of the v1 contract. */
    private static void receipt(KafkaProducer<String, String> p, String group, String topic, int partition,
            List<Long> processed, List<Long> failed, String reason) {
        String json = "{\"v\":1,\"group\":\"" + group + "\",\"topic\":\"" + topic + "\",\"partition\":" + partition
                + ",\"at\":" + System.currentTimeMillis() + ",\"client\":\"test\",\"processed\":"
                + ranges(processed, null) + (failed.isEmpty() ? "" : ",\"failed\":" + ranges(failed, reason)) + "}";
        p.send(new ProducerRecord<>(RECEIPTS, group + "/" + topic + "/" + partition, json));
    }

    private static KafkaProducer<String, String> receiptProducer() {
        return KafkaSupport.producer(null, Map.of(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true"));
    }

    // ---- reading the service ---------------------------------------------------------------------------------------

    /** "key#seq" → "reason/cause" of the consumer-stage findings of one group in {@code GET /api/v1/gaps}. */
    private static Map<String, String> findings(String topic, String group) {
        Map<String, String> out = new TreeMap<>();
        for (Map<String, Object> g : allItems("/api/v1/gaps", topic, null)) {
            if ("consumer".equals(g.get("stage")) && group.equals(g.get("group"))) {
                String id = g.get("key") + "#" + g.get("fromSeq");
                out.merge(id, g.get("reason") + "/" + g.get("cause"), (a, b) -> a + "+" + b);
            }
        }
        return out;
    }

    private static JsonPath consumers(String group, String topic) {
        return asViewer().queryParam("group", group).queryParam("topic", topic).get("/api/v1/consumers").then()
                .statusCode(200).extract().jsonPath();
    }

    /** Waits until the auditor watches the group on every partition of the topic (it saw it without commits). */
    private static void awaitWatched(String group, String topic) {
        await().atMost(Duration.ofSeconds(60)).ignoreExceptions().untilAsserted(() ->
                assertThat(consumers(group, topic).getList("[0].partitions")).hasSize(2));
    }

    private static double metric(String name, String group, String topic) {
        String text = RestAssured.given().get("/q/metrics").then().extract().asString();
        return text.lines().filter(l -> l.startsWith(name + "{") && l.contains("group=\"" + group + "\"")
                && l.contains("topic=\"" + topic + "\"")).mapToDouble(l -> Double.parseDouble(
                        l.substring(l.lastIndexOf(' ') + 1))).sum();
    }

    private static double invalidReceipts(String reason) {
        String text = RestAssured.given().get("/q/metrics").then().extract().asString();
        return text.lines().filter(l -> l.startsWith("seqaudit_invalid_receipts_total{")
                && l.contains("reason=\"" + reason + "\"")).mapToDouble(l -> Double.parseDouble(
                        l.substring(l.lastIndexOf(' ') + 1))).sum();
    }

    /** Polls until {@code n} records arrived, handing each poll's batch to {@code batch}. */
    private static void consume(KafkaConsumer<String, String> c, int n,
            java.util.function.Consumer<List<ConsumerRecord<String, String>>> batch) {
        int[] got = {0};
        await().atMost(Duration.ofSeconds(60)).until(() -> {
            List<ConsumerRecord<String, String>> recs = new ArrayList<>();
            c.poll(Duration.ofMillis(200)).forEach(recs::add);
            if (!recs.isEmpty()) {
                batch.accept(recs);
                got[0] += recs.size();
            }
            return got[0] >= n;
        });
    }

    private static Map<TopicPartition, OffsetAndMetadata> after(List<ConsumerRecord<String, String>> recs) {
        Map<TopicPartition, OffsetAndMetadata> out = new HashMap<>();
        recs.forEach(r -> out.merge(new TopicPartition(r.topic(), r.partition()),
                new OffsetAndMetadata(r.offset() + 1), (a, b) -> a.offset() >= b.offset() ? a : b));
        return out;
    }

    private static String keySeq(ConsumerRecord<String, String> r) {
        return r.key() + "#" + new String(r.headers().lastHeader("seqaudit-seq").value(), StandardCharsets.UTF_8);
    }

    // ---- the scenarios ---------------------------------------------------------------------------------------------

    @Test
    void commitBeforeProcessLosesExactlyTheRecordsWhoseProcessingFailedAndASecondAuditorCountsNothingTwice() {
        awaitWatched(GA, LOSSES);
        int n = 40;
        try (KafkaProducer<String, String> p = KafkaSupport.producer(null, Map.of())) {
            for (int i = 0; i < n; i++) {
                p.send(Stamped.record(LOSSES, "a-" + i % 5, "app-a", 0, i / 5));
            }
        }
        Map<String, String> expected = new TreeMap<>();
        try (KafkaConsumer<String, String> c = app(GA); KafkaProducer<String, String> rp = receiptProducer()) {
            c.subscribe(List.of(LOSSES));
            consume(c, n, recs -> {
                c.commitSync(after(recs)); // committed first: what fails below is lost
                Map<Integer, List<Long>> done = new HashMap<>();
                Map<Integer, List<Long>> failed = new HashMap<>();
                for (ConsumerRecord<String, String> r : recs) {
                    int i = Integer.parseInt(r.value().substring(1)) * 5 + Integer.parseInt(r.key().substring(2));
                    done.putIfAbsent(r.partition(), new ArrayList<>());
                    failed.putIfAbsent(r.partition(), new ArrayList<>());
                    if (i % 7 == 3) { // processing throws; the application says so
                        failed.get(r.partition()).add(r.offset());
                        expected.put(keySeq(r), "committed_not_processed/java.lang.IllegalStateException");
                    } else if (i % 7 == 5) { // processing dies silently: no receipt at all
                        expected.put(keySeq(r), "committed_not_processed/null");
                    } else {
                        done.get(r.partition()).add(r.offset());
                    }
                }
                done.forEach((part, offs) -> receipt(rp, GA, LOSSES, part, offs, failed.get(part),
                        "java.lang.IllegalStateException"));
                rp.flush();
            });
        }
        await().atMost(Duration.ofSeconds(60)).ignoreExceptions().untilAsserted(() ->
                assertThat(findings(LOSSES, GA)).isEqualTo(expected));
        JsonPath view = consumers(GA, LOSSES);
        assertThat(view.getLong("[0].lost")).isEqualTo(expected.size());
        assertThat(view.getLong("[0].processed")).isEqualTo(n - expected.size());
        assertThat(view.getLong("[0].pending")).isZero();
        assertThat(view.getLong("[0].processedTwice")).isZero();
        assertThat(metric("seqaudit_consumer_lost_total", GA, LOSSES)).isEqualTo(expected.size());
        assertThat(ServiceReads.topicSummary(LOSSES).getLong("lostByStage.consumer")).isEqualTo(expected.size());

        // (d) A second auditor on the same state (a restarted or stale instance) applies the same receipts: it
        // counts nothing, and a new receipt applied by both counts once between them.
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        String gen = store.hashGet(store.keys(LOSSES).meta(), "gen");
        try (SecondConsumerAuditor second = new SecondConsumerAuditor(store, new ConsumerMetrics(registry),
                KafkaSupport.bootstrap(), RECEIPTS, List.of(GA), LOSSES, Set.of(0, 1), gen, GRACE_MS)) {
            await().atMost(Duration.ofSeconds(30)).until(() -> {
                second.step();
                return second.caughtUp();
            });
            second.step();
            assertThat(secondCount(registry, "seqaudit.consumer.lost") + secondCount(registry,
                    "seqaudit.consumer.duplicates")).isZero();
            assertThat(findings(LOSSES, GA)).isEqualTo(expected);
            // One record of partition 0 processed again (by hand): both instances read the receipt.
            ConsumerRecord<String, String> again;
            try (KafkaConsumer<String, String> c = app("reader-" + RUN)) {
                c.assign(List.of(new TopicPartition(LOSSES, 0)));
                List<ConsumerRecord<String, String>> all = new ArrayList<>();
                consume(c, 1, all::addAll);
                again = all.stream().filter(r -> !expected.containsKey(keySeq(r))).findFirst().orElseThrow();
            }
            try (KafkaProducer<String, String> rp = receiptProducer()) {
                receipt(rp, GA, LOSSES, 0, List.of(again.offset()), List.of(), null);
            }
            Map<String, String> withTwice = new TreeMap<>(expected);
            withTwice.put(keySeq(again), "processed_twice/null");
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                second.step();
                assertThat(findings(LOSSES, GA)).isEqualTo(withTwice);
                assertThat(metric("seqaudit_consumer_duplicates_total", GA, LOSSES)
                        + secondCount(registry, "seqaudit.consumer.duplicates")).isEqualTo(1);
            });
            await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(5)).until(() -> {
                second.step();
                return consumers(GA, LOSSES).getLong("[0].processedTwice") == 1
                        && metric("seqaudit_consumer_duplicates_total", GA, LOSSES)
                                + secondCount(registry, "seqaudit.consumer.duplicates") == 1;
            });
        }
    }

    private static double secondCount(SimpleMeterRegistry registry, String name) {
        return registry.find(name).counters().stream().mapToDouble(c -> c.count()).sum();
    }

    @Test
    void processBeforeCommitThenACrashReportsExactlyTheRedeliveredRecordsProcessedTwice() {
        int n = 24;
        int committedUpTo = 3; // the first member commits this far on each partition, then crashes
        try (KafkaProducer<String, String> p = KafkaSupport.producer(null, Map.of())) {
            for (int i = 0; i < n; i++) {
                p.send(Stamped.record(TWICE, "b-" + i % 4, "app-b", 0, i / 4));
            }
        }
        Map<String, String> expected = new TreeMap<>();
        int[] redelivered = {0};
        Map<Integer, Integer> perPartition = new HashMap<>();
        try (KafkaProducer<String, String> rp = receiptProducer()) {
            try (KafkaConsumer<String, String> first = app(GB)) {
                first.subscribe(List.of(TWICE));
                consume(first, n, recs -> {
                    Map<Integer, List<Long>> done = new HashMap<>();
                    for (ConsumerRecord<String, String> r : recs) {
                        done.computeIfAbsent(r.partition(), k -> new ArrayList<>()).add(r.offset());
                        perPartition.merge(r.partition(), 1, Integer::sum);
                        if (r.offset() >= committedUpTo) {
                            expected.put(keySeq(r), "processed_twice/null");
                            redelivered[0]++;
                        }
                    }
                    done.forEach((part, offs) -> receipt(rp, GB, TWICE, part, offs, List.of(), null));
                    rp.flush();
                });
                Map<TopicPartition, OffsetAndMetadata> commit = new HashMap<>();
                perPartition.forEach((part, count) -> commit.put(new TopicPartition(TWICE, part),
                        new OffsetAndMetadata(Math.min(committedUpTo, count))));
                first.commitSync(commit);
                // "kill -9" before the next commit: close without committing what was processed since.
            }
            try (KafkaConsumer<String, String> second = app(GB)) {
                second.subscribe(List.of(TWICE));
                consume(second, redelivered[0], recs -> {
                    Map<Integer, List<Long>> done = new HashMap<>();
                    recs.forEach(r -> done.computeIfAbsent(r.partition(), k -> new ArrayList<>()).add(r.offset()));
                    done.forEach((part, offs) -> receipt(rp, GB, TWICE, part, offs, List.of(), null));
                    rp.flush();
                    second.commitSync(after(recs));
                });
            }
        }
        await().atMost(Duration.ofSeconds(60)).ignoreExceptions().untilAsserted(() ->
                assertThat(findings(TWICE, GB)).isEqualTo(expected));
        await().atMost(Duration.ofSeconds(30)).ignoreExceptions().untilAsserted(() -> {
            JsonPath view = consumers(GB, TWICE);
            assertThat(view.getLong("[0].processedTwice")).isEqualTo(expected.size());
            assertThat(view.getLong("[0].processed")).isEqualTo(n);
            assertThat(view.getLong("[0].lost")).isZero();
            assertThat(view.getLong("[0].pending")).isZero();
        });
        assertThat(metric("seqaudit_consumer_duplicates_total", GB, TWICE)).isEqualTo(expected.size());
    }

    @Test
    void transactionMarkersAndAbortedRecordsAreNoDataRecords() {
        awaitWatched(GC, TX);
        List<String> committedKeys = new ArrayList<>();
        try (KafkaProducer<String, String> p = KafkaSupport.producer(null,
                Map.of(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "cs-tx-" + RUN))) {
            p.initTransactions();
            long seq = 0;
            for (int t = 0; t < 4; t++) {
                p.beginTransaction();
                for (int i = 0; i < 3; i++) {
                    ProducerRecord<String, String> r = Stamped.record(TX, "c-0", "app-c", t, seq++);
                    p.send(new ProducerRecord<>(TX, 0, r.key(), r.value(), r.headers()));
                    if (t % 2 == 0) {
                        committedKeys.add(r.key() + "#" + (seq - 1));
                    }
                }
                p.flush();
                if (t % 2 == 0) {
                    p.commitTransaction();
                } else {
                    p.abortTransaction(); // its records and marker are in the log: no data records
                }
            }
        }
        String skipped = committedKeys.get(4); // processing of this one dies silently, after the commit
        try (KafkaConsumer<String, String> c = app(GC); KafkaProducer<String, String> rp = receiptProducer()) {
            c.subscribe(List.of(TX));
            consume(c, committedKeys.size(), recs -> {
                List<Long> done = new ArrayList<>();
                recs.stream().filter(r -> !keySeq(r).equals(skipped)).forEach(r -> done.add(r.offset()));
                if (!done.isEmpty()) {
                    receipt(rp, GC, TX, 0, done, List.of(), null);
                }
                rp.flush();
                c.commitSync(after(recs));
            });
        }
        await().atMost(Duration.ofSeconds(60)).ignoreExceptions().untilAsserted(() -> {
            assertThat(findings(TX, GC)).isEqualTo(Map.of(skipped, "committed_not_processed/null"));
            JsonPath view = consumers(GC, TX);
            assertThat(view.getLong("[0].pending")).isZero();
            assertThat(view.getLong("[0].lost")).isEqualTo(1);
            assertThat(view.getLong("[0].processed")).isEqualTo(committedKeys.size() - 1);
        });
    }

    @Test
    void receiptsSentByHandWithKcatAreHonouredAndMalformedOnesCountedAndSkipped() throws Exception {
        awaitWatched(GK, HAND);
        int n = 5;
        List<String> keys = new ArrayList<>();
        try (KafkaProducer<String, String> p = KafkaSupport.producer(null, Map.of())) {
            for (int i = 0; i < n; i++) {
                p.send(new ProducerRecord<>(HAND, 0, null, "k-" + i, "v",
                        Stamped.record(HAND, "k-" + i, "app-k", 0, 0).headers()));
                keys.add("k-" + i + "#0");
            }
        }
        try (KafkaConsumer<String, String> c = app(GK)) {
            c.subscribe(List.of(HAND));
            consume(c, n, recs -> c.commitSync(after(recs)));
        }
        double notJson = invalidReceipts("not_json");
        double version = invalidReceipts("unknown_version");
        // The documented format by a client that is not ours: offsets 0..3 processed, 4 never.
        kcat(RECEIPTS, GK + "/" + HAND + "/0", "this is not json",
                "{\"v\":2,\"group\":\"" + GK + "\",\"topic\":\"" + HAND + "\",\"partition\":0,\"processed\":[[4,4]]}",
                "{\"v\":1,\"group\":\"" + GK + "\",\"topic\":\"" + HAND + "\",\"partition\":0,\"processed\":[[0,3]]}");
        await().atMost(Duration.ofSeconds(60)).ignoreExceptions().untilAsserted(() -> {
            assertThat(findings(HAND, GK)).isEqualTo(Map.of(keys.get(4), "committed_not_processed/null"));
            assertThat(consumers(GK, HAND).getLong("[0].processed")).isEqualTo(n - 1);
        });
        assertThat(invalidReceipts("not_json")).isEqualTo(notJson + 1);
        assertThat(invalidReceipts("unknown_version")).isEqualTo(version + 1);
        // A consumer-stage finding is not replayable: the record is in the topic.
        String id = allItems("/api/v1/gaps", HAND, null).stream().filter(g -> "consumer".equals(g.get("stage")))
                .map(g -> (String) g.get("id")).findFirst().orElseThrow();
        ApiAuth.asOperator().contentType("application/json").body("{\"gapId\":\"" + id + "\"}")
                .post("/api/v1/replays").then().statusCode(409)
                .body("error", org.hamcrest.Matchers.containsString("consumer"));
        assertThat(asViewer().queryParam("topic", HAND).queryParam("stage", "consumer").get("/api/v1/gaps").then()
                .statusCode(200).extract().jsonPath().getList("items")).hasSize(1);
    }

    /** Sends each line as one message with {@code key} to partition 0 of {@code topic} with kcat. */
    private static void kcat(String topic, String key, String... lines) throws Exception {
        Process p = new ProcessBuilder("kcat", "-b", KafkaSupport.bootstrap(), "-t", topic, "-p", "0", "-P", "-K",
                "\t").redirectErrorStream(true).start();
        try (OutputStream in = p.getOutputStream()) {
            StringBuilder sb = new StringBuilder();
            for (String l : lines) {
                sb.append(key).append('\t').append(l).append('\n');
            }
            in.write(sb.toString().getBytes(StandardCharsets.UTF_8));
        }
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).as("kcat finished").isTrue();
        assertThat(p.exitValue()).as(new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8))
                .isZero();
    }
}
