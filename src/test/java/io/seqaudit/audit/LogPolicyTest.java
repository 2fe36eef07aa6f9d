package io.seqaudit.audit;

import static org.assertj.core.api.Assertions.assertThat;

import io.seqaudit.sequence.Arrival;
import org.junit.jupiter.api.Test;

class LogPolicyTest {

    private static final long NOW = 10_000_000;

    @Test
    void aTopicThatIsNotCompactedVouchesForEveryRecord() {
        assertThat(LogPolicy.DELETE.unguardedBefore(NOW)).isEqualTo(Arrival.GUARDED);
        assertThat(new LogPolicy("delete", 3_600_000).compacted()).isFalse();
    }

    @Test
    void aCompactedTopicWithoutCompactionLagVouchesForNothing() {
        assertThat(new LogPolicy("compact", 0).unguardedBefore(NOW)).isEqualTo(Long.MAX_VALUE);
        assertThat(new LogPolicy("compact,delete", 0).compacted()).isTrue();
    }

    @Test
    void aCompactedTopicVouchesForRecordsYoungerThanItsLagLessAMargin() {
        long lag = 3_600_000;
        long margin = 60_000; // at most a minute
        assertThat(new LogPolicy("compact", lag).unguardedBefore(NOW)).isEqualTo(NOW - (lag - margin));
        long shortLag = 20_000; // half of it when that is less than a minute
        assertThat(new LogPolicy("delete,compact", shortLag).unguardedBefore(NOW)).isEqualTo(NOW - shortLag / 2);
    }
}
