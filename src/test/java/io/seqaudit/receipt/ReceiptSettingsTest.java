package io.seqaudit.receipt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The receipt settings read from a consumer's properties: defaults, units, bad values, the required group. */
class ReceiptSettingsTest {

    @Test
    void defaultsAreTheContractsTopicHalfASecondAndTheConsumersGroup() {
        ReceiptSettings s = ReceiptSettings.from(Map.of("group.id", "orders-service", "client.id", "c-1"));
        assertThat(s.group()).isEqualTo("orders-service");
        assertThat(s.topic()).isEqualTo("seqaudit.receipts");
        assertThat(s.interval()).isEqualTo(Duration.ofMillis(500));
        assertThat(s.maxPending()).isEqualTo(100_000);
        assertThat(s.client()).endsWith("/c-1");
    }

    @Test
    void valuesAreReadWithTheirUnitsAndBadOnesFallBackToTheDefault() {
        ReceiptSettings s = ReceiptSettings.from(Map.of("group.id", "g", "seqaudit.receipts.topic", "r",
                "seqaudit.receipts.interval", "2s", "seqaudit.receipts.max-pending", "7",
                "seqaudit.receipts.client", "me"));
        assertThat(s).isEqualTo(new ReceiptSettings("g", "r", Duration.ofSeconds(2), 7, "me"));
        ReceiptSettings bad = ReceiptSettings.from(Map.of("group.id", "g", "seqaudit.receipts.interval", "soon",
                "seqaudit.receipts.max-pending", "-1"));
        assertThat(bad.interval()).isEqualTo(Duration.ofMillis(500));
        assertThat(bad.maxPending()).isEqualTo(100_000);
        assertThat(ReceiptSettings.from(Map.of("group.id", "g", "seqaudit.receipts.interval", "250")).interval())
                .isEqualTo(Duration.ofMillis(250));
    }

    @Test
    void aConsumerWithoutGroupIdIsRefused() {
        assertThatThrownBy(() -> ReceiptSettings.from(Map.of("bootstrap.servers", "x:9092")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("group.id");
    }
}
