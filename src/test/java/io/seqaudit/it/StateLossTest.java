package io.seqaudit.it;

import static io.restassured.RestAssured.given;
import static io.seqaudit.it.ApiAuth.asOperator;
import static io.seqaudit.it.ApiAuth.asViewer;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.path.json.JsonPath;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.RecordsToDelete;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Redis loses the audit state under a running auditor (FLUSHALL, a restart without persistence, one deleted
 * key): the topic is reported lost (metric, readiness data) and nothing is written or re-created, instead of
 * silently re-auditing from zero or reporting thousands of false losses. After the operator's re-audit the
 * findings equal what the log holds: exactly the injected losses and duplicates.
 */
@QuarkusTest
@TestProfile(StateLossTest.Profile.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class StateLossTest {

    static final String RUN = UUID.randomUUID().toString().substring(0, 8);
    static final String TOPIC = "stateloss-" + RUN;
    static final PrivateRedisServer REDIS = new PrivateRedisServer("stateloss");
    static final int KEYS = 40;
    static final int DUPLICATED_KEYS = 10;
    /** Everything sent so far: the log holds it all (no retention here). */
    static long sent;
    static int rounds;

    public static class Profile implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("seqaudit.topics", TOPIC, "seqaudit.grace", "1s",
                    "seqaudit.audit.group-id", "stateloss-" + RUN, "seqaudit.audit.retry-backoff", "200ms",
                    "seqaudit.state.timeout", "2s", "quarkus.redis.hosts", REDIS.url(),
                    "seqaudit.state.settings-check", "1s",
                    "kafka.bootstrap.servers", KafkaSupport.bootstrap());
        }

        @Override
        public List<TestResourceEntry> testResources() {
            return List.of(new TestResourceEntry(Servers.class));
        }
    }

    public static class Servers implements QuarkusTestResourceLifecycleManager {
        @Override
        public Map<String, String> start() {
            KafkaSupport.createTopic(TOPIC, 3);
            REDIS.start();
            return Map.of();
        }

        @Override
        public void stop() {
            REDIS.stop();
        }
    }

    @Test
    @Order(1)
    void flushAllStopsTheTopicUntilItIsReauditedAndThenFindingsEqualTheLog() {
        sendRound();
        awaitExactFindings();

        REDIS.cli("FLUSHALL");
        sendRound();

        awaitStateLost();
        await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(5)).until(() -> REDIS.dbSize() == 0);

        reaudit();
        awaitExactFindings();
    }

    @Test
    @Order(2)
    void aRestartWithoutPersistenceIsLostStateNotAFreshStart() {
        REDIS.restartEmpty();
        sendRound();

        awaitStateLost();
        await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(5)).until(() -> REDIS.dbSize() == 0);

        reaudit();
        awaitExactFindings();
    }

    @Test
    @Order(3)
    void oneDeletedKeyStopsTheTopicInsteadOfFalseLosses() {
        String streams = REDIS.cli("--scan", "--pattern", "*{" + TOPIC + "}:streams").get(0);
        long lostBefore = summary().getLong("lost");
        REDIS.cli("DEL", streams);
        sendRound();

        awaitStateLost();
        assertThat(summary().getLong("lost")).as("no false loss written").isEqualTo(lostBefore);

        reaudit();
        awaitExactFindings();
    }

    @Test
    @Order(4)
    void aRedisThatMayEvictStopsTheAuditUntilItIsSetBackAndNothingIsLost() {
        assertThat(metric("seqaudit_redis_persistent")).as("this Redis persists nothing").isZero();
        JsonPath before = summary();
        REDIS.cli("CONFIG", "SET", "maxmemory-policy", "allkeys-lru");
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            assertThat(metric("seqaudit_redis_evicting")).isEqualTo(1.0);
            assertThat(stateLostMetric()).isEqualTo(1.0);
            String state = given().get("/q/health/ready").then().extract().jsonPath()
                    .getString("checks[0].data.'state." + TOPIC + "'");
            assertThat(state).startsWith("lost: ").contains("maxmemory-policy is allkeys-lru");
        });
        sendRound();
        await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(
                summary().getLong("records.in_order")).as("nothing audited meanwhile")
                .isEqualTo(before.getLong("records.in_order")));

        REDIS.cli("CONFIG", "SET", "maxmemory-policy", "noeviction");
        awaitExactFindings();
        assertThat(metric("seqaudit_redis_evicting")).isZero();
    }

    /**
     * The case that used to forget confirmed losses silently: retention deleted the start of the log, then Redis
     * lost the state. The topic is reported lost; the re-audit starts where the log now starts (named in its
     * answer), takes every stream from there (joined late, no false loss for the deleted seqs) and finds exactly
     * the losses and duplicates of what the log still holds.
     */
    @Test
    @Order(5)
    void stateLostAfterRetentionMovedTheLogStartIsReauditedFromTheLogStartWithoutFalseLosses() throws Exception {
        Map<TopicPartition, RecordsToDelete> all = new HashMap<>();
        Map<Integer, Long> logStart = new HashMap<>();
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", KafkaSupport.bootstrap()))) {
            Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
            for (int p = 0; p < 3; p++) {
                latest.put(new TopicPartition(TOPIC, p), OffsetSpec.latest());
            }
            admin.listOffsets(latest).all().get().forEach((tp, info) -> {
                all.put(tp, RecordsToDelete.beforeOffset(info.offset()));
                logStart.put(tp.partition(), info.offset());
            });
            admin.deleteRecords(all).all().get(); // every record sent so far is gone, as retention would do
        }
        REDIS.cli("FLUSHALL");
        long sentBefore = sent;
        sendRound();
        long sentNow = sent - sentBefore;

        awaitStateLost();
        JsonPath r = asOperator().post("/api/v1/topics/" + TOPIC + "/reaudit").then().statusCode(202).extract()
                .jsonPath();
        assertThat(r.getString("note")).contains("retention");
        logStart.forEach((p, o) -> assertThat(r.getLong("fromOffsets.'" + p + "'")).as("partition %d", p)
                .isEqualTo(o));

        // Only the last round is in the log: its one lost seq per key and its duplicates, nothing before it.
        await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
            JsonPath s = summary();
            assertThat(s.getLong("records.in_order") + s.getLong("records.out_of_order")
                    + s.getLong("records.duplicate") + s.getLong("records.joined_late")).isEqualTo(sentNow);
            assertThat(s.getLong("lost")).isEqualTo(KEYS);
            assertThat(s.getLong("suspected")).isZero();
            assertThat(s.getLong("records.duplicate")).isEqualTo(DUPLICATED_KEYS);
            assertThat(stateLostMetric()).isZero();
        });
    }

    /**
     * Sends seqs [20r, 20r + 20) of every key (producer epoch 1), leaving out seq 20r + 5 (a loss once later
     * seqs arrive) and sending seq 20r + 7 twice for the first keys (duplicates).
     */
    private static void sendRound() {
        int from = 20 * rounds++;
        try (KafkaProducer<String, String> p = KafkaSupport.producer(null, Map.of())) {
            for (int s = from; s < from + 20; s++) {
                for (int k = 0; k < KEYS; k++) {
                    if (s == from + 5) {
                        continue;
                    }
                    p.send(Stamped.record(TOPIC, "k" + k, "loss", 1, s));
                    sent++;
                    if (s == from + 7 && k < DUPLICATED_KEYS) {
                        p.send(Stamped.record(TOPIC, "k" + k, "loss", 1, s));
                        sent++;
                    }
                }
            }
            p.flush();
        }
    }

    private static void awaitExactFindings() {
        long expectedSent = sent;
        long expectedLost = (long) rounds * KEYS;
        long expectedDuplicates = (long) rounds * DUPLICATED_KEYS;
        await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
            JsonPath s = summary();
            assertThat(s.getLong("records.in_order") + s.getLong("records.out_of_order")
                    + s.getLong("records.duplicate")).isEqualTo(expectedSent);
            assertThat(s.getLong("lost")).isEqualTo(expectedLost);
            assertThat(s.getLong("suspected")).isZero();
            assertThat(s.getLong("records.duplicate")).isEqualTo(expectedDuplicates);
            assertThat(stateLostMetric()).isZero();
        });
    }

    private static void awaitStateLost() {
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            assertThat(stateLostMetric()).isEqualTo(1.0);
            String state = given().get("/q/health/ready").then().statusCode(200).extract().jsonPath()
                    .getString("checks[0].data.'state." + TOPIC + "'");
            assertThat(state).startsWith("lost: ");
        });
    }

    private static void reaudit() {
        JsonPath r = asOperator().post("/api/v1/topics/" + TOPIC + "/reaudit").then().statusCode(202).extract()
                .jsonPath();
        assertThat(r.getString("generation")).isNotBlank();
        assertThat(r.getString("by")).isEqualTo("test-operator");
        assertThat(r.getMap("fromOffsets")).hasSize(3).allSatisfy((p, o) -> assertThat(o).isEqualTo(0));
    }

    private static JsonPath summary() {
        return asViewer().get("/api/v1/summary").then().statusCode(200).extract().jsonPath();
    }

    private static double metric(String name) {
        String m = given().get("/q/metrics").then().extract().asString();
        return m.lines().filter(l -> l.startsWith(name + " ") || l.startsWith(name + "{"))
                .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).sum();
    }

    private static double stateLostMetric() {
        String m = given().get("/q/metrics").then().extract().asString();
        return m.lines().filter(l -> l.startsWith("seqaudit_state_lost{") && l.contains("topic=\"" + TOPIC + "\""))
                .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).sum();
    }
}
