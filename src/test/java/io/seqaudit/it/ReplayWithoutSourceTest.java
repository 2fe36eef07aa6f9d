package io.seqaudit.it;

import static io.seqaudit.it.ApiAuth.asOperator;
import static org.hamcrest.Matchers.notNullValue;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Without a configured source, a valid replay request gets 409 (losses are reported, never replayed). The resource
 * answers 409 before it writes anything, so there is nothing to look for afterwards. Shares the profile of
 * {@link AuditEndToEndTest} (one service start for both).
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
}
