package io.seqaudit.it;

import static io.seqaudit.it.ApiAuth.asOperator;
import static io.seqaudit.it.ApiAuth.asViewer;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.notNullValue;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import java.util.HashMap;
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
        asViewer().get("/api/v1/replays").then().statusCode(200).body("size()", equalTo(0));
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

    @Test
    void validRequestWithoutASourceGets409AndNoReplay() {
        asOperator().contentType(ContentType.JSON).body(valid()).post("/api/v1/replays").then().statusCode(409)
                .body("error", notNullValue());
        asViewer().get("/api/v1/replays").then().statusCode(200).body("size()", equalTo(0));
    }

    @Test
    void unknownReplayGets404AndBadStateFilter400() {
        asViewer().get("/api/v1/replays/" + T + ".AAAAAAAAAAAAAAAAAAAAAAAAAAA.1-2").then().statusCode(404);
        asViewer().queryParam("state", "bogus").get("/api/v1/replays").then().statusCode(400)
                .body("field", equalTo("state"));
    }
}
