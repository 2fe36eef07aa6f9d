package io.seqaudit.receipt.smallrye;

import static io.seqaudit.it.ApiAuth.asViewer;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.path.json.JsonPath;
import io.seqaudit.demo.ConsumerApp;
import io.seqaudit.it.AuditTestProfile;
import io.seqaudit.it.KafkaSupport;
import io.seqaudit.stamp.SequenceStampingInterceptor;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.Test;

/**
 * The consumer stage end to end with a SmallRye Reactive Messaging application ({@link ReceiptsTestApplication},
 * which knows nothing of receipts) and the interceptor, in the same Quarkus application as the auditor auditing
 * its group: the {@code @Incoming} method throws for chosen records while the channel commits past them
 * ({@code commit-strategy=throttled}, {@code failure-strategy=ignore}); exactly those (key, seq) are reported
 * {@code committed_not_processed}, with the exception's class.
 */
@QuarkusTest
@TestProfile(SmallRyeConsumerStageTest.Profile.class)
class SmallRyeConsumerStageTest {

    static final String RUN = UUID.randomUUID().toString().substring(0, 8);
    static final String TOPIC = "srm-stage-orders-" + RUN;
    static final String RECEIPTS = "srm-stage-receipts-" + RUN;
    static final String GROUP = "srm-stage-app-" + RUN;
    static final int PARTITIONS = 3;

    public static class Profile implements QuarkusTestProfile {
        @Override
        public String getConfigProfile() {
            return "test," + ReceiptsIncomingInterceptorTest.PROFILE;
        }

        @Override
        public Map<String, String> getConfigOverrides() {
            Map<String, String> m = new HashMap<>(AuditTestProfile.settings("srm-stage-" + RUN, TOPIC, "2s"));
            m.put("seqaudit.consumers", GROUP);
            m.put("seqaudit.audit.receipt-topic", RECEIPTS);
            channel(m, ReceiptsTestApplication.CHANNEL, TOPIC, GROUP);
            // The application's other channels read topics of their own, unaudited and empty.
            channel(m, ReceiptsTestApplication.BATCH_CHANNEL, TOPIC + "-batch", GROUP + "-batch");
            m.put("mp.messaging.incoming." + ReceiptsTestApplication.BATCH_CHANNEL + ".batch", "true");
            channel(m, ReceiptsTestApplication.NO_GROUP_CHANNEL, TOPIC + "-other", GROUP + "-other");
            m.put("seqaudit.receipts.channels", ReceiptsTestApplication.CHANNEL);
            m.put("seqaudit.receipts.topic", RECEIPTS);
            m.put("seqaudit.receipts.interval", "200ms");
            return m;
        }

        private static void channel(Map<String, String> m, String channel, String topic, String group) {
            String in = "mp.messaging.incoming." + channel + ".";
            m.put(in + "connector", "smallrye-kafka");
            m.put(in + "topic", topic);
            m.put(in + "group.id", group);
            m.put(in + "auto.offset.reset", "earliest");
            m.put(in + "value.deserializer", StringDeserializer.class.getName());
            m.put(in + "failure-strategy", "ignore");
            m.put(in + "commit-strategy", "throttled");
        }

        @Override
        public List<TestResourceEntry> testResources() {
            return List.of(new TestResourceEntry(Topics.class));
        }
    }

    public static class Topics implements QuarkusTestResourceLifecycleManager {
        @Override
        public Map<String, String> start() {
            KafkaSupport.createTopic(TOPIC, PARTITIONS);
            KafkaSupport.createTopic(TOPIC + "-batch", 1);
            KafkaSupport.createTopic(TOPIC + "-other", 1);
            KafkaSupport.createTopic(RECEIPTS, 1);
            return Map.of();
        }

        @Override
        public void stop() {
        }
    }

    private static JsonPath consumers() {
        return asViewer().queryParam("group", GROUP).queryParam("topic", TOPIC).get("/api/v1/consumers").then()
                .statusCode(200).extract().jsonPath();
    }

    /** "key#seq" → "reason/cause" of the group's consumer-stage findings. */
    private static Map<String, String> findings() {
        Map<String, String> out = new TreeMap<>();
        // One page is enough: the test makes far fewer findings than the limit (asserted below).
        JsonPath page = asViewer().queryParam("topic", TOPIC).queryParam("stage", "consumer")
                .queryParam("limit", 1000).get("/api/v1/gaps").then().statusCode(200).extract().jsonPath();
        assertThat(page.getString("next")).isNull();
        for (Map<String, Object> g : page.<Map<String, Object>>getList("items")) {
            if ("consumer".equals(g.get("stage")) && GROUP.equals(g.get("group"))) {
                out.merge(g.get("key") + "#" + g.get("fromSeq"), g.get("reason") + "/" + g.get("cause"),
                        (a, b) -> a + "+" + b);
            }
        }
        return out;
    }

    @Test
    void recordsTheIncomingMethodThrowsForWhileTheChannelCommitsPastThemAreCommittedNotProcessed() {
        // Watched before the application commits anything: what it commits from then on is checked.
        await().atMost(Duration.ofSeconds(60)).ignoreExceptions().untilAsserted(() ->
                assertThat(consumers().getList("[0].partitions")).hasSize(PARTITIONS));
        int n = 42;
        try (KafkaProducer<String, String> p = KafkaSupport.producer(SequenceStampingInterceptor.class.getName(),
                Map.of(SequenceStampingInterceptor.PRODUCER_ID_CONFIG, "srm-stage-" + RUN))) {
            for (int i = 0; i < n; i++) {
                boolean chosen = i % 7 == 2;
                p.send(new ProducerRecord<>(TOPIC, "k" + i % 4, (chosen ? ReceiptsTestApplication.POISON : "v") + i));
            }
        }
        Map<String, String> expected = new TreeMap<>();
        for (ConsumerRecord<String, String> r : readBack(n)) {
            if (r.value().startsWith(ReceiptsTestApplication.POISON)) {
                expected.put(r.key() + "#" + ConsumerApp.seq(r),
                        "committed_not_processed/" + IllegalStateException.class.getName());
            }
        }
        assertThat(expected).isNotEmpty();

        await().atMost(Duration.ofSeconds(60)).ignoreExceptions().untilAsserted(() ->
                assertThat(findings()).isEqualTo(expected));
        await().atMost(Duration.ofSeconds(30)).ignoreExceptions().untilAsserted(() -> {
            JsonPath view = consumers();
            assertThat(view.getLong("[0].lost")).isEqualTo(expected.size());
            assertThat(view.getLong("[0].processed")).isEqualTo(n - expected.size());
            assertThat(view.getLong("[0].pending")).isZero();
            assertThat(view.getLong("[0].processedTwice")).isZero();
        });
        assertThat(findings()).isEqualTo(expected);
    }

    private static List<ConsumerRecord<String, String>> readBack(int n) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, KafkaSupport.bootstrap());
        List<ConsumerRecord<String, String>> out = new ArrayList<>();
        try (KafkaConsumer<String, String> c = new KafkaConsumer<>(p, new StringDeserializer(),
                new StringDeserializer())) {
            List<TopicPartition> tps = new ArrayList<>();
            for (int i = 0; i < PARTITIONS; i++) {
                tps.add(new TopicPartition(TOPIC, i));
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
}
