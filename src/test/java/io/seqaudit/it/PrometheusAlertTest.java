package io.seqaudit.it;

import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static io.seqaudit.it.ApiAuth.asOperator;
import static io.seqaudit.it.ApiAuth.asViewer;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.tomakehurst.wiremock.WireMockServer;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.RestAssured;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * The shipped alert rules against a real Prometheus (Debian's package, started by deploy/local/prometheus.sh on
 * loopback) scraping the running service: the loss alert fires for the topic of an injected loss, stays firing
 * for as long as the loss is not repaired, and resolves once a replay from the source of truth repaired it.
 */
@QuarkusTest
@TestProfile(PrometheusAlertTest.Profile.class)
class PrometheusAlertTest {

    static final String RUN = UUID.randomUUID().toString().substring(0, 8);
    static final String TOPIC = "prom-" + RUN;
    /** Where deploy/local/prometheus.sh listens (the test inherits its environment). */
    static final String PORT = System.getenv().getOrDefault("SEQAUDIT_PROMETHEUS_PORT", "9590");
    static final long LOST_FROM = 3;
    static final long LOST_TO = 4;
    static final ObjectMapper JSON = new ObjectMapper();
    static final HttpClient HTTP = HttpClient.newHttpClient();

    public static class Profile implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            Map<String, String> m = new HashMap<>();
            m.put("seqaudit.topics", TOPIC);
            m.put("seqaudit.grace", "2s");
            m.put("seqaudit.audit.group-id", "prom-" + RUN);
            m.put("seqaudit.state.prefix", "prom-" + RUN);
            m.put("seqaudit.replay.source", "http");
            m.put("seqaudit.replay.interval", "1s");
            m.put("seqaudit.replay.transactional-id", "seqaudit-replayer-prom-" + RUN);
            m.put("kafka.bootstrap.servers", KafkaSupport.bootstrap());
            return m;
        }

        @Override
        public List<TestResourceEntry> testResources() {
            return List.of(new TestResourceEntry(Source.class));
        }
    }

    /** The source of truth: a WireMock callback that holds the lost records. */
    public static class Source implements QuarkusTestResourceLifecycleManager {
        static WireMockServer server;

        @Override
        public Map<String, String> start() {
            KafkaSupport.createTopic(TOPIC, 1);
            server = new WireMockServer(options().bindAddress("127.0.0.1").dynamicPort());
            server.start();
            List<String> records = new ArrayList<>();
            for (long s = LOST_FROM; s <= LOST_TO; s++) {
                records.add("{\"seq\":" + s + ",\"valueBase64\":\"" + Base64.getEncoder().encodeToString(
                        ("v" + s).getBytes(StandardCharsets.UTF_8)) + "\"}");
            }
            server.stubFor(get(urlPathEqualTo("/replay")).withQueryParam("key", equalTo("order-1"))
                    .willReturn(okJson("{\"records\":[" + String.join(",", records) + "],\"missing\":[]}")));
            return Map.of("seqaudit.replay.http.url", server.baseUrl()
                    + "/replay?topic={topic}&key={key}&producer={producer}&epoch={epoch}&from={fromSeq}&to={toSeq}");
        }

        @Override
        public void stop() {
            server.stop();
        }
    }

    @AfterAll
    static void stopPrometheus() {
        LocalScript.tryRun("prometheus.sh", "stop");
    }

    @Test
    void theLossAlertFiresStaysFiringWhileTheLossIsUnrepairedAndResolvesOnceRepaired() throws Exception {
        LocalScript.run("prometheus.sh", "start", "127.0.0.1:" + RestAssured.port);
        try (KafkaProducer<String, String> p = KafkaSupport.producer(null, Map.of())) {
            for (long s = 0; s < 8; s++) {
                if (s < LOST_FROM || s > LOST_TO) {
                    p.send(Stamped.record(TOPIC, "order-1", "shop", 1, s));
                }
            }
        }
        long injected = LOST_TO - LOST_FROM + 1;
        await().atMost(Duration.ofSeconds(60)).ignoreExceptions().untilAsserted(() -> {
            JsonNode alert = lossAlert();
            assertThat(alert).as("SeqauditMessagesLost for " + TOPIC).isNotNull();
            assertThat(alert.path("state").asText()).isEqualTo("firing");
            assertThat(alert.path("labels").path("severity").asText()).isEqualTo("critical");
            assertThat(alert.path("annotations").path("description").asText())
                    .startsWith(injected + " seqs of topic " + TOPIC + " are confirmed lost");
        });
        // Unrepaired: it keeps firing (the old rule resolved itself after 5 minutes of no new loss).
        await().during(Duration.ofSeconds(10)).atMost(Duration.ofSeconds(15)).ignoreExceptions()
                .untilAsserted(() -> assertThat(lossAlert().path("state").asText()).isEqualTo("firing"));

        String gapId = asViewer().queryParam("topic", TOPIC).queryParam("state", "lost").get("/api/v1/gaps").then()
                .statusCode(200).extract().jsonPath().getString("items[0].id");
        asOperator().contentType("application/json").body(Map.of("gapId", gapId)).post("/api/v1/replays").then()
                .statusCode(202);
        await().atMost(Duration.ofSeconds(60)).ignoreExceptions().untilAsserted(() -> {
            assertThat(asViewer().get("/api/v1/summary").then().extract().jsonPath().getLong("lost")).isZero();
            assertThat(lossAlert()).as("resolved once repaired").isNull();
        });
    }

    /** The active SeqauditMessagesLost alert of the topic in Prometheus, or null. */
    private static JsonNode lossAlert() throws Exception {
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + PORT
                + "/api/v1/alerts")).build(), HttpResponse.BodyHandlers.ofString());
        for (JsonNode a : JSON.readTree(r.body()).path("data").path("alerts")) {
            if ("SeqauditMessagesLost".equals(a.path("labels").path("alertname").asText())
                    && TOPIC.equals(a.path("labels").path("topic").asText())) {
                return a;
            }
        }
        return null;
    }
}
