package dev.ratelimit.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class BucketLimitsTest {

    private static final long TWO_POW_53 = 9_007_199_254_740_992L;

    @ParameterizedTest
    @ValueSource(longs = {0, -1, Long.MIN_VALUE})
    void capacityBelowOneIsRejectedNamingCapacity(long capacity) {
        InvalidLimitException e = catchThrowableOfType(
                InvalidLimitException.class, () -> new BucketLimits(capacity, 1, Duration.ofSeconds(1)));

        assertThat(e.property()).isEqualTo("capacity");
        assertThat(e).hasMessage("capacity must be at least 1, was " + capacity);
    }

    @ParameterizedTest
    @ValueSource(longs = {0, -1, Long.MIN_VALUE})
    void refillTokensBelowOneIsRejectedNamingRefillTokens(long refillTokens) {
        InvalidLimitException e = catchThrowableOfType(
                InvalidLimitException.class, () -> new BucketLimits(10, refillTokens, Duration.ofSeconds(1)));

        assertThat(e.property()).isEqualTo("refill-tokens");
        assertThat(e).hasMessage("refill-tokens must be at least 1, was " + refillTokens);
    }

    @Test
    void missingRefillPeriodIsRejectedNamingRefillPeriod() {
        InvalidLimitException e =
                catchThrowableOfType(InvalidLimitException.class, () -> new BucketLimits(10, 1, null));

        assertThat(e.property()).isEqualTo("refill-period");
        assertThat(e).hasMessage("refill-period must be at least 1ms, was none");
    }

    @ParameterizedTest
    @ValueSource(strings = {"PT0S", "PT0.000999S", "PT-1S", "PT-0.001S"})
    void refillPeriodUnderOneMillisecondIsRejectedNamingRefillPeriod(String period) {
        InvalidLimitException e = catchThrowableOfType(
                InvalidLimitException.class, () -> new BucketLimits(10, 1, Duration.parse(period)));

        assertThat(e.property()).isEqualTo("refill-period");
        assertThat(e.getMessage()).startsWith("refill-period must be at least 1ms, was ");
    }

    @Test
    void oneMillisecondIsTheShortestPeriod() {
        assertThat(new BucketLimits(1, 1, Duration.ofMillis(1)).refillPeriodMillis())
                .isEqualTo(1);
    }

    @ParameterizedTest(name = "{0} ms period")
    @ValueSource(longs = {1, 2, 3, 7, 1000, 60_000, 86_400_000, 604_800_000})
    void capacityTimesPeriodMayReachButNotExceedTwoToThe53(long periodMillis) {
        long largest = TWO_POW_53 / periodMillis;
        Duration period = Duration.ofMillis(periodMillis);

        BucketLimits atBound = new BucketLimits(largest, 1, period);
        assertThat(Math.multiplyExact(atBound.capacity(), atBound.refillPeriodMillis()))
                .isLessThanOrEqualTo(TWO_POW_53);

        InvalidLimitException e =
                catchThrowableOfType(InvalidLimitException.class, () -> new BucketLimits(largest + 1, 1, period));
        assertThat(e.property()).isEqualTo("capacity");
        assertThat(e.getMessage())
                .startsWith("capacity x refill-period in ms must not exceed 2^53")
                .contains((largest + 1) + " x " + periodMillis + "ms");
    }

    @Test
    void hugeCapacityWithLongPeriodIsRejectedWithoutOverflowing() {
        // Long.MAX_VALUE x 1000 would overflow a naive multiplication into a small or negative number
        assertThatThrownBy(() -> new BucketLimits(Long.MAX_VALUE, 1, Duration.ofSeconds(1)))
                .isInstanceOf(InvalidLimitException.class)
                .hasMessageContaining("2^53");
    }

    @Test
    void subMillisecondPartOfThePeriodIsDropped() {
        assertThat(new BucketLimits(1, 1, Duration.ofNanos(1_999_999)).refillPeriodMillis())
                .isEqualTo(1);
    }

    @ParameterizedTest(name = "capacity {0}, {1} tokens per {2} ms -> {3} s")
    @CsvSource({
        "100, 100, 60000, 60", // fills up in exactly one period
        "5, 5, 60000, 60",
        "20, 10, 1000, 2", // two periods
        "10, 1, 1000, 10",
        "1, 1, 1, 1", // 1 ms rounds up to a whole second
        "1, 3, 1000, 1", // 333.3 ms rounds up to 1 s
        "5, 3, 1000, 2", // 1666.7 ms rounds up to 2 s
        "3, 2, 1000, 2", // 1500 ms rounds up to 2 s
        "1000, 1, 1, 1", // exactly 1000 ms: no rounding
        "1001, 1, 1, 2", // 1001 ms rounds up to 2 s
        "7, 1000000, 1000, 1", // refill much larger than capacity: still at least 1 s
        "3600, 1, 1000, 3600",
    })
    void windowSecondsIsTheTimeToFillAnEmptyBucketRoundedUpToWholeSeconds(
            long capacity, long refillTokens, long periodMillis, long expected) {
        assertThat(new BucketLimits(capacity, refillTokens, Duration.ofMillis(periodMillis)).windowSeconds())
                .isEqualTo(expected);
    }

    @Test
    void windowSecondsIsNeverZero() {
        assertThat(new BucketLimits(1, Long.MAX_VALUE, Duration.ofMillis(1)).windowSeconds())
                .isEqualTo(1);
    }

    @Test
    void windowSecondsDoesNotOverflowAtTheBound() {
        BucketLimits largest = new BucketLimits(TWO_POW_53, 1, Duration.ofMillis(1));

        assertThat(largest.windowSeconds()).isEqualTo((TWO_POW_53 + 999) / 1000);
    }

    @ParameterizedTest(name = "ceilDiv({0}, {1}) = {2}")
    @CsvSource({
        "0, 1000, 0",
        "1, 1000, 1",
        "999, 1000, 1",
        "1000, 1000, 1",
        "1001, 1000, 2",
        "-1, 1000, 0",
        "-1000, 1000, -1",
        "-1001, 1000, -1",
        "7, 7, 1",
        "8, 7, 2",
    })
    void ceilDivRoundsTowardsPositiveInfinity(long dividend, long divisor, long expected) {
        assertThat(BucketLimits.ceilDiv(dividend, divisor)).isEqualTo(expected);
    }

    @Test
    void refillPeriodTooLongForMillisecondsIsRejectedNamingRefillPeriod() {
        InvalidLimitException e = catchThrowableOfType(
                InvalidLimitException.class, () -> new BucketLimits(1, 1, Duration.ofDays(999_999_999_999L)));

        assertThat(e).isNotNull();
        assertThat(e.property()).isEqualTo("refill-period");
    }
}
