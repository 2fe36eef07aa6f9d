package io.seqaudit.api;

import io.seqaudit.it.CreatedTopic;

import static io.restassured.RestAssured.given;
import static io.seqaudit.it.ApiAuth.asViewer;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.lessThan;
import static org.hamcrest.Matchers.startsWith;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.path.json.JsonPath;
import io.seqaudit.it.KafkaSupport;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The probes' contract while Redis is unreachable (docs/operations.md, "Probes"): readiness stays UP and shows
 * redis=down as data, liveness stays UP (the consumer loop keeps going round, retrying), and only the API says
 * the state is unavailable, with 503 and a JSON body. A sidecar whose readiness followed Redis would take the
 * application's pod out of its Service for an outage that does not concern the application.
 */
@QuarkusTest
@TestProfile(ReadinessWithoutRedisTest.Profile.class)
class ReadinessWithoutRedisTest {

    static final String RUN = UUID.randomUUID().toString().substring(0, 8);
    static final String TOPIC = "noredis-" + RUN;
    private static final String CHECK = "checks.find { it.name == 'seqaudit' }";

    /** Redis on port 1, where nothing listens; the real Kafka broker, a topic and a group of this test's own. */
    public static class Profile implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("quarkus.redis.hosts", "redis://127.0.0.1:1", "seqaudit.topics", TOPIC,
                    "seqaudit.audit.group-id", "noredis-" + RUN, "seqaudit.state.prefix", "noredis-" + RUN,
                    "seqaudit.state.timeout", "1s", "seqaudit.audit.retry-backoff", "200ms",
                    "kafka.bootstrap.servers", KafkaSupport.bootstrap());
        }

        @Override
        public List<TestResourceEntry> testResources() {
            return List.of(new TestResourceEntry(CreatedTopic.class, CreatedTopic.args(TOPIC, 1)));
        }
    }

    @Test
    void readyAndLiveWhileRedisIsDownAndTheApiAnswers503() {
        // Wait until the auditor has really met the outage (it got its partition and failed to read its offsets).
        await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
            JsonPath ready = given().get("/q/health/ready").then().statusCode(200).extract().jsonPath();
            assertThat(ready.getString(CHECK + ".data.auditor")).startsWith("redis failed");
        });

        given().get("/q/health/ready").then().statusCode(200)
                .body("status", equalTo("UP"))
                .body(CHECK + ".status", equalTo("UP"))
                .body(CHECK + ".data.redis", equalTo("down"))
                // Within the probe's timeoutSeconds (deploy/: 5s), or the probe would fail where the check does
                // not: the Redis PING is bounded at 1s (a loaded CI machine adds the rest).
                .time(lessThan(5000L), TimeUnit.MILLISECONDS);
        given().get("/q/health/live").then().statusCode(200).body("status", equalTo("UP"));
        given().get("/q/health/started").then().statusCode(200).body("status", equalTo("UP"));

        asViewer().get("/api/v1/summary").then().statusCode(503)
                .contentType("application/json")
                .header("Retry-After", "5")
                .body("error", startsWith("audit state unavailable"));

        // The outage is visible where operators look: seqaudit_failures_total{stage="redis"}.
        String metrics = given().get("/q/metrics").then().statusCode(200).extract().asString();
        double failures = metrics.lines()
                .filter(l -> l.startsWith("seqaudit_failures_total{") && l.contains("stage=\"redis\""))
                .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).sum();
        assertThat(failures).isPositive();
    }
}
