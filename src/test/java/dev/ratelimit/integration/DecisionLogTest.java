package dev.ratelimit.integration;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ratelimit.core.BucketLimits;
import dev.ratelimit.core.FailureMode;
import dev.ratelimit.core.FailureReason;
import dev.ratelimit.core.LimiterUnavailableException;
import dev.ratelimit.core.RateLimitPolicy;
import dev.ratelimit.testsupport.LogCapture;
import java.net.ConnectException;
import java.time.Duration;
import java.util.logging.Level;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** What an operator reads of a failed decision: the reason and what the call got, a stack trace only where it helps. */
class DecisionLogTest {

    private static final RateLimitPolicy ORDERS =
            new RateLimitPolicy("orders", new BucketLimits(5, 5, Duration.ofMinutes(1)), 1, FailureMode.CLOSED);

    @RegisterExtension
    final LogCapture log = LogCapture.of(RateLimitInterceptor.class);

    private static LimiterUnavailableException failure(FailureReason reason) {
        return new LimiterUnavailableException(
                reason, "Redis could not decide (" + reason.label() + ")", new ConnectException("Connection refused"));
    }

    @Test
    void anOutageIsOneWarningWithoutStackTraceAndWhatTheCallGot() {
        new DecisionLog().undecided(ORDERS, failure(FailureReason.CONNECTION), false);

        assertThat(log.records()).singleElement().satisfies(record -> {
            assertThat(record.getLevel()).isEqualTo(Level.WARNING);
            assertThat(record.getThrown()).isNull();
            assertThat(record.getMessage())
                    .isEqualTo("Redis could not decide (connection); policy 'orders' is fail-closed: calls get 503");
        });
    }

    @Test
    void atFineTheStackTraceOfAnOutageFollowsItsReport() {
        log.atFine();

        new DecisionLog().undecided(ORDERS, failure(FailureReason.TIMEOUT), true);

        assertThat(log.records()).hasSize(2);
        assertThat(log.records().get(0).getThrown()).isNull();
        assertThat(log.records().get(0).getMessage()).endsWith("policy 'orders' is in shadow mode: calls run");
        assertThat(log.records().get(1).getLevel()).isEqualTo(Level.FINE);
        assertThat(log.records().get(1).getThrown()).isInstanceOf(ConnectException.class);
    }

    @Test
    void aFailureNoReasonExplainsKeepsItsStackTrace() {
        new DecisionLog().undecided(ORDERS, failure(FailureReason.ERROR_REPLY), false);

        assertThat(log.records()).singleElement().satisfies(record -> {
            assertThat(record.getLevel()).isEqualTo(Level.SEVERE);
            assertThat(record.getThrown()).isInstanceOf(ConnectException.class);
        });
    }

    @Test
    void eachReasonAndEachApplicationIsThrottledOnItsOwn() {
        DecisionLog decisions = new DecisionLog();
        for (int i = 0; i < 5; i++) {
            decisions.undecided(ORDERS, failure(FailureReason.TIMEOUT), false);
            decisions.undecided(ORDERS, failure(FailureReason.OUT_OF_MEMORY), false);
        }
        new DecisionLog().undecided(ORDERS, failure(FailureReason.TIMEOUT), false);

        assertThat(log.records())
                .extracting(record ->
                        record.getMessage().substring(0, record.getMessage().indexOf(';')))
                .containsExactly(
                        "Redis could not decide (timeout)",
                        "Redis could not decide (out_of_memory)",
                        "Redis could not decide (timeout)");
    }
}
