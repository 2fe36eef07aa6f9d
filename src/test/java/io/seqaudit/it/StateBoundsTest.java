package io.seqaudit.it;

import static io.seqaudit.it.ApiAuth.asViewer;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.seqaudit.state.StreamRef;
import io.vertx.mutiny.redis.client.Command;
import io.vertx.mutiny.redis.client.Redis;
import io.vertx.mutiny.redis.client.Request;
import io.vertx.mutiny.redis.client.Response;
import jakarta.inject.Inject;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.junit.jupiter.api.Test;

/** Redis state stays bounded: idle streams shrink to their watermark, then expire, without false gaps. */
@QuarkusTest
@TestProfile(StateBoundsTest.Profile.class)
class StateBoundsTest {

    static final String RUN = UUID.randomUUID().toString().substring(0, 8);
    static final String TOPIC = "bounds-" + RUN;
    static final String PREFIX = "seqaudit-bounds-" + RUN;

    /** Short idle and expiry times so the test sees both. */
    public static class Profile implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("seqaudit.topics", TOPIC, "seqaudit.grace", "1s", "seqaudit.audit.tick", "100ms",
                    "seqaudit.audit.group-id", PREFIX, "seqaudit.state.prefix", PREFIX,
                    "seqaudit.state.idle-after", "1s", "seqaudit.state.expire-after", "6s",
                    "kafka.bootstrap.servers", KafkaSupport.bootstrap());
        }

        @Override
        public List<TestResourceEntry> testResources() {
            return List.of(new TestResourceEntry(CreatedTopic.class, CreatedTopic.args(TOPIC, 3)));
        }
    }

    @Inject
    Redis redis;

    @Test
    void idleStreamShrinksToWatermarkThenExpiresAndResumesWithoutFalseGap() {
        try (KafkaProducer<String, String> p = KafkaSupport.producer(null, Map.of())) {
            for (long s = 0; s < 10; s++) {
                p.send(Stamped.record(TOPIC, "idle", "bounds", 1, s));
            }
            p.send(Stamped.record(TOPIC, "gappy", "bounds", 1, 0));
            p.send(Stamped.record(TOPIC, "gappy", "bounds", 1, 2));
            p.flush();

            byte[] field = new StreamRef(TOPIC, "idle".getBytes(StandardCharsets.UTF_8), "bounds", 1).field();
            await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
                Response blob = redis.send(Request.cmd(Command.HGET).arg(PREFIX + ":{" + TOPIC + "}:streams")
                        .arg(field)).await().indefinitely();
                assertThat(blob).isNotNull();
                assertThat(blob.toBytes().length).isLessThanOrEqualTo(16);
            });
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(streams("idle")).isEmpty());
            // The stream with a lost seq is kept: its loss must stay visible.
            List<Map<String, Object>> gappy = streams("gappy");
            assertThat(gappy).hasSize(1);
            assertThat(gappy.get(0).get("missing").toString()).contains("lost");

            p.send(Stamped.record(TOPIC, "idle", "bounds", 1, 10));
            p.flush();
        }
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
            List<Map<String, Object>> s = streams("idle");
            assertThat(s).hasSize(1);
            assertThat(((Number) s.get(0).get("startSeq")).longValue()).isEqualTo(10);
            assertThat((List<?>) s.get(0).get("missing")).isEmpty();
        });
        assertThat(summaryLong("records.joined_late")).isEqualTo(1);
        assertThat(summaryLong("suspected") + summaryLong("lost")).isEqualTo(1);
    }

    private static List<Map<String, Object>> streams(String key) {
        return asViewer().queryParam("topic", TOPIC).queryParam("key", key).get("/api/v1/streams").then()
                .statusCode(200).extract().jsonPath().getList("$");
    }

    private static long summaryLong(String path) {
        return asViewer().get("/api/v1/summary").then().statusCode(200).extract().jsonPath().getLong(path);
    }
}
