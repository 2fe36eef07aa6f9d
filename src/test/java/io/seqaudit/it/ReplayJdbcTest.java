package io.seqaudit.it;

import static io.restassured.RestAssured.given;
import static io.seqaudit.it.ApiAuth.asOperator;
import static io.seqaudit.it.ApiAuth.asViewer;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * Losses on several keys, automatic replay on, the outbox table in the real PostgreSQL holding every record:
 * every gap ends repaired, the topic holds every seq exactly once, and the metrics agree.
 */
@QuarkusTest
@TestProfile(ReplayJdbcTest.Profile.class)
class ReplayJdbcTest {

    static final String RUN = UUID.randomUUID().toString().substring(0, 8);
    static final String TOPIC = "replay-jdbc-" + RUN;
    static final String TABLE = "outbox_" + RUN.replace('-', '_');
    static final String DB = "jdbc:postgresql://127.0.0.1:5432/seqaudit";
    static final int KEYS = 8;
    static final int PER_KEY = 30;
    static final Set<Long> LOST = Set.of(3L, 10L, 11L);

    /** Automatic replay from the outbox table. */
    public static class Profile implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            Map<String, String> m = new HashMap<>();
            m.put("seqaudit.topics", TOPIC);
            m.put("seqaudit.grace", "1s");
            m.put("seqaudit.audit.group-id", "replay-" + RUN);
            m.put("seqaudit.state.prefix", "seqaudit-replay-" + RUN);
            m.put("seqaudit.replay.source", "jdbc");
            m.put("seqaudit.replay.auto", "true");
            m.put("seqaudit.replay.auto-rate", "100");
            m.put("seqaudit.replay.interval", "1s");
            m.put("seqaudit.replay.transactional-id", "seqaudit-replayer-" + RUN);
            m.put("seqaudit.replay.jdbc.url", DB);
            m.put("seqaudit.replay.jdbc.username", "postgres");
            m.put("seqaudit.replay.jdbc.table", TABLE);
            m.put("seqaudit.replay.jdbc.migrate", "true");
            m.put("kafka.bootstrap.servers", KafkaSupport.bootstrap());
            return m;
        }

        @Override
        public List<TestResourceEntry> testResources() {
            return List.of(new TestResourceEntry(CreatedTopic.class, CreatedTopic.args(TOPIC, 3)));
        }
    }

    @AfterAll
    static void dropTable() throws SQLException {
        try (Connection c = connect()) {
            c.createStatement().execute("DROP TABLE IF EXISTS " + TABLE);
        }
    }

    @Test
    void everyLostRangeIsReplayedFromTheOutboxAndEndsRepaired() throws Exception {
        await().atMost(Duration.ofSeconds(30)).ignoreExceptions().until(() -> tableExists());
        try (Connection c = connect(); PreparedStatement insert = c.prepareStatement("INSERT INTO " + TABLE
                + " (topic, record_key, producer, epoch, seq, payload) VALUES (?, ?, 'shop', 1, ?, ?)")) {
            for (int k = 0; k < KEYS; k++) {
                for (long s = 0; s < PER_KEY; s++) {
                    insert.setString(1, TOPIC);
                    insert.setBytes(2, ("k" + k).getBytes(StandardCharsets.UTF_8));
                    insert.setLong(3, s);
                    insert.setBytes(4, ("v" + s).getBytes(StandardCharsets.UTF_8));
                    insert.addBatch();
                }
            }
            insert.executeBatch();
        }
        try (KafkaProducer<String, String> p = KafkaSupport.producer(null, Map.of())) {
            for (long s = 0; s < PER_KEY; s++) {
                for (int k = 0; k < KEYS; k++) {
                    if (!LOST.contains(s)) {
                        p.send(Stamped.record(TOPIC, "k" + k, "shop", 1, s));
                    }
                }
            }
        }

        int replays = KEYS * 2; // per key: seq 3, and seqs 10..11
        await().atMost(Duration.ofSeconds(90)).untilAsserted(() -> {
            List<Map<String, Object>> all = asViewer().queryParam("topic", TOPIC).get("/api/v1/replays").then()
                    .statusCode(200).extract().jsonPath().getList("items");
            assertThat(all).hasSize(replays);
            assertThat(all).allSatisfy(r -> assertThat(r.get("state")).isEqualTo("repaired"));
        });
        JsonPath summary = asViewer().get("/api/v1/summary").then().statusCode(200).extract().jsonPath();
        assertThat(summary.getLong("lost")).isZero();
        assertThat(summary.getLong("suspected")).isZero();
        assertThat(summary.getLong("records.replayed")).isEqualTo((long) KEYS * LOST.size());
        assertThat(summary.getLong("records.duplicate")).isZero();
        List<Object> gapStates = ServiceReads.allItems("/api/v1/gaps", TOPIC, null).stream()
                .map(g -> g.get("state")).toList();
        assertThat(gapStates).hasSize(replays).containsOnly("repaired");

        // Asking again for a replayed range returns the same replay and publishes nothing.
        Map<String, Object> first = asViewer().queryParam("topic", TOPIC).get("/api/v1/replays").then().extract()
                .jsonPath().getMap("items[0]");
        asOperator().contentType(ContentType.JSON).body(Map.of("topic", TOPIC, "key", first.get("key"), "producer", "shop",
                "epoch", 1, "fromSeq", first.get("fromSeq"), "toSeq", first.get("toSeq")))
                .post("/api/v1/replays").then().statusCode(202)
                .body("id", org.hamcrest.Matchers.equalTo(first.get("id")))
                .body("state", org.hamcrest.Matchers.equalTo("repaired"));

        assertThat(countPerKeyAndSeq()).allSatisfy((ks, n) -> assertThat(n).as(ks).isEqualTo(1));
        assertThat(countPerKeyAndSeq()).hasSize(KEYS * PER_KEY);

        String metrics = given().get("/q/metrics").then().statusCode(200).extract().asString();
        assertThat(value(metrics, "seqaudit_replays_total{outcome=\"repaired\"")).isEqualTo(replays);
        assertThat(value(metrics, "seqaudit_repaired_total{topic=\"" + TOPIC + "\"")).isEqualTo(KEYS * LOST.size());

        // The original of a replayed seq arriving after all is superseded, not a business duplicate; a replayed
        // record for a seq already present is redundant.
        try (KafkaProducer<String, String> p = KafkaSupport.producer(null, Map.of())) {
            p.send(Stamped.record(TOPIC, "k0", "shop", 1, 3));
            var redundant = Stamped.record(TOPIC, "k0", "shop", 1, 4);
            redundant.headers().add("seqaudit-replay", "by-hand".getBytes(StandardCharsets.UTF_8));
            p.send(redundant);
        }
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            JsonPath after = asViewer().get("/api/v1/summary").then().statusCode(200).extract().jsonPath();
            assertThat(after.getLong("records.replay_superseded")).isEqualTo(1);
            assertThat(after.getLong("records.replay_redundant")).isEqualTo(1);
            assertThat(after.getLong("records.duplicate")).isZero();
        });
    }

    /** Reads the whole topic (committed records only) and counts each (key, seq). */
    static Map<String, Integer> countPerKeyAndSeq() {
        Properties p = new Properties();
        p.put("bootstrap.servers", KafkaSupport.bootstrap());
        p.put("group.id", "count-" + UUID.randomUUID());
        p.put("auto.offset.reset", "earliest");
        p.put("isolation.level", "read_committed");
        Map<String, Integer> out = new HashMap<>();
        try (KafkaConsumer<String, String> c = new KafkaConsumer<>(p, new StringDeserializer(),
                new StringDeserializer())) {
            c.subscribe(List.of(TOPIC));
            long idle = 0;
            while (idle < 3) {
                var records = c.poll(Duration.ofSeconds(1));
                idle = records.isEmpty() ? idle + 1 : 0;
                for (ConsumerRecord<String, String> r : records) {
                    String seq = new String(r.headers().lastHeader("seqaudit-seq").value(), StandardCharsets.UTF_8);
                    out.merge(r.key() + "#" + seq, 1, Integer::sum);
                }
            }
        }
        return out;
    }

    static double value(String metrics, String prefix) {
        return metrics.lines().filter(l -> l.startsWith(prefix)).mapToDouble(
                l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).sum();
    }

    private static boolean tableExists() throws SQLException {
        try (Connection c = connect()) {
            return c.getMetaData().getTables(null, null, TABLE, null).next();
        }
    }

    private static Connection connect() throws SQLException {
        Properties p = new Properties();
        p.put("user", "postgres");
        return new org.postgresql.Driver().connect(DB, p);
    }
}
