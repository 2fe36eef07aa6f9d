package io.seqaudit.it;

import static io.seqaudit.it.ServiceReads.allItems;
import static io.seqaudit.it.ServiceReads.topicSummary;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.RestAssured;
import io.seqaudit.demo.DroppingInterceptor;
import io.seqaudit.stamp.SequenceStampingInterceptor;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;

/**
 * The producers' beacons (issue 12), against the real broker and Redis: the tail of a stream that never arrived is
 * found, a stream whose every record was lost is found, each loss carries the producer stage and its cause, a
 * beacon sent by hand with kcat (a client that is not ours) is honoured, and malformed ones are counted and
 * skipped without stalling the beacon partition.
 */
@QuarkusTest
@TestProfile(BeaconsTest.Profile.class)
class BeaconsTest {

    static final String RUN = UUID.randomUUID().toString().substring(0, 8);
    static final String TOPIC = "beacons-audited-" + RUN;
    static final String VOID = "beacons-void-" + RUN;
    static final String BEACONS = "beacons-" + RUN;

    public static class Profile implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            Map<String, String> m = new HashMap<>(AuditTestProfile.settings("beacons-" + RUN, TOPIC, "2s"));
            m.put("seqaudit.audit.beacon-topic", BEACONS);
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
            KafkaSupport.createTopic(TOPIC, 3);
            KafkaSupport.createTopic(VOID, 1);
            KafkaSupport.createTopic(BEACONS, 2);
            return Map.of();
        }

        @Override
        public void stop() {
        }
    }

    private static KafkaProducer<String, String> producer(String id) {
        return KafkaSupport.producer(SequenceStampingInterceptor.class.getName() + ","
                + DroppingInterceptor.class.getName(), Map.of("seqaudit.producer.id", id,
                        "seqaudit.beacon.topic", BEACONS, "seqaudit.beacon.interval", "200ms",
                        DroppingInterceptor.VOID_TOPIC, VOID));
    }

    /** "key#seq" → the gap's stage and cause, of every lost seq of one key prefix. */
    private static Map<String, String> lost(String keyPrefix) {
        Map<String, String> out = new TreeMap<>();
        for (Map<String, Object> g : allItems("/api/v1/gaps", TOPIC, "lost")) {
            String key = (String) g.get("key");
            if (key == null || !key.startsWith(keyPrefix)) {
                continue;
            }
            for (long s = ((Number) g.get("fromSeq")).longValue(); s <= ((Number) g.get("toSeq")).longValue(); s++) {
                out.put(key + "#" + s, g.get("stage") + "/" + g.get("cause"));
            }
        }
        return out;
    }

    @Test
    void theTailThatNeverArrivedAndAStreamWhollyLostAreFoundAtTheProducerStage() {
        int keys = 10;
        int perKey = 10;
        Map<String, String> expected = new TreeMap<>();
        try (KafkaProducer<String, String> p = producer("tails-" + RUN)) {
            for (int k = 0; k < keys; k++) {
                int dropped = k % 5 + 1; // the last 1..5 records of the stream never reach the topic
                for (int s = 0; s < perKey; s++) {
                    boolean drop = s >= perKey - dropped;
                    p.send(new ProducerRecord<>(TOPIC, "tail-" + k, drop ? DroppingInterceptor.DROP : "v" + s));
                    if (drop) {
                        expected.put("tail-" + k + "#" + s, "producer/redirected");
                    }
                }
            }
            for (int s = 0; s < 3; s++) {
                p.send(new ProducerRecord<>(TOPIC, "tail-gone", DroppingInterceptor.DROP));
                expected.put("tail-gone#" + s, "producer/redirected");
            }
        }
        await().atMost(Duration.ofSeconds(60)).ignoreExceptions().untilAsserted(() ->
                assertThat(lost("tail-")).isEqualTo(expected));
        assertThat(topicSummary(TOPIC).getLong("lostByStage.producer")).isGreaterThanOrEqualTo(expected.size());
    }

    @Test
    void aSendThatFailsIsLostAtTheProducerStageWithTheExceptionItFailedWith() {
        try (KafkaProducer<String, String> p = producer("big-" + RUN)) {
            p.send(new ProducerRecord<>(TOPIC, "big-1", "small"));
            // Over max.request.size (1 MiB by default): the send fails in the producer, before any broker.
            p.send(new ProducerRecord<>(TOPIC, "big-1", "x".repeat(2 * 1024 * 1024)));
            p.send(new ProducerRecord<>(TOPIC, "big-1", "small again"));
        }
        await().atMost(Duration.ofSeconds(60)).ignoreExceptions().untilAsserted(() -> assertThat(lost("big-"))
                .isEqualTo(Map.of("big-1#1", "producer/org.apache.kafka.common.errors.RecordTooLargeException")));
    }

    @Test
    void aBeaconSentByHandWithKcatIsHonouredAndMalformedOnesAreCountedAndSkipped() throws Exception {
        try (KafkaProducer<String, String> p = KafkaSupport.producer(null, Map.of())) {
            for (long s = 0; s < 4; s++) {
                p.send(Stamped.record(TOPIC, "hand-1", "by-hand", 7, s));
            }
        }
        await().atMost(Duration.ofSeconds(30)).ignoreExceptions().untilAsserted(() -> assertThat(
                ServiceReads.stream(TOPIC, "hand-1").getLong("[0].highestSeq")).isEqualTo(3));
        double notJson = invalidBeacons("not_json");
        double version = invalidBeacons("unknown_version");
        // Seqs 4..6 were stamped and their sends failed: the documented format, by a client that is not ours.
        kcat(BEACONS, "this is not json",
                "{\"v\":2,\"producer\":\"by-hand\",\"topic\":\"" + TOPIC + "\",\"partition\":-1,\"streams\":[]}",
                "{\"v\":1,\"producer\":\"by-hand\",\"topic\":\"" + TOPIC + "\",\"partition\":-1,\"offset\":-1,"
                        + "\"streams\":[{\"key\":\"hand-1\",\"epoch\":7,\"upTo\":6,"
                        + "\"notSent\":[[4,6,\"com.example.SendFailed\"]]}]}");
        Map<String, String> expected = new TreeMap<>();
        for (long s = 4; s <= 6; s++) {
            expected.put("hand-1#" + s, "producer/com.example.SendFailed");
        }
        await().atMost(Duration.ofSeconds(60)).ignoreExceptions().untilAsserted(() ->
                assertThat(lost("hand-")).isEqualTo(expected));
        assertThat(invalidBeacons("not_json")).isEqualTo(notJson + 1);
        assertThat(invalidBeacons("unknown_version")).isEqualTo(version + 1);
    }

    private static double invalidBeacons(String reason) {
        String text = RestAssured.given().get("/q/metrics").then().extract().asString();
        return text.lines().filter(l -> l.startsWith("seqaudit_invalid_beacons_total{")
                && l.contains("reason=\"" + reason + "\"")).mapToDouble(l -> Double.parseDouble(
                        l.substring(l.lastIndexOf(' ') + 1))).sum();
    }

    /** Sends each line as one message to partition 0 of {@code topic} with kcat. */
    private static void kcat(String topic, String... lines) throws IOException, InterruptedException {
        Process p = new ProcessBuilder("kcat", "-b", KafkaSupport.bootstrap(), "-t", topic, "-p", "0", "-P")
                .redirectErrorStream(true).start();
        try (OutputStream in = p.getOutputStream()) {
            in.write((String.join("\n", lines) + "\n").getBytes(StandardCharsets.UTF_8));
        }
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).as("kcat finished").isTrue();
        assertThat(p.exitValue()).as(new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8))
                .isZero();
    }
}
