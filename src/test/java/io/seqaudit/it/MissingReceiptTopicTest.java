package io.seqaudit.it;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.RestAssured;
import io.restassured.path.json.JsonPath;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.admin.Admin;
import org.junit.jupiter.api.Test;

/**
 * A receipt topic that does not exist (issue 13): the auditor says so (readiness data naming it,
 * {@code seqaudit_receipt_topic_present} 0), keeps auditing, and never creates it.
 */
@QuarkusTest
@TestProfile(MissingReceiptTopicTest.Profile.class)
class MissingReceiptTopicTest {

    static final String RUN = UUID.randomUUID().toString().substring(0, 8);
    static final String TOPIC = "nrt-audited-" + RUN;
    static final String RECEIPTS = "nrt-receipts-" + RUN;

    public static class Profile implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            Map<String, String> m = new HashMap<>(AuditTestProfile.settings("nrt-" + RUN, TOPIC, "1s"));
            m.put("seqaudit.consumers", "app-" + RUN);
            m.put("seqaudit.audit.receipt-topic", RECEIPTS);
            return m;
        }

        @Override
        public List<TestResourceEntry> testResources() {
            return List.of(new TestResourceEntry(CreatedTopic.class, CreatedTopic.args(TOPIC, 1)));
        }
    }

    @Test
    void aMissingReceiptTopicIsReportedNeverCreatedAndTheAuditGoesOn() throws Exception {
        try (var p = KafkaSupport.producer(null, Map.of())) {
            p.send(Stamped.record(TOPIC, "k", "nrt", 0, 0));
        }
        await().atMost(Duration.ofSeconds(30)).ignoreExceptions().untilAsserted(() -> {
            JsonPath ready = given().get("/q/health/ready").then().statusCode(200).extract().jsonPath();
            assertThat(ready.getString("checks[0].data.receipts")).startsWith(RECEIPTS + ": missing");
            assertThat(ready.getString("checks[0].data.auditor")).isEqualTo("running");
            assertThat(ServiceReads.stream(TOPIC, "k").getLong("[0].highestSeq")).isZero(); // the audit goes on
        });
        String metrics = RestAssured.given().get("/q/metrics").then().extract().asString();
        assertThat(metrics.lines().filter(l -> l.startsWith("seqaudit_receipt_topic_present")))
                .singleElement().satisfies(l -> assertThat(l).endsWith(" 0.0"));
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", KafkaSupport.bootstrap()))) {
            assertThat(admin.listTopics().names().get()).doesNotContain(RECEIPTS);
        }
    }
}
