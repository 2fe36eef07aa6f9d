package io.seqaudit.api;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.path.json.JsonPath;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * A wrong {@code kafka.bootstrap.servers} (nothing listens there) must not give a green, silent service: the
 * auditor reports Kafka down as a gauge ({@code seqaudit_up{component="kafka"}} 0), in the readiness data, and in
 * one WARN naming the setting and the address, while readiness itself stays up (by design).
 */
@QuarkusTest
@TestProfile(KafkaUnreachableTest.Profile.class)
class KafkaUnreachableTest {

    static final String RUN = UUID.randomUUID().toString().substring(0, 8);
    static final Path LOG = Path.of("target", "nokafka-" + RUN + ".log");
    static final String NOWHERE = "127.0.0.1:1";

    public static class Profile implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            // Per client kind: the shared kafka.bootstrap.servers comes from the environment of the test run
            // (KAFKA_BOOTSTRAP_SERVERS), which outranks a profile; a kind's own setting wins over the shared one.
            return Map.of("kafka.consumer.bootstrap.servers", NOWHERE, "kafka.admin.bootstrap.servers", NOWHERE,
                    "seqaudit.topics", "nokafka-" + RUN,
                    "seqaudit.audit.group-id", "nokafka-" + RUN, "seqaudit.state.prefix", "nokafka-" + RUN,
                    "quarkus.log.file.enabled", "true", "quarkus.log.file.path", LOG.toString());
        }
    }

    @Test
    void aWrongBootstrapAddressIsReportedDownWithOneWarnNamingIt() throws java.io.IOException {
        await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
            String metrics = given().get("/q/metrics").then().statusCode(200).extract().asString();
            assertThat(metrics.lines().filter(l -> l.startsWith("seqaudit_up{component=\"kafka\"")))
                    .singleElement().satisfies(l -> assertThat(l).endsWith(" 0.0"));
            JsonPath ready = given().get("/q/health/ready").then().statusCode(200).extract().jsonPath();
            assertThat(ready.getString("status")).isEqualTo("UP");
            assertThat(ready.getString("checks.find { it.name == 'seqaudit' }.data.kafka")).isEqualTo("down");
            assertThat(Files.readAllLines(LOG)).filteredOn(l -> l.contains("WARN")
                    && l.contains("Kafka does not answer at kafka.bootstrap.servers=" + NOWHERE)).hasSize(1);
        });
        // Not a client warning per connection attempt besides it.
        assertThat(Files.readAllLines(LOG)).filteredOn(l -> l.contains("WARN") && l.contains("NetworkClient"))
                .isEmpty();
    }
}
