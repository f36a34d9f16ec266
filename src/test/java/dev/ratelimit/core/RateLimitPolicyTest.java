package dev.ratelimit.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatNoException;
import static org.assertj.core.api.Assertions.assertThatNullPointerException;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.time.Duration;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class RateLimitPolicyTest {

    private static final BucketLimits FIVE_PER_MINUTE = new BucketLimits(5, 5, Duration.ofMinutes(1));

    private static RateLimitPolicy policy(String name, BucketLimits limits, long cost) {
        return new RateLimitPolicy(name, limits, cost, FailureMode.OPEN);
    }

    @ParameterizedTest
    @ValueSource(longs = {1, 2, 4, 5})
    void costFromOneUpToCapacityIsAccepted(long cost) {
        assertThatNoException().isThrownBy(() -> policy("orders", FIVE_PER_MINUTE, cost));
    }

    @ParameterizedTest
    @ValueSource(longs = {0, -1, Long.MIN_VALUE})
    void costBelowOneIsRejectedNamingCost(long cost) {
        InvalidLimitException e =
                catchThrowableOfType(InvalidLimitException.class, () -> policy("orders", FIVE_PER_MINUTE, cost));

        assertThat(e.property()).isEqualTo("cost");
        assertThat(e).hasMessage("cost must be at least 1, was " + cost);
    }

    @ParameterizedTest
    @ValueSource(longs = {6, 100, Long.MAX_VALUE})
    void costAboveCapacityIsRejectedNamingCostAndCapacity(long cost) {
        InvalidLimitException e =
                catchThrowableOfType(InvalidLimitException.class, () -> policy("orders", FIVE_PER_MINUTE, cost));

        assertThat(e.property()).isEqualTo("cost");
        assertThat(e)
                .hasMessage("cost must not exceed capacity 5, was " + cost + ": such a call could never be allowed");
    }

    @ParameterizedTest
    @ValueSource(strings = {"orders", "dev.ratelimit.demo.OrdersResource/create", "a-b_c.d/e", "X", "Outer$Inner/m"})
    void acceptsNamesOfTheSafeCharacters(String name) {
        assertThatNoException().isThrownBy(() -> policy(name, FIVE_PER_MINUTE, 1));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "orders:v2", "my orders", "orders{x}", "naïve"})
    void rejectsNamesOutsideTheCharsetNamingTheNameProperty(String name) {
        InvalidLimitException e =
                catchThrowableOfType(InvalidLimitException.class, () -> policy(name, FIVE_PER_MINUTE, 1));

        assertThat(e.property()).isEqualTo("name");
        assertThat(e.getMessage()).contains("'" + name + "'");
    }

    @Test
    void rejectsNamesLongerThan200() {
        assertThat(policy("n".repeat(200), FIVE_PER_MINUTE, 1).name()).hasSize(200);
        assertThat(catchThrowableOfType(InvalidLimitException.class, () -> policy("n".repeat(201), FIVE_PER_MINUTE, 1))
                        .property())
                .isEqualTo("name");
    }

    @Test
    void rejectsANullName() {
        assertThat(catchThrowableOfType(InvalidLimitException.class, () -> policy(null, FIVE_PER_MINUTE, 1))
                        .property())
                .isEqualTo("name");
    }

    @Test
    void nameIsCheckedBeforeCost() {
        assertThat(catchThrowableOfType(InvalidLimitException.class, () -> policy("bad name", FIVE_PER_MINUTE, 0))
                        .property())
                .isEqualTo("name");
    }

    @Test
    void rejectsMissingComponentsNamingThem() {
        assertThatNullPointerException()
                .isThrownBy(() -> new RateLimitPolicy("p", null, 1, FailureMode.OPEN))
                .withMessage("limits");
        assertThatNullPointerException()
                .isThrownBy(() -> new RateLimitPolicy("p", FIVE_PER_MINUTE, 1, null))
                .withMessage("failureMode");
    }

    private static Band band(String name, long capacity) {
        return new Band(name, new BucketLimits(capacity, capacity, Duration.ofHours(1)));
    }

    @Test
    void bandsAreNumberedAfterThePolicysOwnAndNamedAfterIt() {
        RateLimitPolicy policy = new RateLimitPolicy(
                "search", FIVE_PER_MINUTE, 1, FailureMode.OPEN, List.of(band("hourly", 100), band("daily", 500)));

        assertThat(policy.bandCount()).isEqualTo(3);
        assertThat(policy.limitsOfBand(0)).isEqualTo(FIVE_PER_MINUTE);
        assertThat(policy.limitsOfBand(2).capacity()).isEqualTo(500);
        assertThat(policy.nameOfBand(0)).isEqualTo("search");
        assertThat(policy.nameOfBand(1)).isEqualTo("search.hourly");
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "Hourly", "per-hour", "a.b", "abcdefghijklmnopqrstuvwxyz0123456"})
    void bandNamesAreLowerCaseLettersAndDigits(String name) {
        assertThat(catchThrowableOfType(InvalidLimitException.class, () -> band(name, 10))
                        .property())
                .isEqualTo("bands");
    }

    @Test
    void aCostAboveAnyBandsCapacityTwoBandsOfOneNameAndMoreThanEightBandsAreRefused() {
        assertThat(catchThrowableOfType(
                        InvalidLimitException.class,
                        () -> new RateLimitPolicy(
                                "p", FIVE_PER_MINUTE, 3, FailureMode.OPEN, List.of(band("small", 2)))))
                .hasMessageContaining("must not exceed band 'small''s capacity 2, was 3");
        assertThat(catchThrowableOfType(
                        InvalidLimitException.class,
                        () -> new RateLimitPolicy(
                                "p", FIVE_PER_MINUTE, 1, FailureMode.OPEN, List.of(band("twin", 9), band("twin", 10)))))
                .hasMessageContaining("two bands are named 'twin'");
        List<Band> eight =
                IntStream.rangeClosed(1, 8).mapToObj(i -> band("b" + i, 10)).toList();
        assertThat(catchThrowableOfType(
                        InvalidLimitException.class,
                        () -> new RateLimitPolicy("p", FIVE_PER_MINUTE, 1, FailureMode.OPEN, eight)))
                .hasMessageContaining("at most 8 bands, its own limits included; was given 9");
    }
}
