package io.seqaudit.stamp;

import static io.seqaudit.stamp.StampTestSupport.interceptor;
import static io.seqaudit.stamp.StampTestSupport.record;
import static io.seqaudit.stamp.StampTestSupport.stampOf;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;

import io.seqaudit.stamp.StampTestSupport.Stamp;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.LongRange;
import net.jqwik.api.constraints.Size;

class SequenceStampingProperties {

    /**
     * Whatever order keys arrive in and however small max-keys is: a key's seqs count 0, 1, 2... within
     * each epoch, a key changes epoch only upwards and then starts at 0, and no (key, epoch, seq) repeats.
     */
    @Property(tries = 300)
    void anySendOrderGivesEveryKeyRisingEpochsAndGaplessSeqs(
            @ForAll @Size(max = 400) List<@IntRange(max = 40) Integer> keys,
            @ForAll @IntRange(min = 1, max = 48) int maxKeys,
            @ForAll @IntRange(max = 3) int clockStepMs) {
        AtomicLong clock = new AtomicLong(1_000);
        var interceptor = interceptor(() -> clock.addAndGet(clockStepMs),
                SequenceStampingInterceptor.MAX_KEYS_CONFIG, maxKeys, SequenceStampingInterceptor.EPOCH_CONFIG, 500L);
        Map<Integer, Stamp> last = new HashMap<>();
        Set<Stamp> seen = new HashSet<>();

        for (Integer key : keys) {
            Stamp stamp = stampOf(interceptor.onSend(record("t", key)));
            Stamp previous = last.put(key, stamp);
            if (previous == null || stamp.epoch() != previous.epoch()) {
                assertThat(stamp.seq()).isZero();
                assertThat(stamp.epoch()).isGreaterThanOrEqualTo(previous == null ? 500 : previous.epoch() + 1);
            } else {
                assertThat(stamp.seq()).isEqualTo(previous.seq() + 1);
            }
            assertThat(seen.add(new Stamp(key.toString(), stamp.epoch(), stamp.seq()))).isTrue();
            assertThat(interceptor.getKeysTracked()).isLessThanOrEqualTo(maxKeys);
        }
    }

    @Property
    void encodedLongsDecodeToThemselves(@ForAll @LongRange(min = 0, max = Long.MAX_VALUE) long value) {
        assertThat(SeqauditHeaders.decodeLong(SeqauditHeaders.encodeLong(value))).isEqualTo(value);
    }

    @Property
    void anyHostNameBecomesAValidProducerId(@ForAll String hostName) {
        assertThat(StampingConfig.sanitizeHostName(hostName)).matches(SeqauditHeaders::isValidProducerId);
    }
}
