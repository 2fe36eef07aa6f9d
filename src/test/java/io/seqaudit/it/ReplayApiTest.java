package io.seqaudit.it;

import static io.seqaudit.it.ApiAuth.asOperator;
import static io.seqaudit.it.ApiAuth.asViewer;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.notNullValue;

import static org.assertj.core.api.Assertions.assertThat;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import io.seqaudit.replay.ReplayStore;
import io.seqaudit.state.StateStore;
import jakarta.inject.Inject;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

/**
 * The replay API's input checks: each bad field gets 400 naming it and writes nothing. The service has a replay
 * source (never reached), so a request that passed the checks would be stored: {@link
 * #validRequestIsStored} shows the "nothing written" checks can fail. Without a source: {@link
 * ReplayWithoutSourceTest}.
 */
@QuarkusTest
@TestProfile(ReplayApiTest.WithSource.class)
class ReplayApiTest {

    private static final String T = AuditTestProfile.TOPIC;
    /** The key of the one request that is meant to be stored; every other one must not be. */
    private static final String CONTROL_KEY = "control";
    private static final String NOT_CONTROL = "items.findAll { it.key != '" + CONTROL_KEY + "' }.size()";

    /** The shared test topic, its own state, and an HTTP replay source nobody serves, replayed by hand only. */
    public static class WithSource extends AuditTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            Map<String, String> m = new HashMap<>(super.getConfigOverrides());
            m.put("seqaudit.replay.source", "http");
            m.put("seqaudit.replay.http.url", "http://127.0.0.1:1/replay?from={fromSeq}&to={toSeq}");
            m.put("seqaudit.replay.transactional-id", "seqaudit-replayer-api-" + AuditTestProfile.RUN);
            // Its own state and group: the replays stored here must not show in the other tests of the topic.
            m.put("seqaudit.state.prefix", "seqaudit-test-api-" + AuditTestProfile.RUN);
            m.put("seqaudit.audit.group-id", "seqaudit-test-api-" + AuditTestProfile.RUN);
            return m;
        }
    }

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
        asViewer().get("/api/v1/replays").then().statusCode(200).body(NOT_CONTROL, equalTo(0));
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
        asViewer().get("/api/v1/replays").then().statusCode(200).body(NOT_CONTROL, equalTo(0));
    }

    @Test
    void validRequestIsStored() {
        Map<String, Object> body = valid();
        body.put("key", CONTROL_KEY);
        asOperator().contentType(ContentType.JSON).body(body).post("/api/v1/replays").then().statusCode(202);
        asViewer().get("/api/v1/replays").then().statusCode(200)
                .body("items.findAll { it.key == '" + CONTROL_KEY + "' }.size()", equalTo(1));
    }

    @Test
    void unknownReplayGets404AndBadStateFilter400() {
        asViewer().get("/api/v1/replays/" + T + ".AAAAAAAAAAAAAAAAAAAAAAAAAAA.1-2").then().statusCode(404);
        asViewer().queryParam("state", "bogus").get("/api/v1/replays").then().statusCode(400)
                .body("field", equalTo("state"));
    }
}
