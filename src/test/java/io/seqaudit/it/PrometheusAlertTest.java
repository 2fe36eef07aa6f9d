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
import io.seqaudit.demo.FaultPlan;
import io.seqaudit.demo.TrafficSender;
import java.net.URI;
import java.net.URLEncoder;
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
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * The shipped alert rules against a real Prometheus (Debian's package, started by deploy/local/prometheus.sh on
 * loopback, scraping this test's service and evaluating deploy/prometheus/seqaudit-rules.yml every second): the
 * loss alert fires for the topic of losses injected by the demo's generator, with their count, stays firing while
 * any of them is unrepaired (a partial repair is not enough), and resolves once replays from the source of truth
 * repaired them all. The promtool unit tests (deploy/prometheus/tests) check the rules' edges; this checks that the
 * service's real metrics, scraped by a real Prometheus, drive them.
 */
@QuarkusTest
@TestProfile(PrometheusAlertTest.Profile.class)
class PrometheusAlertTest {

    static final String RUN = UUID.randomUUID().toString().substring(0, 8);
    static final String TOPIC = "prom-" + RUN;
    static final String VOID = "prom-void-" + RUN;
    /**
     * The demo's generator: 12 keys of 20 records, about 5 % of them stamped and never sent (no other fault, so a
     * gap is a loss and nothing else). The plan is a pure function of key and seq: the test knows every lost seq.
     */
    static final FaultPlan PLAN = new FaultPlan(TOPIC, VOID, 12, 20, 0, 0.05, 0, 0, 0, 7);
    /** Where deploy/local/prometheus.sh listens: a free port of this test run. */
    static final String PORT = String.valueOf(freePort());
    /** The script's environment: a port of this test's own, so another Prometheus on the machine is no obstacle. */
    static final Map<String, String> ENV = Map.of("SEQAUDIT_PROMETHEUS_PORT", PORT);
    static final String ALERT = "SeqauditMessagesLost";
    static final ObjectMapper JSON = new ObjectMapper();
    static final HttpClient HTTP = HttpClient.newHttpClient();

    /** The service under test: grace and replay pace in seconds, so the whole story fits in well under a minute. */
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
            // One replay per gap, asked for in a burst: the default limit (burst 10) could answer 429.
            m.put("seqaudit.api.replay-rate", "1000");
            m.put("seqaudit.api.replay-burst", "1000");
            m.put("kafka.bootstrap.servers", KafkaSupport.bootstrap());
            return m;
        }

        @Override
        public List<TestResourceEntry> testResources() {
            return List.of(new TestResourceEntry(Source.class));
        }
    }

    /**
     * The source of truth behind the replay callback: a WireMock stub per key and lost range the plan injected,
     * answering that range's records (the generator's value, {@code value-<seq>}); a request for anything else
     * matches no stub and gets WireMock's 404.
     */
    public static class Source implements QuarkusTestResourceLifecycleManager {
        static WireMockServer server;

        @Override
        public Map<String, String> start() {
            KafkaSupport.createTopic(TOPIC, 1);
            KafkaSupport.createTopic(VOID, 1);
            server = new WireMockServer(options().bindAddress("127.0.0.1").dynamicPort());
            server.start();
            for (LostRange lost : lostRanges()) {
                server.stubFor(get(urlPathEqualTo("/replay")).withQueryParam("key", equalTo(lost.key()))
                        .withQueryParam("from", equalTo(Long.toString(lost.from())))
                        .withQueryParam("to", equalTo(Long.toString(lost.to())))
                        .willReturn(okJson(answer(lost))));
            }
            return Map.of("seqaudit.replay.http.url", server.baseUrl()
                    + "/replay?topic={topic}&key={key}&producer={producer}&epoch={epoch}&from={fromSeq}&to={toSeq}");
        }

        @Override
        public void stop() {
            server.stop();
        }

        /** The callback's answer for one lost range: every seq of it, none missing. */
        private static String answer(LostRange lost) {
            List<String> records = new ArrayList<>();
            for (long s = lost.from(); s <= lost.to(); s++) {
                records.add("{\"seq\":" + s + ",\"valueBase64\":\"" + Base64.getEncoder()
                        .encodeToString(("value-" + s).getBytes(StandardCharsets.UTF_8)) + "\"}");
            }
            return "{\"records\":[" + String.join(",", records) + "],\"missing\":[]}";
        }
    }

    /** A run of consecutive lost seqs of one key: one gap, one replay. */
    record LostRange(String key, long from, long to) {
    }

    @AfterAll
    static void stopPrometheus() {
        LocalScript.tryRun(ENV, "prometheus.sh", "stop");
    }

    @Test
    void theLossAlertFiresStaysFiringUntilEveryLostSeqIsRepairedThenResolves() throws Exception {
        long lost = PLAN.total(FaultPlan.Fate.LOST);
        List<LostRange> gaps = lostRanges();
        assertThat(gaps).as("the plan loses seqs in at least two places (to repair one first)").hasSizeGreaterThan(1);

        LocalScript.run(ENV, "prometheus.sh", "start", "127.0.0.1:" + RestAssured.port);
        // Before the loss: Prometheus scrapes the service and evaluates the rule, and the alert is quiet; so its
        // firing below is caused by the loss, not by a leftover or a broken scrape.
        await().atMost(Duration.ofSeconds(30)).ignoreExceptions().untilAsserted(() -> {
            assertThat(query("up{job=\"seqaudit\"}")).as("the service is scraped").isEqualTo(1.0);
            assertThat(ruleHealth()).as("the loss rule is evaluated").isEqualTo("ok");
        });
        assertThat(lossAlert()).isNull();

        try (TrafficSender sender = new TrafficSender(PLAN, KafkaSupport.bootstrap(), "prom-producer-" + RUN)) {
            sender.sendAll(2);
        }

        await().atMost(Duration.ofSeconds(30)).ignoreExceptions().untilAsserted(() -> {
            JsonNode alert = lossAlert();
            assertThat(alert).as(ALERT + " for " + TOPIC).isNotNull();
            assertThat(alert.path("state").asText()).isEqualTo("firing");
            assertThat(alert.path("labels").path("severity").asText()).isEqualTo("critical");
            assertThat(alert.path("value").asDouble()).as("seqs lost").isEqualTo(lost);
            assertThat(alert.path("annotations").path("description").asText())
                    .startsWith(lost + " seqs of topic " + TOPIC + " are confirmed lost");
        });
        // Unrepaired, it keeps firing: ten evaluations, five times the grace (the old rule resolved itself once
        // no new loss had been confirmed for 5 minutes).
        await().during(Duration.ofSeconds(10)).atMost(Duration.ofSeconds(15)).ignoreExceptions()
                .untilAsserted(() -> assertThat(lossAlert().path("state").asText()).isEqualTo("firing"));

        List<Map<String, Object>> found = ServiceReads.allItems("/api/v1/gaps", TOPIC, "lost");
        List<String> ids = found.stream().map(g -> (String) g.get("id")).toList();
        assertThat(ids).hasSameSizeAs(gaps);

        // Repair all gaps but one: the alert goes on firing, for the seqs of that one gap.
        int l = ids.size() - 1;
        String last = ids.get(l);
        long stillLost = ((Number) found.get(l).get("toSeq")).longValue()
                - ((Number) found.get(l).get("fromSeq")).longValue() + 1;
        ids.subList(0, ids.size() - 1).forEach(PrometheusAlertTest::replay);
        await().atMost(Duration.ofSeconds(30)).ignoreExceptions().untilAsserted(() -> {
            assertThat(lostInSummary()).isEqualTo(stillLost);
            JsonNode alert = lossAlert();
            assertThat(alert.path("state").asText()).isEqualTo("firing");
            assertThat(alert.path("value").asDouble()).as("seqs still lost").isEqualTo(stillLost);
        });

        replay(last);
        await().atMost(Duration.ofSeconds(30)).ignoreExceptions().untilAsserted(() -> {
            assertThat(lostInSummary()).isZero();
            assertThat(lossAlert()).as("resolved once every loss is repaired").isNull();
        });
    }

    /** The lost seq ranges the plan injected: runs of consecutive lost seqs of one key (one gap each). */
    static List<LostRange> lostRanges() {
        List<LostRange> out = new ArrayList<>();
        for (String key : PLAN.allKeys()) {
            Long from = null;
            long to = -1;
            for (long s : PLAN.seqs(key, FaultPlan.Fate.LOST)) {
                if (from != null && to == s - 1) {
                    to = s;
                    continue;
                }
                if (from != null) {
                    out.add(new LostRange(key, from, to));
                }
                from = s;
                to = s;
            }
            if (from != null) {
                out.add(new LostRange(key, from, to));
            }
        }
        return out;
    }

    private static void replay(String gapId) {
        asOperator().contentType("application/json").body(Map.of("gapId", gapId)).post("/api/v1/replays").then()
                .statusCode(202);
    }

    private static long lostInSummary() {
        return asViewer().get("/api/v1/summary").then().statusCode(200).extract().jsonPath().getLong("lost");
    }

    /** The active SeqauditMessagesLost alert of the topic in Prometheus, or null. */
    private static JsonNode lossAlert() throws Exception {
        for (JsonNode a : prometheus("/api/v1/alerts").path("data").path("alerts")) {
            if (ALERT.equals(a.path("labels").path("alertname").asText())
                    && TOPIC.equals(a.path("labels").path("topic").asText())) {
                return a;
            }
        }
        return null;
    }

    /** The health Prometheus reports for the loss rule ("ok" once evaluated without error), or null. */
    private static String ruleHealth() throws Exception {
        for (JsonNode g : prometheus("/api/v1/rules?type=alert").path("data").path("groups")) {
            for (JsonNode r : g.path("rules")) {
                if (ALERT.equals(r.path("name").asText())) {
                    return r.path("health").asText();
                }
            }
        }
        return null;
    }

    /** The value of an instant query that returns one series. */
    private static double query(String promql) throws Exception {
        JsonNode result = prometheus("/api/v1/query?query=" + URLEncoder.encode(promql, StandardCharsets.UTF_8))
                .path("data").path("result");
        assertThat(result).hasSize(1);
        return result.get(0).path("value").get(1).asDouble();
    }

    private static JsonNode prometheus(String pathAndQuery) throws Exception {
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + PORT
                + pathAndQuery)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(pathAndQuery).isEqualTo(200);
        return JSON.readTree(r.body());
    }

    private static int freePort() {
        try (java.net.ServerSocket s = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
