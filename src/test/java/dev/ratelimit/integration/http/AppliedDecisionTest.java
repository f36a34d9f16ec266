package dev.ratelimit.integration.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ratelimit.core.Band;
import dev.ratelimit.core.BucketLimits;
import dev.ratelimit.core.Decision;
import dev.ratelimit.core.FailureMode;
import dev.ratelimit.core.RateLimitPolicy;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

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

    @Test
    void aPolicyOfSeveralBandsListsEachAndReportsTheBandItsDecisionNames() {
        RateLimitPolicy search = new RateLimitPolicy(
                "search",
                new BucketLimits(20, 10, Duration.ofSeconds(1)),
                1,
                FailureMode.OPEN,
                List.of(
                        new Band("hourly", new BucketLimits(1000, 1000, Duration.ofHours(1))),
                        new Band("daily", new BucketLimits(5000, 5000, Duration.ofDays(1)))));
        AppliedDecision applied = new AppliedDecision(search, new Decision(false, 0, 1_800_000, 3_600_000, 1));

        assertThat(applied.policyHeader())
                .isEqualTo("\"search\";q=20;w=2, \"search.hourly\";q=1000;w=3600, \"search.daily\";q=5000;w=86400");
        assertThat(applied.limitHeader()).isEqualTo("\"search.hourly\";r=0;t=3600");
    }

    /** RFC 8941: a quoted string item with ;key=integer parameters, for names at the edges of their charset. */
    @ParameterizedTest
    @ValueSource(
            strings = {
                "dev.ratelimit.demo.SearchResource/search",
                "dev.x.Outer$Inner/find",
                "a-b_c.d",
                "ppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppp"
                        + "ppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppp"
            })
    void headerValuesAreStructuredFieldItemsNamingThePolicyAsItIs(String name) {
        AppliedDecision applied =
                new AppliedDecision(policy(name, 10, 1, Duration.ofSeconds(1)), new Decision(true, 9, 0, 1000));

        assertThat(applied.policyHeader())
                .isEqualTo('"' + name + "\";q=10;w=10")
                .matches("\"[^\"\\\\]*\";q=\\d+;w=\\d+");
        assertThat(applied.limitHeader()).isEqualTo('"' + name + "\";r=9;t=1").matches("\"[^\"\\\\]*\";r=\\d+;t=\\d+");
    }
}
