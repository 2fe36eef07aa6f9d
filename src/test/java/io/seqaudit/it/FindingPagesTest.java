package io.seqaudit.it;

import static io.seqaudit.it.ApiAuth.asViewer;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.path.json.JsonPath;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.junit.jupiter.api.Test;

/**
 * The API reaches every finding (issue 11): gaps and duplicates come in pages ({@code {items, next}}) in a stable
 * order; following {@code next} gives each exactly once; a cursor the API did not give is a 400 naming it.
 */
@QuarkusTest
@TestProfile(FindingPagesTest.Profile.class)
class FindingPagesTest {

    static final String RUN = UUID.randomUUID().toString().substring(0, 8);
    static final String TOPIC = "pages-" + RUN;
    static final int GAP_KEYS = 250;
    static final int DUPLICATE_KEYS = 30;

    public static class Profile implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            // Grace of an hour: the gaps stay suspected and open for the whole test.
            return AuditTestProfile.settings("pages-" + RUN, TOPIC, "1h");
        }

        @Override
        public List<TestResourceEntry> testResources() {
            return List.of(new TestResourceEntry(CreatedTopic.class, CreatedTopic.args(TOPIC, 3)));
        }
    }

    @Test
    void gapsAndDuplicatesComeInPagesThatTogetherHoldEachFindingOnce() {
        try (KafkaProducer<String, String> p = KafkaSupport.producer(null, Map.of())) {
            for (int k = 0; k < GAP_KEYS; k++) {
                p.send(Stamped.record(TOPIC, "gap-" + k, "pages", 1, 0));
                p.send(Stamped.record(TOPIC, "gap-" + k, "pages", 1, 2)); // seq 1 missing
            }
            for (int k = 0; k < DUPLICATE_KEYS; k++) {
                p.send(Stamped.record(TOPIC, "dup-" + k, "pages", 1, 0));
                p.send(Stamped.record(TOPIC, "dup-" + k, "pages", 1, 0));
            }
        }
        await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> assertThat(asViewer().get("/api/v1/summary")
                .then().extract().jsonPath().getLong("suspected")).isEqualTo(GAP_KEYS));

        int limit = 100;
        List<String> ids = new ArrayList<>();
        Set<String> keys = new HashSet<>();
        int pages = 0;
        String cursor = null;
        do {
            JsonPath page = page("/api/v1/gaps", cursor, limit);
            List<Map<String, Object>> items = page.getList("items");
            assertThat(items).hasSizeLessThanOrEqualTo(limit);
            items.forEach(g -> {
                ids.add((String) g.get("id"));
                keys.add((String) g.get("key"));
                assertThat(((Number) g.get("fromSeq")).longValue()).isEqualTo(1);
            });
            cursor = page.getString("next");
            pages++;
        } while (cursor != null);
        assertThat(ids).as("each gap once, in id order").doesNotHaveDuplicates().isSorted().hasSize(GAP_KEYS);
        assertThat(keys).hasSize(GAP_KEYS).allMatch(k -> k.startsWith("gap-"));
        assertThat(pages).isEqualTo((GAP_KEYS + limit - 1) / limit);

        JsonPath one = page("/api/v1/gaps", null, 1);
        assertThat(one.getList("items")).hasSize(1);
        assertThat(one.getString("items[0].id")).isEqualTo(ids.get(0));
        assertThat(page("/api/v1/gaps", one.getString("next"), 1).getString("items[0].id")).isEqualTo(ids.get(1));

        List<String> duplicates = new ArrayList<>();
        List<Instant> seen = new ArrayList<>();
        cursor = null;
        do {
            JsonPath page = page("/api/v1/duplicates", cursor, 7);
            List<Map<String, Object>> items = page.getList("items");
            items.forEach(d -> {
                duplicates.add(d.get("key") + "#" + d.get("seq"));
                seen.add(Instant.parse((String) d.get("seenAt")));
            });
            cursor = page.getString("next");
        } while (cursor != null);
        assertThat(duplicates).doesNotHaveDuplicates().hasSize(DUPLICATE_KEYS);
        assertThat(seen).as("newest first").isSortedAccordingTo(java.util.Comparator.reverseOrder());
    }

    @Test
    void aCursorTheApiDidNotGiveIsRefusedNamingIt() {
        for (String path : List.of("/api/v1/gaps", "/api/v1/duplicates")) {
            asViewer().queryParam("topic", TOPIC).queryParam("cursor", "not a cursor!").get(path).then()
                    .statusCode(400).body("field", org.hamcrest.Matchers.equalTo("cursor"));
        }
    }

    private static JsonPath page(String path, String cursor, int limit) {
        var req = asViewer().queryParam("topic", TOPIC).queryParam("limit", limit);
        if (cursor != null) {
            req = req.queryParam("cursor", cursor);
        }
        return req.get(path).then().statusCode(200).extract().jsonPath();
    }
}
