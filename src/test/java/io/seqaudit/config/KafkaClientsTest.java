package io.seqaudit.config;

import static org.assertj.core.api.Assertions.assertThat;

import io.seqaudit.config.KafkaClients.Kind;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.Test;

/** Each kind of client gets the shared settings it knows and its own, and nothing meant for another kind. */
class KafkaClientsTest {

    private final KafkaClients clients = new KafkaClients(Map.of(
            "bootstrap.servers", "b:9092",
            "security.protocol", "SASL_SSL",
            "max.poll.records", 123,
            "linger.ms", 7,
            "producer.compression.type", "lz4",
            "consumer.fetch.min.bytes", "2048",
            "admin.request.timeout.ms", "9000",
            "no.such.setting", "x"));

    @Test
    void connectionAndSecuritySettingsReachEveryKind() {
        for (Kind kind : Kind.values()) {
            Properties p = clients.settings(kind);
            assertThat(p).as(kind.name()).containsEntry("bootstrap.servers", "b:9092")
                    .containsEntry("security.protocol", "SASL_SSL");
        }
    }

    @Test
    void aSharedSettingReachesOnlyTheKindsThatKnowIt() {
        assertThat(clients.settings(Kind.CONSUMER)).containsEntry("max.poll.records", "123")
                .doesNotContainKey("linger.ms");
        assertThat(clients.settings(Kind.PRODUCER)).containsEntry("linger.ms", "7")
                .doesNotContainKey("max.poll.records");
        assertThat(clients.settings(Kind.ADMIN)).doesNotContainKeys("max.poll.records", "linger.ms");
    }

    @Test
    void aKindsOwnSettingReachesThatKindOnlyWithoutItsPrefix() {
        assertThat(clients.settings(Kind.PRODUCER)).containsEntry("compression.type", "lz4")
                .doesNotContainKeys("producer.compression.type", "fetch.min.bytes");
        assertThat(clients.settings(Kind.CONSUMER)).containsEntry("fetch.min.bytes", "2048")
                .doesNotContainKeys("compression.type", "request.timeout.ms");
        assertThat(clients.settings(Kind.ADMIN)).containsEntry("request.timeout.ms", "9000")
                .doesNotContainKeys("compression.type", "fetch.min.bytes");
    }

    @Test
    void aSettingNoKindKnowsReachesNone() {
        for (Kind kind : Kind.values()) {
            assertThat(clients.settings(kind)).as(kind.name()).doesNotContainKey("no.such.setting");
        }
    }

    @Test
    void settingsAreAFreshCopyEachTime() {
        clients.settings(Kind.CONSUMER).put("group.id", "changed");
        assertThat(clients.settings(Kind.CONSUMER)).doesNotContainKey("group.id");
    }
}
