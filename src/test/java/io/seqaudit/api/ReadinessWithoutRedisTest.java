package io.seqaudit.api;

import io.seqaudit.it.CreatedTopic;

import static io.restassured.RestAssured.given;
import static io.seqaudit.it.ApiAuth.asViewer;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.startsWith;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.config.HttpClientConfig;
import io.restassured.config.RestAssuredConfig;
import io.restassured.path.json.JsonPath;
import io.seqaudit.it.KafkaSupport;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
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
    /** Configured, never created: a misspelled topic. */
    static final String MISSING = "noredis-missing-" + RUN;
    static final Path LOG = Path.of("target", "noredis-" + RUN + ".log");
    private static final String CHECK = "checks.find { it.name == 'seqaudit' }";

    /** Redis on port 1, where nothing listens; the real Kafka broker, a topic and a group of this test's own. */
    public static class Profile implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("quarkus.redis.hosts", "redis://127.0.0.1:1", "seqaudit.topics", TOPIC + "," + MISSING,
                    "quarkus.log.file.enabled", "true", "quarkus.log.file.path", LOG.toString(),
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
    void readyAndLiveWhileRedisIsDownAndTheApiAnswers503() throws IOException {
        // Wait until the auditor has really met the outage (it got its partition and failed to read its offsets).
        await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
            JsonPath ready = given().get("/q/health/ready").then().statusCode(200).extract().jsonPath();
            assertThat(ready.getString(CHECK + ".data.auditor")).startsWith("redis failed");
        });

        // Asked the way the kubelet asks: a client that gives up after the readiness probe's timeoutSeconds in
        // deploy/ (the Redis PING inside is bounded by seqaudit.state.timeout, 1s here); a timeout fails the test.
        int probeTimeoutMs = readinessProbeTimeoutSeconds() * 1000;
        given().config(RestAssuredConfig.config().httpClient(HttpClientConfig.httpClientConfig()
                        .setParam("http.connection.timeout", probeTimeoutMs)
                        .setParam("http.socket.timeout", probeTimeoutMs)))
                .get("/q/health/ready").then().statusCode(200)
                .body("status", equalTo("UP"))
                .body(CHECK + ".status", equalTo("UP"))
                .body(CHECK + ".data.redis", equalTo("down"));
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

    /**
     * Never green and silent: Redis unreachable from the start and a configured topic that does not exist each
     * show as a gauge, in the readiness data, and in one WARN naming the setting to check.
     */
    @Test
    void anUnreachableRedisAndAMissingTopicShowInGaugesReadinessAndOneWarnEachNamingTheSetting() throws IOException {
        await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
            String metrics = given().get("/q/metrics").then().statusCode(200).extract().asString();
            assertThat(gauge(metrics, "seqaudit_up{component=\"redis\"")).isZero();
            assertThat(gauge(metrics, "seqaudit_up{component=\"kafka\"")).isEqualTo(1.0);
            assertThat(gauge(metrics, "seqaudit_topic_partitions{topic=\"" + MISSING + "\"")).isZero();
            assertThat(gauge(metrics, "seqaudit_topic_partitions{topic=\"" + TOPIC + "\"")).isEqualTo(1.0);
            JsonPath ready = given().get("/q/health/ready").then().statusCode(200).extract().jsonPath();
            assertThat(ready.getString(CHECK + ".data.kafka")).isEqualTo("up");
            assertThat(ready.getString(CHECK + ".data.'partitions." + MISSING + "'")).startsWith("none");
            assertThat(warnings("quarkus.redis.hosts=redis://127.0.0.1:1")).hasSize(1);
            assertThat(warnings("Topic " + MISSING + " of seqaudit.topics does not exist")).hasSize(1);
        });
        assertThat(warnings("Topic " + TOPIC + " of")).as("the topic that exists").isEmpty();
    }

    private static double gauge(String metrics, String prefix) {
        return metrics.lines().filter(l -> l.startsWith(prefix)).mapToDouble(l -> Double.parseDouble(
                l.substring(l.lastIndexOf(' ') + 1))).findFirst().orElse(Double.NaN);
    }

    private static List<String> warnings(String text) throws IOException {
        return java.nio.file.Files.readAllLines(LOG).stream().filter(l -> l.contains("WARN") && l.contains(text))
                .toList();
    }

    /** The readiness probe's timeoutSeconds in the shipped standalone Deployment. */
    private static int readinessProbeTimeoutSeconds() throws IOException {
        JsonNode deployment = new ObjectMapper(new YAMLFactory()).readTree(
                Path.of("deploy/kubernetes/components/standalone/10-deployment.yaml").toFile());
        for (JsonNode c : deployment.path("spec").path("template").path("spec").path("containers")) {
            if (c.has("readinessProbe")) {
                return c.path("readinessProbe").path("timeoutSeconds").asInt(1); // 1 is Kubernetes' default
            }
        }
        throw new IllegalStateException("no readinessProbe in the standalone Deployment");
    }
}
