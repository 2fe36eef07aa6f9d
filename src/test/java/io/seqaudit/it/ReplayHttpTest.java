package io.seqaudit.it;

import static io.restassured.RestAssured.given;
import static io.seqaudit.it.ApiAuth.asViewer;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.sun.net.httpserver.HttpServer;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.junit.jupiter.api.Test;

/**
 * Automatic replay from the application's HTTP callback (a real HTTP server in the test): a range the callback
 * holds ends repaired, a seq it does not have ends unrecoverable, and a callback that keeps failing ends failed
 * with its error shown; the gaps show those states.
 */
@QuarkusTest
@TestProfile(ReplayHttpTest.Profile.class)
class ReplayHttpTest {

    static final String RUN = UUID.randomUUID().toString().substring(0, 8);
    static final String TOPIC = "replay-http-" + RUN;
    static final AtomicInteger BROKEN_CALLS = new AtomicInteger();

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
            m.put("seqaudit.replay.interval", "200ms");
            m.put("seqaudit.replay.max-fetches", "2");
            m.put("seqaudit.replay.transactional-id", "seqaudit-replayer-http-" + RUN);
            m.put("seqaudit.replay.http.max-attempts", "2");
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
     * The application's callback: every seq of every key, except seq 7 of {@code partial}; {@code broken} always
     * answers 500.
     */
    public static class Callback implements QuarkusTestResourceLifecycleManager {
        private HttpServer server;

        @Override
        public Map<String, String> start() {
            KafkaSupport.createTopic(TOPIC, 3);
            try {
                server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
            server.createContext("/replay", exchange -> {
                Map<String, String> q = new HashMap<>();
                for (String kv : exchange.getRequestURI().getRawQuery().split("&")) {
                    String[] p = kv.split("=", 2);
                    q.put(p[0], URLDecoder.decode(p[1], StandardCharsets.UTF_8));
                }
                String key = q.get("key");
                byte[] body;
                int status = 200;
                if ("broken".equals(key)) {
                    BROKEN_CALLS.incrementAndGet();
                    status = 500;
                    body = "{\"error\":\"outbox database down\"}".getBytes(StandardCharsets.UTF_8);
                } else {
                    List<String> records = new ArrayList<>();
                    List<String> missing = new ArrayList<>();
                    for (long s = Long.parseLong(q.get("from")); s <= Long.parseLong(q.get("to")); s++) {
                        if ("partial".equals(key) && s == 7) {
                            missing.add(String.valueOf(s));
                        } else {
                            records.add("{\"seq\":" + s + ",\"valueBase64\":\"" + Base64.getEncoder().encodeToString(
                                    ("v" + s).getBytes(StandardCharsets.UTF_8)) + "\"}");
                        }
                    }
                    body = ("{\"records\":[" + String.join(",", records) + "],\"missing\":["
                            + String.join(",", missing) + "]}").getBytes(StandardCharsets.UTF_8);
                }
                exchange.getResponseHeaders().add("Content-Type", "application/json");
                exchange.sendResponseHeaders(status, body.length);
                try (OutputStream out = exchange.getResponseBody()) {
                    out.write(body);
                }
            });
            server.start();
            return Map.of("seqaudit.replay.http.url", "http://127.0.0.1:" + server.getAddress().getPort()
                    + "/replay?topic={topic}&key={key}&producer={producer}&epoch={epoch}&from={fromSeq}&to={toSeq}");
        }

        @Override
        public void stop() {
            server.stop(0);
        }
    }

    @Test
    void repairedUnrecoverableAndFailedReplaysFromTheHttpCallback() {
        try (KafkaProducer<String, String> p = KafkaSupport.producer(null, Map.of())) {
            for (String key : List.of("whole", "partial", "broken")) {
                for (long s = 0; s < 12; s++) {
                    if (s < 6 || s > 8) { // seqs 6..8 are lost on every key
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
        assertThat(byKey.get("whole").get("republished")).isEqualTo(3);
        assertThat(byKey.get("partial").get("republished")).isEqualTo(2);
        assertThat(byKey.get("partial").get("missingInSource").toString()).isEqualTo("[7]");
        assertThat((String) byKey.get("broken").get("error")).contains("500");
        assertThat(BROKEN_CALLS.get()).isEqualTo(4); // 2 fetches x 2 attempts, then no more

        // The gaps tell the story: 6..8 of "whole" repaired, seq 7 of "partial" unrecoverable, 6..8 of "broken" failed.
        List<Map<String, Object>> gaps = asViewer().queryParam("topic", TOPIC).get("/api/v1/gaps").then()
                .statusCode(200).extract().jsonPath().getList("items");
        Map<String, String> stateByKey = new HashMap<>();
        gaps.forEach(g -> stateByKey.put(g.get("key") + ":" + g.get("fromSeq") + "-" + g.get("toSeq"),
                (String) g.get("state")));
        assertThat(stateByKey).containsExactlyInAnyOrderEntriesOf(
                Map.of("whole:6-8", "repaired", "partial:7-7", "unrecoverable", "broken:6-8", "failed"));

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
