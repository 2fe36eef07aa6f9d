package io.seqaudit.it;

import io.seqaudit.demo.FaultPlan;
import io.seqaudit.demo.TrafficSender;

import static io.restassured.RestAssured.given;
import static io.seqaudit.it.ApiAuth.asViewer;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.path.json.JsonPath;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.junit.jupiter.api.Test;

/**
 * The audit loop end to end on the real broker and Redis: 50,500 records over 1,000 keys and the null key, sent
 * by a producer using the stamping interceptor, with losses, duplicates and late records injected at known
 * places; the API and the metrics must show exactly those, by key.
 */
@QuarkusTest
@TestProfile(AuditTestProfile.class)
class AuditEndToEndTest {

    private static final String T = AuditTestProfile.TOPIC;

    @Test
    void reportsExactlyTheInjectedLossesDuplicatesAndLateRecordsByKey() throws Exception {
        FaultPlan plan = new FaultPlan(T, AuditTestProfile.VOID, 1000, 50, 500, 0.004, 0.004, 0.003, 0.001, 7);
        Set<String> lost = expected(plan, FaultPlan.Fate.LOST);
        Set<String> beyond = expected(plan, FaultPlan.Fate.LATE_BEYOND);
        Set<String> duplicated = expected(plan, FaultPlan.Fate.DUPLICATED);
        assertThat(lost).hasSizeGreaterThan(100);
        assertThat(beyond).isNotEmpty();

        try (TrafficSender sender = new TrafficSender(plan, KafkaSupport.bootstrap(), "e2e-producer");
                KafkaProducer<String, String> plain = KafkaSupport.producer(null, Map.of())) {
            sender.sendAll(4);
            sender.sendUnstamped(plain, 25);

            // Records held beyond the grace window are first reported lost...
            Set<String> lostAndBeyond = new TreeSet<>(lost);
            lostAndBeyond.addAll(beyond);
            await().atMost(Duration.ofSeconds(90)).untilAsserted(() -> assertThat(gapSeqs("lost"))
                    .isEqualTo(lostAndBeyond));
            sender.sendHeldBeyondGrace();
        }

        // ...and leave the lost state when they arrive after all: only the real losses remain.
        await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
            assertThat(gapSeqs("lost")).isEqualTo(lost);
            assertThat(gapSeqs("suspected")).isEmpty();
        });
        JsonPath summary = asViewer().get("/api/v1/summary").then().statusCode(200).extract().jsonPath();
        assertThat(summary.getLong("records.duplicate")).isEqualTo(duplicated.size());
        assertThat(summary.getLong("records.unstamped")).isEqualTo(25);
        // Held keyed records arrive after a later seq of their key: late. A held null-key record may be read
        // before its successor when they sit on different partitions (then it is in order), and the null-key
        // stream's cross-partition reordering adds late records of its own: only a lower bound is exact.
        long keyedWithin = expected(plan, FaultPlan.Fate.LATE_WITHIN).stream().filter(s -> !s.startsWith("<null>"))
                .count();
        assertThat(summary.getLong("records.late")).isGreaterThanOrEqualTo(keyedWithin + beyond.size());
        assertThat(summary.getLong("lost")).isEqualTo(lost.size());
        assertThat(summary.getLong("lostTotal")).isEqualTo(lost.size() + beyond.size());
        assertThat(summary.getLong("lostFilled")).as("lost, then arrived").isEqualTo(beyond.size());
        assertThat(summary.getLong("suspected")).isZero();
        assertThat(duplicateSeqs()).isEqualTo(duplicated);

        // By key: the streams API names the same missing seqs for a key that lost records.
        String key = lost.stream().filter(s -> !s.startsWith("<null>")).findFirst().orElseThrow().split("#")[0];
        List<Map<String, Object>> streams = asViewer().queryParam("topic", T).queryParam("key", key)
                .get("/api/v1/streams").then().statusCode(200).extract().jsonPath().getList("$");
        assertThat(streams).hasSize(1);
        assertThat(((Number) streams.get(0).get("nextExpectedSeq")).longValue()).isEqualTo(plan.perKey());
        assertThat(missingOf(key, streams.get(0))).isEqualTo(filter(lost, key));

        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            String metrics = given().get("/q/metrics").then().statusCode(200).extract().asString();
            assertThat(metric(metrics, "seqaudit_records_total", "outcome=\"duplicate\"")).isEqualTo(duplicated.size());
            assertThat(metric(metrics, "seqaudit_records_total", "outcome=\"unstamped\"")).isEqualTo(25);
            assertThat(metric(metrics, "seqaudit_missing", "state=\"lost\"")).isEqualTo(lost.size());
            assertThat(metric(metrics, "seqaudit_missing", "state=\"suspected\"")).isZero();
            assertThat(metric(metrics, "seqaudit_lost_total", null)).isEqualTo(lost.size() + beyond.size());
            assertThat(metric(metrics, "seqaudit_lag_records", null)).isZero();
        });
    }

    /** "key#seq" for every seq of the plan with that fate; the null key is written {@code <null>}. */
    private static Set<String> expected(FaultPlan plan, FaultPlan.Fate fate) {
        Set<String> out = new TreeSet<>();
        for (String key : plan.allKeys()) {
            plan.seqs(key, fate).forEach(s -> out.add((key == null ? "<null>" : key) + "#" + s));
        }
        return out;
    }

    private static Set<String> gapSeqs(String state) {
        List<Map<String, Object>> gaps = ServiceReads.allItems("/api/v1/gaps", T, state);
        Set<String> out = new TreeSet<>();
        for (Map<String, Object> g : gaps) {
            String key = g.get("keyBase64") == null ? "<null>" : (String) g.get("key");
            for (long s = ((Number) g.get("fromSeq")).longValue(); s <= ((Number) g.get("toSeq")).longValue(); s++) {
                out.add(key + "#" + s);
            }
        }
        return out;
    }

    private static Set<String> duplicateSeqs() {
        List<Map<String, Object>> dups = ServiceReads.allItems("/api/v1/duplicates", T, null);
        Set<String> out = new HashSet<>();
        for (Map<String, Object> d : dups) {
            String key = d.get("keyBase64") == null ? "<null>" : (String) d.get("key");
            assertThat(d.get("offset")).isNotEqualTo(d.get("originalOffset"));
            out.add(key + "#" + d.get("seq"));
        }
        return new TreeSet<>(out);
    }

    @SuppressWarnings("unchecked")
    private static Set<String> missingOf(String key, Map<String, Object> stream) {
        Set<String> out = new TreeSet<>();
        for (Map<String, Object> r : (List<Map<String, Object>>) stream.get("missing")) {
            for (long s = ((Number) r.get("fromSeq")).longValue(); s <= ((Number) r.get("toSeq")).longValue(); s++) {
                out.add(key + "#" + s);
            }
        }
        return out;
    }

    private static Set<String> filter(Set<String> all, String key) {
        Set<String> out = new TreeSet<>();
        all.stream().filter(s -> s.startsWith(key + "#")).forEach(out::add);
        return out;
    }

    /** The value of the series of {@code name} for the test topic (and {@code label} if given). */
    /** The sum of the series of one metric of the topic with {@code label} (all of them if null). */
    static double metric(String text, String name, String label) {
        List<Double> values = text.lines().filter(l -> l.startsWith(name + "{") && l.contains("topic=\"" + T + "\""))
                .filter(l -> label == null || l.contains(label))
                .map(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).toList();
        if (values.isEmpty()) {
            throw new AssertionError("no series " + name + " " + label);
        }
        return values.stream().mapToDouble(Double::doubleValue).sum();
    }
}
