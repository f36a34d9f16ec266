package dev.ratelimit.core;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class DecisionTest {

    @ParameterizedTest(name = "{0} ms -> Retry-After {1}")
    @CsvSource({
        "0, 1", // never 0: "retry now" would invite a hot loop
        "1, 1",
        "999, 1",
        "1000, 1",
        "1001, 2",
        "1999, 2",
        "2000, 2",
        "2001, 3",
        "59999, 60",
        "60000, 60",
        "-5, 1",
        "-5000, 1",
    })
    void retryAfterSecondsIsWholeSecondsRoundedUpAndNeverZero(long retryAfterMillis, long expected) {
        assertThat(new Decision(false, 0, retryAfterMillis, 5000).retryAfterSeconds())
                .isEqualTo(expected);
    }

    @ParameterizedTest(name = "{0} ms -> reset {1}")
    @CsvSource({
        "0, 0", // already full
        "1, 1",
        "999, 1",
        "1000, 1",
        "1001, 2",
        "6500, 7",
        "7000, 7",
        "60000, 60",
    })
    void resetAfterSecondsIsWholeSecondsRoundedUp(long resetAfterMillis, long expected) {
        assertThat(new Decision(true, 3, 0, resetAfterMillis).resetAfterSeconds())
                .isEqualTo(expected);
    }

    @Test
    void resetAfterSecondsIsIndependentOfRetryAfter() {
        Decision decision = new Decision(false, 0, 2500, 9100);

        assertThat(decision.retryAfterSeconds()).isEqualTo(3);
        assertThat(decision.resetAfterSeconds()).isEqualTo(10);
    }
}
