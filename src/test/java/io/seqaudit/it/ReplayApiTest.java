package io.seqaudit.it;

import static io.seqaudit.it.ApiAuth.asOperator;
import static io.seqaudit.it.ApiAuth.asViewer;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.notNullValue;

import static org.assertj.core.api.Assertions.assertThat;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import io.seqaudit.api.Page;
import io.seqaudit.replay.ReplayStore;
import io.seqaudit.replay.ReplayView;
import io.seqaudit.state.StateStore;
import jakarta.inject.Inject;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

/**
 * The replay API's input checks: each bad field gets 400 naming it and writes nothing; a good request without a
 * configured source gets 409 (losses are reported, never replayed). The service runs without a replay source.
 */
@QuarkusTest
@TestProfile(AuditTestProfile.class)
class ReplayApiTest {

    private static final String T = AuditTestProfile.TOPIC;

    @Inject
    ReplayStore replays;
    @Inject
    StateStore store;

    private static Map<String, Object> valid() {
        Map<String, Object> b = new HashMap<>();
        b.put("topic", T);
        b.put("key", "order-1");
        b.put("producer", "shop");
        b.put("epoch", 1);
        b.put("fromSeq", 5);
        b.put("toSeq", 9);
        return b;
    }

    @ParameterizedTest(name = "{0} = {1}")
    @CsvSource(nullValues = "NULL", value = {
        "topic, NULL, topic", "topic, not-audited, topic",
        "key, NULL, key", "keyBase64, '%%%', key", "producer, NULL, producer", "producer, '', producer",
        "epoch, NULL, epoch", "epoch, -1, epoch", "fromSeq, NULL, fromSeq", "fromSeq, -3, fromSeq",
        "toSeq, NULL, toSeq", "toSeq, 4, toSeq", "toSeq, 10005, toSeq",
    })
    void badFieldGets400NamingItAndNoReplay(String field, String value, String named) {
        Map<String, Object> body = valid();
        if (value == null) {
            body.remove(field);
        } else if (field.equals("epoch") || field.endsWith("Seq")) {
            body.put(field, Long.parseLong(value));
        } else {
            body.put(field, value);
        }
        asOperator().contentType(ContentType.JSON).body(body).post("/api/v1/replays").then().statusCode(400)
                .body("field", equalTo(named)).body("error", notNullValue());
        asViewer().get("/api/v1/replays").then().statusCode(200).body("items.size()", equalTo(0));
    }

    @Test
    void keyAndKeyBase64TogetherGet400() {
        Map<String, Object> body = valid();
        body.put("keyBase64", "b3JkZXItMQ==");
        asOperator().contentType(ContentType.JSON).body(body).post("/api/v1/replays").then().statusCode(400)
                .body("field", equalTo("key"));
    }

    @Test
    void badGapIdsGet400NamingGapId() {
        for (Map<String, Object> body : new Map[] {Map.of("gapId", "nonsense"),
                Map.of("gapId", T + ".AAAAAAAAAAAAAAAAAAAAAAAAAAA.5"), Map.of("gapId", "x", "topic", T)}) {
            asOperator().contentType(ContentType.JSON).body(body).post("/api/v1/replays").then().statusCode(400)
                    .body("field", equalTo("gapId"));
        }
    }

    @Test
    void malformedJsonAndMissingBodyGet400() {
        asOperator().contentType(ContentType.JSON).body("{not json").post("/api/v1/replays").then().statusCode(400);
        asOperator().contentType(ContentType.JSON).post("/api/v1/replays").then().statusCode(400);
    }

    @ParameterizedTest(name = "{0} -> field {1}")
    @CsvSource(delimiter = '|', value = {
        "{not json | body", "[] | body", "'{\"topic\":\"t\",\"epoch\":\"abc\"}' | epoch",
        "'{\"topic\":\"t\",\"toSeq\":9223372036854775808}' | toSeq",
    })
    void unreadableBodyGets400NamingTheField(String body, String field) {
        asOperator().contentType(ContentType.JSON).body(body).post("/api/v1/replays").then().statusCode(400)
                .contentType(ContentType.JSON).body("field", equalTo(field)).body("error", notNullValue());
    }

    @Test
    void wholeSeqRangeGets400InsteadOfOverflowing() {
        Map<String, Object> body = valid();
        body.put("fromSeq", 0L);
        body.put("toSeq", Long.MAX_VALUE);
        asOperator().contentType(ContentType.JSON).body(body).post("/api/v1/replays").then().statusCode(400)
                .body("field", equalTo("toSeq"));
        asViewer().get("/api/v1/replays").then().statusCode(200).body("items.size()", equalTo(0));
    }

    @Test
    void validRequestWithoutASourceGets409AndNoReplay() {
        asOperator().contentType(ContentType.JSON).body(valid()).post("/api/v1/replays").then().statusCode(409)
                .body("error", notNullValue());
        asViewer().get("/api/v1/replays").then().statusCode(200).body("items.size()", equalTo(0));
    }

    /** Replays written straight to the store (no source here, so no replayer touches them). */
    private ReplayView stored(int n, String state) {
        ReplayView r = new ReplayView(T + ".AAAAAAAAAAAAAAAAAAAAAAAAAAA." + n + "-" + n, T, "k" + n, null, "shop", 1,
                n, n, null, state, 1, 0, List.of(), null, 0, "test", "2026-01-01T00:00:00Z", "2026-01-01T00:00:00Z");
        replays.put(r);
        return r;
    }

    @Test
    void listPagesFollowNextAndCancelDeletesOnlyPendingOrFailed() {
        List<String> states = List.of(ReplayView.PENDING, ReplayView.FAILED, ReplayView.PUBLISHED,
                ReplayView.REPAIRED, ReplayView.UNRECOVERABLE);
        List<ReplayView> all = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            all.add(stored(100 + i, states.get(i % states.size())));
        }
        try {
            List<String> seen = new ArrayList<>();
            String cursor = null;
            do {
                var req = asViewer().queryParam("limit", 3);
                if (cursor != null) {
                    req = req.queryParam("cursor", cursor);
                }
                JsonPath page = req.get("/api/v1/replays").then().statusCode(200).extract().jsonPath();
                seen.addAll(page.getList("items.id"));
                cursor = page.getString("next");
            } while (cursor != null);
            assertThat(seen).isEqualTo(all.stream().map(ReplayView::id).sorted().toList());
            asViewer().queryParam("limit", Page.MAX_LIMIT + 1).get("/api/v1/replays").then().statusCode(400)
                    .body("field", equalTo("limit"));

            for (ReplayView r : all) {
                boolean cancellable = r.state().equals(ReplayView.PENDING) || r.state().equals(ReplayView.FAILED);
                asViewer().delete("/api/v1/replays/" + r.id()).then().statusCode(403);
                asOperator().delete("/api/v1/replays/" + r.id()).then().statusCode(cancellable ? 204 : 409);
                asViewer().get("/api/v1/replays/" + r.id()).then().statusCode(cancellable ? 404 : 200);
            }
            long kept = all.stream().filter(r -> !r.state().equals(ReplayView.PENDING)
                    && !r.state().equals(ReplayView.FAILED)).count();
            asViewer().get("/api/v1/replays").then().body("items.size()", equalTo((int) kept));
            asOperator().delete("/api/v1/replays/" + all.get(0).id()).then().statusCode(404);
        } finally {
            all.forEach(r -> store.hashDeleteIfEquals(store.keys(T).replays(), r.id(),
                    store.hashGet(store.keys(T).replays(), r.id())));
        }
    }

    /** Each status the replay endpoints really answer here is one the OpenAPI document declares for them. */
    @Test
    void openApiDeclaresTheStatusesTheReplayEndpointsAnswer() {
        Map<String, Integer> observed = new java.util.LinkedHashMap<>();
        observed.put("post 400", asOperator().contentType(ContentType.JSON).body("[]").post("/api/v1/replays")
                .statusCode());
        observed.put("post 409", asOperator().contentType(ContentType.JSON).body(valid()).post("/api/v1/replays")
                .statusCode());
        observed.put("get 200", asViewer().get("/api/v1/replays").statusCode());
        observed.put("get 400", asViewer().queryParam("limit", 0).get("/api/v1/replays").statusCode());
        String unknown = "/api/v1/replays/" + T + ".AAAAAAAAAAAAAAAAAAAAAAAAAAA.1-2";
        observed.put("delete 404", asOperator().delete(unknown).statusCode());
        JsonPath doc = io.restassured.RestAssured.given().queryParam("format", "json").get("/q/openapi").then()
                .statusCode(200).extract().jsonPath();
        observed.forEach((what, status) -> {
            String method = what.split(" ")[0];
            String path = method.equals("delete") ? "/api/v1/replays/{id}" : "/api/v1/replays";
            Map<String, Object> responses = doc.getMap("paths.'" + path + "'." + method + ".responses");
            assertThat(responses).as(what).containsKey(String.valueOf(status));
            assertThat(status).as(what).isEqualTo(Integer.parseInt(what.split(" ")[1]));
        });
    }

    @Test
    void unknownReplayGets404AndBadStateFilter400() {
        asViewer().get("/api/v1/replays/" + T + ".AAAAAAAAAAAAAAAAAAAAAAAAAAA.1-2").then().statusCode(404);
        asViewer().queryParam("state", "bogus").get("/api/v1/replays").then().statusCode(400)
                .body("field", equalTo("state"));
    }
}
