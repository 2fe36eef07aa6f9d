package io.seqaudit.it;

import static io.restassured.RestAssured.given;
import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static io.seqaudit.it.ApiAuth.asViewer;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.github.tomakehurst.wiremock.WireMockServer;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.junit.jupiter.api.Test;

/**
 * Automatic replay from the application's HTTP callback (a WireMock server in the test): a range the callback
 * holds ends repaired, a seq it does not have ends unrecoverable, and a callback that keeps failing ends failed
 * with its error shown; the gaps show those states.
 */
@QuarkusTest
@TestProfile(ReplayHttpTest.Profile.class)
class ReplayHttpTest {

    static final String RUN = UUID.randomUUID().toString().substring(0, 8);
    static final String TOPIC = "replay-http-" + RUN;
    /** The seqs lost on every key, and the one the source of {@code partial} does not have either. */
    static final long LOST_FROM = 6;
    static final long LOST_TO = 8;
    static final long PARTIAL_LACKS = 7;
    /** seqaudit.replay.max-fetches and .http.max-attempts below. */
    static final int MAX_FETCHES = 2;
    static final int MAX_ATTEMPTS = 2;

    /** Automatic replay from the callback served by {@link Callback}. */
    public static class Profile implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            Map<String, String> m = new HashMap<>();
            m.put("seqaudit.topics", TOPIC);
            m.put("seqaudit.grace", "1s");
            m.put("seqaudit.audit.group-id", "replay-http-" + RUN);
            m.put("seqaudit.state.prefix", "seqaudit-replay-http-" + RUN);
            m.put("seqaudit.replay.source", "http");
            m.put("seqaudit.replay.auto", "true");
            m.put("seqaudit.replay.auto-rate", "100");
            m.put("seqaudit.replay.interval", "1s");
            m.put("seqaudit.replay.max-fetches", String.valueOf(MAX_FETCHES));
            m.put("seqaudit.replay.transactional-id", "seqaudit-replayer-http-" + RUN);
            m.put("seqaudit.replay.http.max-attempts", String.valueOf(MAX_ATTEMPTS));
            m.put("seqaudit.replay.http.backoff", "50ms");
            m.put("seqaudit.replay.http.timeout", "2s");
            m.put("kafka.bootstrap.servers", KafkaSupport.bootstrap());
            return m;
        }

        @Override
        public List<TestResourceEntry> testResources() {
            return List.of(new TestResourceEntry(Callback.class));
        }
    }

    /**
     * The application's callback, a WireMock server: every lost seq ({@link #LOST_FROM}..{@link #LOST_TO}) of
     * {@code whole}, those of {@code partial} except seq 7; {@code broken} always answers 500.
     */
    public static class Callback implements QuarkusTestResourceLifecycleManager {
        static WireMockServer server;

        @Override
        public Map<String, String> start() {
            KafkaSupport.createTopic(TOPIC, 3);
            server = new WireMockServer(options().bindAddress("127.0.0.1").dynamicPort());
            server.start();
            server.stubFor(get(urlPathEqualTo("/replay")).withQueryParam("key", equalTo("whole"))
                    .willReturn(okJson(answer("whole"))));
            server.stubFor(get(urlPathEqualTo("/replay")).withQueryParam("key", equalTo("partial"))
                    .willReturn(okJson(answer("partial"))));
            server.stubFor(get(urlPathEqualTo("/replay")).withQueryParam("key", equalTo("broken"))
                    .willReturn(aResponse().withStatus(500).withHeader("Content-Type", "application/json")
                            .withBody("{\"error\":\"outbox database down\"}")));
            return Map.of("seqaudit.replay.http.url", server.baseUrl()
                    + "/replay?topic={topic}&key={key}&producer={producer}&epoch={epoch}&from={fromSeq}&to={toSeq}");
        }

        /** The records of the lost range the key's source holds, and the seqs it lacks. */
        private static String answer(String key) {
            List<String> records = new ArrayList<>();
            List<String> missing = new ArrayList<>();
            for (long s = LOST_FROM; s <= LOST_TO; s++) {
                if ("partial".equals(key) && s == PARTIAL_LACKS) {
                    missing.add(String.valueOf(s));
                } else {
                    records.add("{\"seq\":" + s + ",\"valueBase64\":\"" + Base64.getEncoder().encodeToString(
                            ("v" + s).getBytes(StandardCharsets.UTF_8)) + "\"}");
                }
            }
            return "{\"records\":[" + String.join(",", records) + "],\"missing\":[" + String.join(",", missing) + "]}";
        }

        static int brokenCalls() {
            return server.countRequestsMatching(getRequestedFor(urlPathEqualTo("/replay"))
                    .withQueryParam("key", equalTo("broken")).build()).getCount();
        }

        @Override
        public void stop() {
            server.stop();
        }
    }

    @Test
    void repairedUnrecoverableAndFailedReplaysFromTheHttpCallback() {
        try (KafkaProducer<String, String> p = KafkaSupport.producer(null, Map.of())) {
            for (String key : List.of("whole", "partial", "broken")) {
                for (long s = 0; s < 12; s++) {
                    if (s < LOST_FROM || s > LOST_TO) {
                        p.send(Stamped.record(TOPIC, key, "shop", 1, s));
                    }
                }
            }
        }
        await().atMost(Duration.ofSeconds(90)).untilAsserted(() -> {
            Map<String, Map<String, Object>> byKey = replaysByKey();
            assertThat(byKey).containsOnlyKeys("whole", "partial", "broken");
            assertThat(byKey.get("whole").get("state")).isEqualTo("repaired");
            assertThat(byKey.get("partial").get("state")).isEqualTo("unrecoverable");
            assertThat(byKey.get("broken").get("state")).isEqualTo("failed");
        });
        Map<String, Map<String, Object>> byKey = replaysByKey();
        int lost = (int) (LOST_TO - LOST_FROM + 1);
        assertThat(byKey.get("whole").get("republished")).isEqualTo(lost);
        assertThat(byKey.get("partial").get("republished")).isEqualTo(lost - 1);
        assertThat(byKey.get("partial").get("missingInSource").toString()).isEqualTo("[" + PARTIAL_LACKS + "]");
        assertThat((String) byKey.get("broken").get("error")).contains("500");
        assertThat(Callback.brokenCalls()).isEqualTo(MAX_FETCHES * MAX_ATTEMPTS); // then no more

        // The gaps tell the story: 6..8 of "whole" repaired, seq 7 of "partial" unrecoverable, 6..8 of "broken" failed.
        List<Map<String, Object>> gaps = ServiceReads.allItems("/api/v1/gaps", TOPIC, null);
        Map<String, String> stateByKey = new HashMap<>();
        gaps.forEach(g -> stateByKey.put(g.get("key") + ":" + g.get("fromSeq") + "-" + g.get("toSeq"),
                (String) g.get("state")));
        String lostRange = LOST_FROM + "-" + LOST_TO;
        assertThat(stateByKey).containsExactlyInAnyOrderEntriesOf(Map.of("whole:" + lostRange, "repaired",
                "partial:" + PARTIAL_LACKS + "-" + PARTIAL_LACKS, "unrecoverable", "broken:" + lostRange, "failed"));

        String metrics = given().get("/q/metrics").then().statusCode(200).extract().asString();
        assertThat(ReplayJdbcTest.value(metrics, "seqaudit_replays_total{outcome=\"repaired\"")).isEqualTo(1);
        assertThat(ReplayJdbcTest.value(metrics, "seqaudit_replays_total{outcome=\"unrecoverable\"")).isEqualTo(1);
        assertThat(ReplayJdbcTest.value(metrics, "seqaudit_replays_total{outcome=\"failed\"")).isEqualTo(1);
        assertThat(ReplayJdbcTest.value(metrics, "seqaudit_unrecoverable_total{topic=\"" + TOPIC + "\""))
                .isEqualTo(1);
    }

    private static Map<String, Map<String, Object>> replaysByKey() {
        List<Map<String, Object>> all = asViewer().queryParam("topic", TOPIC).get("/api/v1/replays").then()
                .statusCode(200).extract().jsonPath().getList("items");
        Map<String, Map<String, Object>> out = new HashMap<>();
        all.forEach(r -> out.put((String) r.get("key"), r));
        return out;
    }
}
