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
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.junit.jupiter.api.Test;

/**
 * The SmallRye interceptor with a real Quarkus application and broker: an {@code @Incoming} method that throws for
 * chosen records while the channel goes on past them (failure-strategy=ignore) and commits as it goes
 * (throttled). The receipt topic then holds a processed receipt for every other record and a failed one, with the
 * exception's class, for each chosen one, exactly; the application's code knows nothing of receipts. A batch
 * channel's receipts tell each record of each batch, with its batch's outcome; a channel without group.id is
 * reported under the group its consumer really commits in.
 */
@QuarkusTest
@TestProfile(ReceiptsIncomingInterceptorTest.Profile.class)
class ReceiptsIncomingInterceptorTest {

    static final String PROFILE = "receipts-smallrye";
    static final String RUN = UUID.randomUUID().toString().substring(0, 8);
    static final String TOPIC = "srm-orders-" + RUN;
    static final String RECEIPTS = "srm-receipts-" + RUN;
    static final String GROUP = "srm-app-" + RUN;
    static final String BATCH_TOPIC = "srm-batch-orders-" + RUN;
    static final String BATCH_GROUP = "srm-batch-app-" + RUN;
    static final String NO_GROUP_TOPIC = "srm-no-group-orders-" + RUN;

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
            String batch = "mp.messaging.incoming." + ReceiptsTestApplication.BATCH_CHANNEL + ".";
            m.put(batch + "connector", "smallrye-kafka");
            m.put(batch + "topic", BATCH_TOPIC);
            m.put(batch + "group.id", BATCH_GROUP);
            m.put(batch + "batch", "true");
            m.put(batch + "auto.offset.reset", "earliest");
            m.put(batch + "value.deserializer", "org.apache.kafka.common.serialization.StringDeserializer");
            m.put(batch + "failure-strategy", "ignore");
            m.put(batch + "commit-strategy", "throttled");
            String noGroup = "mp.messaging.incoming." + ReceiptsTestApplication.NO_GROUP_CHANNEL + ".";
            m.put(noGroup + "connector", "smallrye-kafka");
            m.put(noGroup + "topic", NO_GROUP_TOPIC);
            m.put(noGroup + "auto.offset.reset", "earliest");
            m.put(noGroup + "value.deserializer", "org.apache.kafka.common.serialization.StringDeserializer");
            m.put(noGroup + "commit-strategy", "throttled");
            m.put("seqaudit.receipts.channels", ReceiptsTestApplication.CHANNEL + ","
                    + ReceiptsTestApplication.BATCH_CHANNEL + "," + ReceiptsTestApplication.NO_GROUP_CHANNEL);
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
            KafkaSupport.createTopic(BATCH_TOPIC, 2);
            KafkaSupport.createTopic(NO_GROUP_TOPIC, 1);
            KafkaSupport.createTopic(RECEIPTS, 1);
            return Map.of();
        }

        @Override
        public void stop() {
        }
    }

    /** Sends {@code records} to {@code topic}, every 7th one (from the 3rd) poisoned; their places, in order. */
    private static List<RecordMetadata> send(String topic, int records, List<Boolean> poison) throws Exception {
        List<RecordMetadata> sent = new ArrayList<>();
        try (KafkaProducer<String, String> p = KafkaSupport.producer(null, Map.of())) {
            List<Future<RecordMetadata>> sends = new ArrayList<>();
            for (int i = 0; i < records; i++) {
                boolean chosen = i % 7 == 2;
                poison.add(chosen);
                sends.add(p.send(new ProducerRecord<>(topic, "k" + (i % 4),
                        (chosen ? ReceiptsTestApplication.POISON : "v") + i)));
            }
            for (Future<RecordMetadata> f : sends) {
                sent.add(f.get(30, TimeUnit.SECONDS));
            }
        }
        return sent;
    }

    /** The receipts told about one group's records only. */
    private static Map<String, List<String>> toldOf(String group) throws Exception {
        Map<String, List<String>> told = new TreeMap<>(ReceiptsOnTheTopic.told(RECEIPTS));
        told.keySet().removeIf(k -> !k.startsWith(group + "/"));
        return told;
    }

    @Test
    void aChannelWithoutGroupIdIsReportedUnderTheGroupItReallyCommitsIn() throws Exception {
        int records = 5;
        send(NO_GROUP_TOPIC, records, new ArrayList<>());
        // The group the broker knows as committing this topic: whatever default SmallRye and Quarkus chose.
        String group;
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", KafkaSupport.bootstrap()))) {
            group = await().atMost(Duration.ofSeconds(60)).until(() -> committer(admin, NO_GROUP_TOPIC),
                    java.util.Objects::nonNull);
        }
        Map<String, List<String>> expected = new TreeMap<>();
        for (int o = 0; o < records; o++) {
            expected.put(group + "/" + NO_GROUP_TOPIC + "/0@" + o, List.of("processed"));
        }
        await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
            Map<String, List<String>> told = new TreeMap<>(ReceiptsOnTheTopic.told(RECEIPTS));
            told.keySet().removeIf(k -> !k.contains("/" + NO_GROUP_TOPIC + "/"));
            assertThat(told).isEqualTo(expected);
        });
    }

    /** The consumer group that has committed an offset of {@code topic}, or null. */
    private static String committer(Admin admin, String topic) throws Exception {
        for (var g : admin.listConsumerGroups().all().get(30, TimeUnit.SECONDS)) {
            var offsets = admin.listConsumerGroupOffsets(g.groupId()).partitionsToOffsetAndMetadata()
                    .get(30, TimeUnit.SECONDS);
            if (offsets.keySet().stream().anyMatch(tp -> tp.topic().equals(topic))) {
                return g.groupId();
            }
        }
        return null;
    }

    @Test
    void aBatchChannelGetsAReceiptForEveryRecordOfEachBatchAckedOrNacked() throws Exception {
        int records = 50;
        List<RecordMetadata> sent = send(BATCH_TOPIC, records, new ArrayList<>());
        await().atMost(Duration.ofSeconds(60)).until(() -> ReceiptsTestApplication.BATCHED.size() == records);
        Map<String, List<String>> expected = new TreeMap<>();
        for (RecordMetadata md : sent) {
            boolean failed = ReceiptsTestApplication.BATCHED.get(md.topic() + "/" + md.partition() + "@"
                    + md.offset());
            expected.put(BATCH_GROUP + "/" + md.topic() + "/" + md.partition() + "@" + md.offset(),
                    List.of(failed ? UnsupportedOperationException.class.getName() : "processed"));
        }
        assertThat(expected.values()).contains(List.of(UnsupportedOperationException.class.getName()));
        await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> assertThat(toldOf(BATCH_GROUP))
                .isEqualTo(expected));
    }

    @Test
    void theReceiptTopicHoldsProcessedForEveryRecordAndFailedWithTheExceptionForTheChosenOnes() throws Exception {
        int records = 60;
        List<Boolean> poison = new ArrayList<>();
        List<RecordMetadata> sent = send(TOPIC, records, poison);
        Map<String, List<String>> expected = new TreeMap<>();
        for (int i = 0; i < records; i++) {
            RecordMetadata md = sent.get(i);
            expected.put(GROUP + "/" + TOPIC + "/" + md.partition() + "@" + md.offset(),
                    List.of(poison.get(i) ? IllegalStateException.class.getName() : "processed"));
        }
        assertThat(expected.values().stream().filter(v -> !v.equals(List.of("processed")))).hasSize(9);
        await().atMost(Duration.ofSeconds(60)).untilAsserted(() ->
                assertThat(toldOf(GROUP)).isEqualTo(expected));
    }
}
