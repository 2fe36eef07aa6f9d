package io.seqaudit.it;

import static io.seqaudit.it.ApiAuth.asViewer;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.path.json.JsonPath;
import io.seqaudit.api.GapView;
import io.seqaudit.api.Page;
import java.nio.charset.StandardCharsets;
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
 * order; following {@code next} gives each exactly once, also while gaps open and close between pages; a cursor the
 * API did not give, or a limit beyond {@link Page#MAX_LIMIT}, is a 400 naming it.
 */
@QuarkusTest
@TestProfile(FindingPagesTest.Profile.class)
class FindingPagesTest {

    static final String RUN = UUID.randomUUID().toString().substring(0, 8);
    static final String TOPIC = "pages-" + RUN;
    static final String CHURN = "pages-churn-" + RUN;
    static final int GAP_KEYS = 250;
    static final int DUPLICATE_KEYS = 30;

    public static class Profile implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            // Grace of an hour: the gaps stay suspected and open for the whole test.
            return AuditTestProfile.settings("pages-" + RUN, TOPIC + "," + CHURN, "1h");
        }

        @Override
        public List<TestResourceEntry> testResources() {
            return List.of(new TestResourceEntry(CreatedTopic.class, CreatedTopic.args(TOPIC, 3)),
                    new TestResourceEntry(CreatedTopic.class, CreatedTopic.args(CHURN, 3)));
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
        await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> assertThat(suspected(TOPIC)).isEqualTo(GAP_KEYS));

        int limit = 100;
        List<String> ids = new ArrayList<>();
        Set<String> keys = new HashSet<>();
        int pages = 0;
        String cursor = null;
        do {
            JsonPath page = page(TOPIC, "/api/v1/gaps", cursor, limit);
            List<Map<String, Object>> items = page.getList("items");
            assertThat(items).hasSizeLessThanOrEqualTo(limit);
            items.forEach(g -> {
                ids.add((String) g.get("id"));
                keys.add((String) g.get("key"));
                assertThat(((Number) g.get("fromSeq")).longValue()).isEqualTo(1);
                assertThat(g.get("state")).as("the state's lower-case tag").isEqualTo("suspected");
            });
            cursor = page.getString("next");
            pages++;
        } while (cursor != null);
        assertThat(ids).as("each gap once, in id order").doesNotHaveDuplicates().isSorted().hasSize(GAP_KEYS);
        assertThat(keys).hasSize(GAP_KEYS).allMatch(k -> k.startsWith("gap-"));
        assertThat(pages).isEqualTo((GAP_KEYS + limit - 1) / limit);
        assertThat(ServiceReads.allItems("/api/v1/gaps", TOPIC, "suspected")).as("filtered by state")
                .hasSize(GAP_KEYS);
        assertThat(ServiceReads.allItems("/api/v1/gaps", TOPIC, "lost")).isEmpty();

        JsonPath one = page(TOPIC, "/api/v1/gaps", null, 1);
        assertThat(one.getList("items")).hasSize(1);
        assertThat(one.getString("items[0].id")).isEqualTo(ids.get(0));
        assertThat(one.getString("next")).isNotNull();
        assertThat(page(TOPIC, "/api/v1/gaps", one.getString("next"), 1).getString("items[0].id"))
                .isEqualTo(ids.get(1));

        List<String> duplicates = new ArrayList<>();
        List<Instant> seen = new ArrayList<>();
        cursor = null;
        do {
            JsonPath page = page(TOPIC, "/api/v1/duplicates", cursor, 7);
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

    /**
     * Between two pages, gaps close (some already listed, some not yet) and new ones open: the rest of the walk
     * lists each gap still open that the first page had not reached exactly once, none of the closed ones, and of
     * the new ones exactly those whose id sorts after the cursor.
     */
    @Test
    void gapsOpenedOrClosedBetweenPagesNeitherRepeatNorShiftTheOthers() {
        int keys = 60;
        int opened = 20;
        int limit = 20;
        try (KafkaProducer<String, String> p = KafkaSupport.producer(null, Map.of())) {
            for (int k = 0; k < keys; k++) {
                p.send(Stamped.record(CHURN, "churn-" + k, "pages", 1, 0));
                p.send(Stamped.record(CHURN, "churn-" + k, "pages", 1, 2)); // seq 1 missing
            }
        }
        await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> assertThat(suspected(CHURN)).isEqualTo(keys));
        Map<String, String> keyOf = new java.util.TreeMap<>();
        ServiceReads.allItems("/api/v1/gaps", CHURN, null).forEach(g -> keyOf.put((String) g.get("id"),
                (String) g.get("key")));
        List<String> before = new ArrayList<>(keyOf.keySet());

        JsonPath first = page(CHURN, "/api/v1/gaps", null, limit);
        List<String> seen = first.getList("items.id", String.class);
        assertThat(seen).isEqualTo(before.subList(0, limit));
        String cursor = first.getString("next");

        // Close the first gap listed and every third gap not listed yet (their seq 1 arrives); open new gaps.
        Set<String> closed = new HashSet<>();
        closed.add(before.get(0));
        for (int i = limit; i < before.size(); i += 3) {
            closed.add(before.get(i));
        }
        try (KafkaProducer<String, String> p = KafkaSupport.producer(null, Map.of())) {
            closed.forEach(id -> p.send(Stamped.record(CHURN, keyOf.get(id), "pages", 1, 1)));
            for (int k = 0; k < opened; k++) {
                p.send(Stamped.record(CHURN, "churn-new-" + k, "pages", 1, 0));
                p.send(Stamped.record(CHURN, "churn-new-" + k, "pages", 1, 2));
            }
        }
        long open = keys - closed.size() + opened;
        await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> assertThat(suspected(CHURN)).isEqualTo(open));
        List<String> after = ServiceReads.allItems("/api/v1/gaps", CHURN, null).stream()
                .map(g -> (String) g.get("id")).toList();
        List<String> added = after.stream().filter(id -> !keyOf.containsKey(id)).toList();
        assertThat(added).hasSize(opened);

        List<String> rest = new ArrayList<>();
        do {
            JsonPath page = page(CHURN, "/api/v1/gaps", cursor, limit);
            rest.addAll(page.getList("items.id", String.class));
            cursor = page.getString("next");
        } while (cursor != null);

        String lastSeen = seen.get(seen.size() - 1);
        List<String> expected = new ArrayList<>(before.subList(limit, before.size()));
        expected.removeAll(closed);
        added.stream().filter(id -> id.compareTo(lastSeen) > 0).forEach(expected::add);
        expected.sort(null);
        assertThat(rest).as("the rest of the walk").isEqualTo(expected);
        assertThat(rest).doesNotContainAnyElementsOf(seen);
    }

    @Test
    void aLimitBeyondTheMaximumIsRefusedNamingIt() {
        for (String path : List.of("/api/v1/gaps", "/api/v1/duplicates")) {
            asViewer().queryParam("topic", TOPIC).queryParam("limit", Page.MAX_LIMIT + 1).get(path).then()
                    .statusCode(400).body("field", org.hamcrest.Matchers.equalTo("limit"));
            asViewer().queryParam("topic", TOPIC).queryParam("limit", Page.MAX_LIMIT).get(path).then()
                    .statusCode(200);
        }
    }

    @Test
    void aGapStateFilterTheApiDoesNotNameIsRefusedNamingItAndEveryOneItNamesIsAccepted() {
        for (String bad : List.of("gone", "LOST")) {
            asViewer().queryParam("topic", TOPIC).queryParam("state", bad).get("/api/v1/gaps").then()
                    .statusCode(400).body("field", org.hamcrest.Matchers.equalTo("state"))
                    .body("error", org.hamcrest.Matchers.containsString("suspected"));
        }
        for (GapView.State state : GapView.State.values()) {
            asViewer().queryParam("topic", TOPIC).queryParam("state", state.tag()).get("/api/v1/gaps").then()
                    .statusCode(200);
        }
    }

    @Test
    void aCursorTheApiDidNotGiveIsRefusedNamingIt() {
        // Not Base64; Base64 of a gap id of another topic (a next given for another list or topic).
        String elsewhere = java.util.Base64.getUrlEncoder().withoutPadding()
                .encodeToString((CHURN + ".AAAAAAAAAAAAAAAAAAAAAAAAAAA.1").getBytes(StandardCharsets.UTF_8));
        for (String cursor : List.of("not a cursor!", elsewhere)) {
            for (String path : List.of("/api/v1/gaps", "/api/v1/duplicates")) {
                asViewer().queryParam("topic", TOPIC).queryParam("cursor", cursor).get(path).then()
                        .statusCode(400).body("field", org.hamcrest.Matchers.equalTo("cursor"));
            }
        }
    }

    private static long suspected(String topic) {
        return ServiceReads.total(ServiceReads.topicSummary(topic), "suspected");
    }

    private static JsonPath page(String topic, String path, String cursor, int limit) {
        var req = asViewer().queryParam("topic", topic).queryParam("limit", limit);
        if (cursor != null) {
            req = req.queryParam("cursor", cursor);
        }
        return req.get(path).then().statusCode(200).extract().jsonPath();
    }
}
