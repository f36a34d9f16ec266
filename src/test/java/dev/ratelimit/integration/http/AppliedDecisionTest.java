package dev.ratelimit.integration.http;

import dev.ratelimit.core.BucketLimits;
import dev.ratelimit.core.Decision;
import dev.ratelimit.core.FailureMode;
import dev.ratelimit.core.RateLimitPolicy;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

class AppliedDecisionTest {

    private static RateLimitPolicy policy(String name, long capacity, long refillTokens, Duration period) {
        return new RateLimitPolicy(name, new BucketLimits(capacity, refillTokens, period), 1, FailureMode.OPEN);
    }

    private static final RateLimitPolicy ORDERS = policy("orders", 100, 100, Duration.ofMinutes(1));

    @Test
    void policyHeaderGivesQuotaAndWindow() {
        AppliedDecision applied = new AppliedDecision(ORDERS, new Decision(true, 99, 0, 600));

        assertThat(applied.policyHeader()).isEqualTo("\"orders\";q=100;w=60");
    }

    @Test
    void limitHeaderGivesRemainingAndResetSeconds() {
        AppliedDecision applied = new AppliedDecision(ORDERS, new Decision(false, 0, 600, 7000));

        assertThat(applied.limitHeader()).isEqualTo("\"orders\";r=0;t=7");
    }

    @ParameterizedTest(name = "{0} tokens, {1} per {2} ms -> w={3}")
    @CsvSource({
            "5, 5, 60000, 60",
            "20, 10, 1000, 2",
            "10, 1, 1000, 10",
            "5, 3, 1000, 2",
            "1, 1, 1, 1",
    })
    void windowIsTheWholeSecondsToFillAnEmptyBucket(long capacity, long refillTokens, long periodMillis, long window) {
        RateLimitPolicy policy = policy("p", capacity, refillTokens, Duration.ofMillis(periodMillis));

        assertThat(new AppliedDecision(policy, new Decision(true, 0, 0, 0)).policyHeader())
                .isEqualTo("\"p\";q=" + capacity + ";w=" + window);
    }

    @ParameterizedTest(name = "remaining {0}, reset {1} ms -> {2}")
    @CsvSource(delimiter = '|', value = {
            "0  | 0    | r=0;t=0",
            "99 | 600  | r=99;t=1",
            "3  | 6500 | r=3;t=7",
            "0  | 7001 | r=0;t=8",
            "42 | 60000 | r=42;t=60",
    })
    void resetIsRoundedUpToWholeSeconds(long remaining, long resetMillis, String expected) {
        assertThat(new AppliedDecision(ORDERS, new Decision(remaining > 0, remaining, 0, resetMillis)).limitHeader())
                .isEqualTo("\"orders\";" + expected);
    }

    @Test
    void unnamedPolicyNamesAreQuotedAsTheyAre() {
        RateLimitPolicy policy = policy("dev.ratelimit.demo.SearchResource/search", 10, 1, Duration.ofSeconds(1));
        AppliedDecision applied = new AppliedDecision(policy, new Decision(true, 9, 0, 1000));

        assertThat(applied.policyHeader()).isEqualTo("\"dev.ratelimit.demo.SearchResource/search\";q=10;w=10");
        assertThat(applied.limitHeader()).isEqualTo("\"dev.ratelimit.demo.SearchResource/search\";r=9;t=1");
    }

    @Test
    void headerValuesAreStructuredFieldItems() {
        AppliedDecision applied = new AppliedDecision(ORDERS, new Decision(true, 12, 0, 52_300));

        // RFC 8941: a quoted string item followed by ;key=integer parameters
        assertThat(applied.policyHeader()).matches("\"[^\"\\\\]*\";q=\\d+;w=\\d+");
        assertThat(applied.limitHeader()).matches("\"[^\"\\\\]*\";r=\\d+;t=\\d+");
    }
}
