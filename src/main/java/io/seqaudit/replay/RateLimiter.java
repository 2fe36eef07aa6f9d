package io.seqaudit.replay;

import java.util.function.LongSupplier;

/**
 * A token bucket: {@code ratePerSecond} permits a second on average, up to {@code burst} at once after a quiet
 * period. {@link #tryAcquire()} either takes a permit or says how long until one is free, and takes nothing
 * then: a rejected request costs nothing. Thread-safe.
 */
public final class RateLimiter {

    private static final double NANOS = 1_000_000_000d;

    private final double perNano;
    private final double burst;
    private final LongSupplier clock;
    private double permits;
    private long last;

    /**
     * @param ratePerSecond permits a second, more than 0
     * @param burst the most permits held at once, at least 1; the bucket starts full
     * @param nanoClock a monotonic clock in nanoseconds ({@code System::nanoTime})
     */
    public RateLimiter(double ratePerSecond, int burst, LongSupplier nanoClock) {
        if (!(ratePerSecond > 0) || Double.isInfinite(ratePerSecond)) {
            throw new IllegalArgumentException("the rate must be a positive number of requests per second: "
                    + ratePerSecond);
        }
        if (burst < 1) {
            throw new IllegalArgumentException("the burst must be at least 1: " + burst);
        }
        this.perNano = ratePerSecond / NANOS;
        this.burst = burst;
        this.clock = nanoClock;
        this.permits = burst;
        this.last = nanoClock.getAsLong();
    }

    /** Takes a permit and answers 0, or takes none and answers the nanoseconds until one is free (&gt; 0). */
    public synchronized long tryAcquire() {
        long now = clock.getAsLong();
        permits = Math.min(burst, permits + (now - last) * perNano);
        last = now;
        if (permits >= 1) {
            permits -= 1;
            return 0;
        }
        return Math.max(1, (long) Math.ceil((1 - permits) / perNano));
    }

    /** Whole seconds to wait for this many nanoseconds, as {@code Retry-After} says it: at least 1. */
    public static long retryAfterSeconds(long nanos) {
        return Math.max(1, (long) Math.ceil(nanos / NANOS));
    }
}
