package dev.ratelimit.core;

import java.time.Duration;

/**
 * The shape of a token bucket: it holds at most {@code capacity} tokens and gains {@code refillTokens}
 * every {@code refillPeriod}, continuously (a fraction of a token per elapsed millisecond).
 */
public record BucketLimits(long capacity, long refillTokens, Duration refillPeriod) {

    /**
     * The Lua script keeps a bucket's level in integer token-milliseconds (tokens x refill period in ms),
     * which Lua's doubles hold exactly only up to 2^53.
     */
    static final long MAX_EXACT_LEVEL = 1L << 53;

    private static final Duration MIN_REFILL_PERIOD = Duration.ofMillis(1);
    private static final Duration MAX_REFILL_PERIOD = Duration.ofMillis(MAX_EXACT_LEVEL);

    public BucketLimits {
        if (capacity < 1) {
            throw new InvalidLimitException("capacity", "must be at least 1, was " + capacity);
        }
        if (refillTokens < 1) {
            throw new InvalidLimitException("refill-tokens", "must be at least 1, was " + refillTokens);
        }
        if (refillPeriod == null || refillPeriod.compareTo(MIN_REFILL_PERIOD) < 0) {
            throw new InvalidLimitException(
                    "refill-period",
                    "must be at least 1ms, was " + (refillPeriod == null ? "none" : Durations.format(refillPeriod)));
        }
        if (refillPeriod.compareTo(MAX_REFILL_PERIOD) > 0) {
            throw new InvalidLimitException(
                    "refill-period", "must be at most 2^53 ms, was " + Durations.format(refillPeriod));
        }
        if (capacity > MAX_EXACT_LEVEL / refillPeriod.toMillis()) {
            throw new InvalidLimitException(
                    "capacity",
                    "x refill-period in ms must not exceed 2^53 (was " + capacity + " x " + refillPeriod.toMillis()
                            + "ms): use a shorter period");
        }
    }

    public long refillPeriodMillis() {
        return refillPeriod.toMillis();
    }

    /** Whole seconds an empty bucket takes to fill up: the quota window clients are told about. */
    public long windowSeconds() {
        return ceilDiv(ceilDiv(capacity * refillPeriodMillis(), refillTokens), 1000);
    }

    static long ceilDiv(long dividend, long divisor) {
        return -Math.floorDiv(-dividend, divisor);
    }
}
