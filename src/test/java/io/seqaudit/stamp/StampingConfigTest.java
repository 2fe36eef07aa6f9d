package io.seqaudit.stamp;

import static io.seqaudit.stamp.StampTestSupport.DEFAULT_ID;
import static io.seqaudit.stamp.StampTestSupport.START_MS;
import static io.seqaudit.stamp.StampTestSupport.interceptor;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class StampingConfigTest {

    @Test
    void defaultsAreHostAndProcessTheStartTimeAndAHundredThousandKeys() {
        var interceptor = interceptor();

        assertThat(interceptor.getProducerId()).isEqualTo(DEFAULT_ID);
        assertThat(interceptor.getBaseEpoch()).isEqualTo(START_MS);
        assertThat(interceptor.getMaxKeys()).isEqualTo(100_000);
    }

    @Test
    void defaultProducerIdOnThisMachineIsHostPidAndClientIdFittedToTheContract() {
        var interceptor = new SequenceStampingInterceptor<Object, Object>();
        long before = System.currentTimeMillis();
        interceptor.configure(Map.of(StampingConfig.CLIENT_ID, "producer-7"));

        assertThat(interceptor.getProducerId())
                .startsWith(StampingConfig.sanitizeHostName(StampingConfig.localHostName()) + "/"
                        + ProcessHandle.current().pid() + "-")
                .endsWith("/producer-7")
                .matches(SeqauditHeaders::isValidProducerId);
        // At least the start time; above it only by the producers this JVM created in the same milliseconds.
        assertThat(interceptor.getBaseEpoch()).isGreaterThanOrEqualTo(before);
        interceptor.close();
    }

    @Test
    void configuredValuesAreUsedAsStringsOrNumbers() {
        var fromStrings = interceptor(SequenceStampingInterceptor.PRODUCER_ID_CONFIG, " billing 7 ",
                SequenceStampingInterceptor.EPOCH_CONFIG, "42", SequenceStampingInterceptor.MAX_KEYS_CONFIG, "10");
        var fromNumbers = interceptor(SequenceStampingInterceptor.EPOCH_CONFIG, 43L,
                SequenceStampingInterceptor.MAX_KEYS_CONFIG, 11);

        assertThat(fromStrings.getProducerId()).isEqualTo("billing 7");
        assertThat(fromStrings.getBaseEpoch()).isEqualTo(42);
        assertThat(fromStrings.getMaxKeys()).isEqualTo(10);
        assertThat(fromNumbers.getBaseEpoch()).isEqualTo(43);
        assertThat(fromNumbers.getMaxKeys()).isEqualTo(11);
    }

    @Test
    void epochAcceptsTheWholeContractRange() {
        assertThat(interceptor(SequenceStampingInterceptor.EPOCH_CONFIG, "0").getBaseEpoch()).isZero();
        assertThat(interceptor(SequenceStampingInterceptor.EPOCH_CONFIG, "9223372036854775807").getBaseEpoch())
                .isEqualTo(Long.MAX_VALUE);
    }

    @ParameterizedTest
    @ValueSource(strings = { "", "abc", "-1", "+5", "1.5", "1e3", "9223372036854775808" })
    void badEpochIsIgnoredAndTheStartTimeUsed(String epoch) {
        assertThat(interceptor(SequenceStampingInterceptor.EPOCH_CONFIG, epoch).getBaseEpoch()).isEqualTo(START_MS);
    }

    @Test
    void negativeNumericEpochIsIgnoredAndTheStartTimeUsed() {
        assertThat(interceptor(SequenceStampingInterceptor.EPOCH_CONFIG, -1L).getBaseEpoch()).isEqualTo(START_MS);
    }

    @ParameterizedTest
    @ValueSource(strings = { "0", "-3", "x", "2147483648", "" })
    void badMaxKeysIsIgnoredAndTheDefaultUsed(String maxKeys) {
        assertThat(interceptor(SequenceStampingInterceptor.MAX_KEYS_CONFIG, maxKeys).getMaxKeys()).isEqualTo(100_000);
    }

    @ParameterizedTest
    @ValueSource(strings = { "", "   ", "caf\u00e9", "a\nb", "tab\there" })
    void badProducerIdIsIgnoredAndTheDefaultUsed(String id) {
        assertThat(interceptor(SequenceStampingInterceptor.PRODUCER_ID_CONFIG, id).getProducerId())
                .isEqualTo(DEFAULT_ID);
    }

    @Test
    void producerIdLongerThan128CharsIsIgnored() {
        assertThat(interceptor(SequenceStampingInterceptor.PRODUCER_ID_CONFIG, "p".repeat(128)).getProducerId())
                .hasSize(128);
        assertThat(interceptor(SequenceStampingInterceptor.PRODUCER_ID_CONFIG, "p".repeat(129)).getProducerId())
                .isEqualTo(DEFAULT_ID);
    }

    @Test
    void hostNameIsFittedToTheContractOrReplacedByUnknownHost() {
        assertThat(StampingConfig.sanitizeHostName("h\u00f4st\tname")).isEqualTo("h_st_name");
        assertThat(StampingConfig.sanitizeHostName(" node-1.example ")).isEqualTo("node-1.example");
        assertThat(StampingConfig.sanitizeHostName("h".repeat(300))).isEqualTo("h".repeat(128));
        assertThat(StampingConfig.sanitizeHostName(null)).isEqualTo("unknown-host");
        assertThat(StampingConfig.sanitizeHostName(" \t ")).isEqualTo("unknown-host");
    }

    @Test
    void failingHostNameLookupGivesUnknownHostInTheDefaultId() {
        var interceptor = new SequenceStampingInterceptor<Object, Object>(() -> START_MS, () -> {
            throw new IllegalStateException("no network");
        });
        interceptor.configure(Map.of());

        assertThat(interceptor.getProducerId()).isEqualTo("unknown-host/4242-test");
    }

    @Test
    void secondConfigureIsIgnoredSoKeysNeverRestartInTheSameEpoch() {
        var interceptor = interceptor(SequenceStampingInterceptor.EPOCH_CONFIG, "5");
        interceptor.onSend(StampTestSupport.record("t", "k"));

        interceptor.configure(Map.of(SequenceStampingInterceptor.EPOCH_CONFIG, "6"));

        assertThat(interceptor.getBaseEpoch()).isEqualTo(5);
        assertThat(StampTestSupport.stampOf(interceptor.onSend(StampTestSupport.record("t", "k"))).seq()).isEqualTo(1);
    }
}
