package io.seqaudit.stamp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class SeqauditHeadersTest {

    @Test
    void headerNamesAreThePublicContract() {
        assertThat(SeqauditHeaders.PRODUCER).isEqualTo("seqaudit-producer");
        assertThat(SeqauditHeaders.EPOCH).isEqualTo("seqaudit-epoch");
        assertThat(SeqauditHeaders.SEQ).isEqualTo("seqaudit-seq");
        assertThat(SeqauditHeaders.REPLAY).isEqualTo("seqaudit-replay");
    }

    @Test
    void longsAreEncodedAsDecimalAsciiText() {
        assertThat(SeqauditHeaders.encodeLong(0)).isEqualTo("0".getBytes(StandardCharsets.US_ASCII));
        assertThat(SeqauditHeaders.encodeLong(Long.MAX_VALUE))
                .isEqualTo("9223372036854775807".getBytes(StandardCharsets.US_ASCII));
        assertThat(SeqauditHeaders.decodeLong(SeqauditHeaders.encodeLong(1_700_000_000_123L)))
                .isEqualTo(1_700_000_000_123L);
    }

    @ParameterizedTest
    @ValueSource(strings = { "", "-1", "+1", " 1", "1 ", "0x10", "9223372036854775808", "\u0661" })
    void decodingRejectsAnythingButNonNegativeDecimalDigits(String text) {
        assertThatThrownBy(() -> SeqauditHeaders.decodeLong(text.getBytes(StandardCharsets.UTF_8)))
                .isInstanceOf(NumberFormatException.class);
    }

    @Test
    void decodingRejectsAMissingValue() {
        assertThatThrownBy(() -> SeqauditHeaders.decodeLong(null)).isInstanceOf(NumberFormatException.class);
    }

    @Test
    void producerIdMustBeOneTo128PrintableAsciiChars() {
        assertThat(SeqauditHeaders.isValidProducerId("a")).isTrue();
        assertThat(SeqauditHeaders.isValidProducerId(" ~!")).isTrue();
        assertThat(SeqauditHeaders.isValidProducerId("x".repeat(128))).isTrue();
        assertThat(SeqauditHeaders.isValidProducerId("x".repeat(129))).isFalse();
        assertThat(SeqauditHeaders.isValidProducerId("")).isFalse();
        assertThat(SeqauditHeaders.isValidProducerId(null)).isFalse();
        assertThat(SeqauditHeaders.isValidProducerId("a\u007f")).isFalse();
        assertThat(SeqauditHeaders.isValidProducerId("caf\u00e9")).isFalse();
    }

    @Test
    void textIsUtf8() {
        assertThat(SeqauditHeaders.decodeText(SeqauditHeaders.encodeText("p-1"))).isEqualTo("p-1");
        assertThat(SeqauditHeaders.encodeText("\u00e9")).containsExactly(0xC3, 0xA9);
        assertThat(SeqauditHeaders.decodeText(null)).isNull();
    }
}
