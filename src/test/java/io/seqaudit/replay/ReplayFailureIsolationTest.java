package io.seqaudit.replay;

import static io.restassured.RestAssured.given;
import static io.seqaudit.it.ApiAuth.asOperator;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import io.seqaudit.it.CreatedTopic;
import io.seqaudit.it.KafkaSupport;
import jakarta.inject.Inject;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * One replay whose step throws (here: a stored replay with a corrupt key) ends {@code failed} with the error and
 * counted, and never holds up the replays listed after it (issue 11: one such entry blocked every other replay).
 */
@QuarkusTest
@TestProfile(ReplayFailureIsolationTest.Profile.class)
class ReplayFailureIsolationTest {

    static final String RUN = UUID.randomUUID().toString().substring(0, 8);
    static final String TOPIC = "replay-isolation-" + RUN;

    /** Manual replays from an HTTP source that is never reached: the good replays find nothing missing. */
    public static class Profile implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            Map<String, String> m = new HashMap<>();
            m.put("seqaudit.topics", TOPIC);
            m.put("seqaudit.audit.group-id", "replay-isolation-" + RUN);
            m.put("seqaudit.state.prefix", "seqaudit-replay-isolation-" + RUN);
            m.put("seqaudit.replay.source", "http");
            m.put("seqaudit.replay.http.url", "http://127.0.0.1:1/replay?from={fromSeq}&to={toSeq}");
            m.put("seqaudit.replay.interval", "1s");
            m.put("seqaudit.replay.transactional-id", "seqaudit-replayer-isolation-" + RUN);
            m.put("seqaudit.api.replay-rate", "1000");
            m.put("seqaudit.api.replay-burst", "1000");
            m.put("kafka.bootstrap.servers", KafkaSupport.bootstrap());
            return m;
        }

        @Override
        public List<TestResourceEntry> testResources() {
            return List.of(new TestResourceEntry(CreatedTopic.class, CreatedTopic.args(TOPIC, 1)));
        }
    }

    @Inject
    ReplayStore replays;

    @Test
    void aReplayWhoseStepThrowsEndsFailedAndTheOthersProceed() {
        String now = Instant.now().toString();
        // Stored first: a small Redis hash lists in insertion order, so every round meets it before the others.
        ReplayView corrupt = new ReplayView(TOPIC + ".corrupt.0-9", TOPIC, null, "%%% not base64", "shop", 1, 0, 9,
                null, ReplayView.State.PENDING, 10, 0, List.of(), null, 0, "test", now, now);
        replays.createIfAbsent(corrupt);
        List<String> good = List.of("order-1", "order-2", "order-3");
        for (String key : good) {
            asOperator().contentType(ContentType.JSON)
                    .body(Map.of("topic", TOPIC, "key", key, "producer", "shop", "epoch", 1, "fromSeq", 0, "toSeq", 4))
                    .post("/api/v1/replays").then().statusCode(202);
        }

        // Nothing of those streams is missing: each good replay ends repaired without asking the source.
        await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
            Map<String, ReplayView.State> stateByKey = new HashMap<>();
            for (ReplayView r : replays.list(TOPIC)) {
                if (r.key() != null) {
                    stateByKey.put(r.key(), r.state());
                }
            }
            assertThat(stateByKey).hasSize(good.size())
                    .allSatisfy((k, s) -> assertThat(s).isEqualTo(ReplayView.State.REPAIRED));
            assertThat(replays.get(TOPIC, corrupt.id()).orElseThrow().state()).isEqualTo(ReplayView.State.FAILED);
        });
        ReplayView failed = replays.get(TOPIC, corrupt.id()).orElseThrow();
        assertThat(failed.error()).startsWith("replayer error: ").contains("IllegalArgumentException");

        String metrics = given().get("/q/metrics").then().statusCode(200).extract().asString();
        assertThat(value(metrics, "seqaudit_replays_total{outcome=\"failed\"")).isEqualTo(1);
        assertThat(value(metrics, "seqaudit_replays_total{outcome=\"repaired\"")).isEqualTo(good.size());
    }

    private static double value(String metrics, String prefix) {
        return metrics.lines().filter(l -> l.startsWith(prefix)).mapToDouble(
                l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).sum();
    }
}
