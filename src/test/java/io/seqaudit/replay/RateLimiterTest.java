package io.seqaudit.replay;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class RateLimiterTest {

    private static final long SECOND = 1_000_000_000L;
    private final AtomicLong now = new AtomicLong(42 * SECOND);

    @Test
    void grantsTheBurstAtOnceThenTellsHowLongUntilTheNextPermit() {
        RateLimiter limiter = new RateLimiter(2, 3, now::get);
        assertThat(limiter.tryAcquire()).isZero();
        assertThat(limiter.tryAcquire()).isZero();
        assertThat(limiter.tryAcquire()).isZero();
        long wait = limiter.tryAcquire();
        assertThat(wait).isEqualTo(SECOND / 2);
        assertThat(RateLimiter.retryAfterSeconds(wait)).isEqualTo(1);
    }

    @Test
    void aRejectedRequestTakesNothingFromTheBucket() {
        RateLimiter limiter = new RateLimiter(1, 1, now::get);
        assertThat(limiter.tryAcquire()).isZero();
        for (int i = 0; i < 100; i++) {
            assertThat(limiter.tryAcquire()).isPositive();
        }
        now.addAndGet(SECOND);
        assertThat(limiter.tryAcquire()).isZero();
    }

    @Test
    void refillsAtTheRateButNeverBeyondTheBurst() {
        RateLimiter limiter = new RateLimiter(5, 2, now::get);
        limiter.tryAcquire();
        limiter.tryAcquire();
        now.addAndGet(SECOND / 5);
        assertThat(limiter.tryAcquire()).isZero();
        assertThat(limiter.tryAcquire()).isPositive();
        now.addAndGet(3600 * SECOND);
        assertThat(limiter.tryAcquire()).isZero();
        assertThat(limiter.tryAcquire()).isZero();
        assertThat(limiter.tryAcquire()).isPositive();
    }

    @Test
    void slowRatesGiveRetryAfterInWholeSecondsRoundedUp() {
        RateLimiter limiter = new RateLimiter(0.1, 1, now::get);
        limiter.tryAcquire();
        now.addAndGet(SECOND / 2);
        long wait = limiter.tryAcquire();
        assertThat(wait).isEqualTo(9 * SECOND + SECOND / 2);
        assertThat(RateLimiter.retryAfterSeconds(wait)).isEqualTo(10);
    }

    @Test
    void rejectsRatesAndBurstsThatCouldNeverGrantAnything() {
        assertThatThrownBy(() -> new RateLimiter(0, 1, now::get)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new RateLimiter(-1, 1, now::get)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new RateLimiter(Double.NaN, 1, now::get)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new RateLimiter(1, 0, now::get)).isInstanceOf(IllegalArgumentException.class);
    }
}
