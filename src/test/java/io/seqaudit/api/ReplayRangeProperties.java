package io.seqaudit.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigInteger;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/** The replay range size check never overflows: it agrees with exact arithmetic for seqs near the limits. */
class ReplayRangeProperties {

    @Property(tries = 5000)
    void tooLargeAgreesWithExactArithmetic(@ForAll("seq") long a, @ForAll("seq") long b,
            @ForAll("max") long max) {
        long from = Math.min(a, b);
        long to = Math.max(a, b);
        BigInteger size = BigInteger.valueOf(to).subtract(BigInteger.valueOf(from)).add(BigInteger.ONE);
        assertThat(ReplayResource.tooLarge(from, to, max)).isEqualTo(size.compareTo(BigInteger.valueOf(max)) > 0);
    }

    @Provide
    Arbitrary<Long> seq() {
        // Near 0, near Long.MAX_VALUE, and anywhere between.
        return Arbitraries.oneOf(Arbitraries.longs().between(0, 20_000),
                Arbitraries.longs().between(Long.MAX_VALUE - 20_000, Long.MAX_VALUE),
                Arbitraries.longs().between(0, Long.MAX_VALUE));
    }

    @Provide
    Arbitrary<Long> max() {
        return Arbitraries.oneOf(Arbitraries.longs().between(1, 20_000),
                Arbitraries.longs().between(Long.MAX_VALUE - 2, Long.MAX_VALUE));
    }
}
