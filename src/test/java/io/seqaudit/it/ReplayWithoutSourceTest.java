package io.seqaudit.it;

import static io.seqaudit.it.ApiAuth.asOperator;
import static org.hamcrest.Matchers.notNullValue;

import static io.seqaudit.it.ApiAuth.asViewer;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;

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
import org.junit.jupiter.api.Test;

/**
 * Without a configured source, a valid replay request gets 409 (losses are reported, never replayed). The resource
 * answers 409 before it writes anything, so there is nothing to look for afterwards. No replayer runs here, so
 * replays stored by hand stay as they are: the list's pages and the cancel rules are checked on them. Shares the
 * profile of {@link AuditEndToEndTest} (one service start for both).
 */
@QuarkusTest
@TestProfile(AuditTestProfile.class)
class ReplayWithoutSourceTest {

    @Test
    void validRequestWithoutASourceGets409() {
        asOperator().contentType(ContentType.JSON)
                .body(Map.of("topic", AuditTestProfile.TOPIC, "key", "order-1", "producer", "shop", "epoch", 1,
                        "fromSeq", 5, "toSeq", 9))
                .post("/api/v1/replays").then().statusCode(409).body("error", notNullValue());
    }

    private static final String T = AuditTestProfile.TOPIC;

    @Inject
    ReplayStore replays;
    @Inject
    StateStore store;

    private static Map<String, Object> valid() {
        return new HashMap<>(Map.of("topic", T, "key", "order-1", "producer", "shop", "epoch", 1, "fromSeq", 5,
                "toSeq", 9));
    }

    /** Replays written straight to the store (no source here, so no replayer touches them). */
    private ReplayView stored(int n, ReplayView.State state) {
        ReplayView r = new ReplayView(T + ".AAAAAAAAAAAAAAAAAAAAAAAAAAA." + n + "-" + n, T, "k" + n, null, "shop", 1,
                n, n, null, state, 1, 0, List.of(), null, 0, "test", "2026-01-01T00:00:00Z", "2026-01-01T00:00:00Z");
        replays.put(r);
        return r;
    }

    @Test
    void listPagesFollowNextAndCancelDeletesOnlyPendingOrFailed() {
        List<ReplayView.State> states = List.of(ReplayView.State.PENDING, ReplayView.State.FAILED,
                ReplayView.State.PUBLISHED, ReplayView.State.REPAIRED, ReplayView.State.UNRECOVERABLE);
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
                boolean cancellable = r.state() == ReplayView.State.PENDING || r.state() == ReplayView.State.FAILED;
                asViewer().delete("/api/v1/replays/" + r.id()).then().statusCode(403);
                asOperator().delete("/api/v1/replays/" + r.id()).then().statusCode(cancellable ? 204 : 409);
                asViewer().get("/api/v1/replays/" + r.id()).then().statusCode(cancellable ? 404 : 200);
            }
            long kept = all.stream().filter(r -> r.state() != ReplayView.State.PENDING
                    && r.state() != ReplayView.State.FAILED).count();
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
}
