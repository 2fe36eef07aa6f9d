package io.seqaudit.state;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class ProducerEpochNameTest {

    @Test
    void storedTextIsEpochThenProducerAsEarlierBuildsWroteIt() {
        assertThat(new ProducerEpochName("orders-1/a b", 1764830000000L).text()).isEqualTo("1764830000000 orders-1/a b");
    }

    @Test
    void aProducerIdWithSpacesReadsBackWhole() {
        ProducerEpochName name = new ProducerEpochName("host 1/pid token/producer-2", 42);
        assertThat(ProducerEpochName.parse(name.text())).isEqualTo(name);
    }

    @Test
    void aTextThatIsNoProducerEpochIsRefusedNamingIt() {
        assertThatThrownBy(() -> ProducerEpochName.parse("orders-1")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("\"orders-1\"");
        assertThatThrownBy(() -> ProducerEpochName.parse("x orders-1")).isInstanceOf(IllegalArgumentException.class);
    }
}
