package io.seqaudit.receipt.smallrye;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.seqaudit.it.AuditTestProfile;
import io.seqaudit.it.KafkaSupport;
import io.seqaudit.it.ReceiptsOnTheTopic;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.junit.jupiter.api.Test;

/**
 * The SmallRye interceptor with a real Quarkus application and broker: an {@code @Incoming} method that throws for
 * chosen records while the channel goes on past them (failure-strategy=ignore) and commits as it goes
 * (throttled). The receipt topic then holds a processed receipt for every other record and a failed one, with the
 * exception's class, for each chosen one, exactly; the application's code knows nothing of receipts.
 */
@QuarkusTest
@TestProfile(ReceiptsIncomingInterceptorTest.Profile.class)
class ReceiptsIncomingInterceptorTest {

    static final String PROFILE = "receipts-smallrye";
    static final String RUN = UUID.randomUUID().toString().substring(0, 8);
    static final String TOPIC = "srm-orders-" + RUN;
    static final String RECEIPTS = "srm-receipts-" + RUN;
    static final String GROUP = "srm-app-" + RUN;

    public static class Profile implements QuarkusTestProfile {
        @Override
        public String getConfigProfile() {
            // "test" too: the %test settings (test tokens, the OpenAPI document kept out of docs/) still hold.
            return "test," + PROFILE;
        }

        @Override
        public Map<String, String> getConfigOverrides() {
            String in = "mp.messaging.incoming." + ReceiptsTestApplication.CHANNEL + ".";
            Map<String, String> m = new HashMap<>(AuditTestProfile.settings("srm-" + RUN, "srm-audited-" + RUN, "3s"));
            m.put(in + "connector", "smallrye-kafka");
            m.put(in + "topic", TOPIC);
            m.put(in + "group.id", GROUP);
            m.put(in + "auto.offset.reset", "earliest");
            m.put(in + "value.deserializer", "org.apache.kafka.common.serialization.StringDeserializer");
            m.put(in + "failure-strategy", "ignore");
            m.put(in + "commit-strategy", "throttled");
            m.put("seqaudit.receipts.channels", ReceiptsTestApplication.CHANNEL);
            m.put("seqaudit.receipts.topic", RECEIPTS);
            m.put("seqaudit.receipts.interval", "200ms");
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
            KafkaSupport.createTopic("srm-audited-" + RUN, 1);
            KafkaSupport.createTopic(TOPIC, 3);
            KafkaSupport.createTopic(RECEIPTS, 1);
            return Map.of();
        }

        @Override
        public void stop() {
        }
    }

    @Test
    void theReceiptTopicHoldsProcessedForEveryRecordAndFailedWithTheExceptionForTheChosenOnes() throws Exception {
        int records = 60;
        Map<String, List<String>> expected = new TreeMap<>();
        try (KafkaProducer<String, String> p = KafkaSupport.producer(null, Map.of())) {
            List<Future<RecordMetadata>> sends = new ArrayList<>();
            List<Boolean> poison = new ArrayList<>();
            for (int i = 0; i < records; i++) {
                boolean chosen = i % 7 == 2;
                poison.add(chosen);
                sends.add(p.send(new ProducerRecord<>(TOPIC, "k" + (i % 4),
                        (chosen ? ReceiptsTestApplication.POISON : "v") + i)));
            }
            for (int i = 0; i < records; i++) {
                RecordMetadata md = sends.get(i).get(30, TimeUnit.SECONDS);
                expected.put(GROUP + "/" + TOPIC + "/" + md.partition() + "@" + md.offset(),
                        List.of(poison.get(i) ? IllegalStateException.class.getName() : "processed"));
            }
        }
        assertThat(expected.values().stream().filter(v -> !v.equals(List.of("processed")))).hasSize(9);
        await().atMost(Duration.ofSeconds(60)).untilAsserted(() ->
                assertThat(ReceiptsOnTheTopic.told(RECEIPTS)).isEqualTo(expected));
    }
}
