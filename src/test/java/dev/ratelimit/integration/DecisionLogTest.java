package dev.ratelimit.integration;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ratelimit.core.BucketLimits;
import dev.ratelimit.core.FailureMode;
import dev.ratelimit.core.FailureReason;
import dev.ratelimit.core.LimiterUnavailableException;
import dev.ratelimit.core.RateLimitPolicy;
import java.net.ConnectException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** What an operator reads of a failed decision: the reason and what the call got, a stack trace only where it helps. */
class DecisionLogTest {

    private static final Logger LOGGER = Logger.getLogger(RateLimitInterceptor.class.getName());
    private static final RateLimitPolicy ORDERS =
            new RateLimitPolicy("orders", new BucketLimits(5, 5, Duration.ofMinutes(1)), 1, FailureMode.CLOSED);

    private final List<LogRecord> records = new ArrayList<>();
    private final Handler capture = new Handler() {
        @Override
        public void publish(LogRecord record) {
            records.add(record);
        }

        @Override
        public void flush() {}

        @Override
        public void close() {}
    };
    private Level levelBefore;

    @BeforeEach
    void captureTheInterceptorsLogger() {
        levelBefore = LOGGER.getLevel();
        LOGGER.addHandler(capture);
    }

    @AfterEach
    void releaseIt() {
        LOGGER.removeHandler(capture);
        LOGGER.setLevel(levelBefore);
    }

    private static LimiterUnavailableException failure(FailureReason reason) {
        return new LimiterUnavailableException(
                reason, "Redis could not decide (" + reason.label() + ")", new ConnectException("Connection refused"));
    }

    @Test
    void anOutageIsOneWarningWithoutStackTraceAndWhatTheCallGot() {
        new DecisionLog().undecided(ORDERS, failure(FailureReason.CONNECTION), false);

        assertThat(records).singleElement().satisfies(record -> {
            assertThat(record.getLevel()).isEqualTo(Level.WARNING);
            assertThat(record.getThrown()).isNull();
            assertThat(record.getMessage())
                    .isEqualTo("Redis could not decide (connection); policy 'orders' is fail-closed: calls get 503");
        });
    }

    @Test
    void atFineTheStackTraceOfAnOutageFollowsItsReport() {
        LOGGER.setLevel(Level.FINE);

        new DecisionLog().undecided(ORDERS, failure(FailureReason.TIMEOUT), true);

        assertThat(records).hasSize(2);
        assertThat(records.get(0).getThrown()).isNull();
        assertThat(records.get(0).getMessage()).endsWith("policy 'orders' is in shadow mode: calls run");
        assertThat(records.get(1).getLevel()).isEqualTo(Level.FINE);
        assertThat(records.get(1).getThrown()).isInstanceOf(ConnectException.class);
    }

    @Test
    void aFailureNoReasonExplainsKeepsItsStackTrace() {
        new DecisionLog().undecided(ORDERS, failure(FailureReason.ERROR_REPLY), false);

        assertThat(records).singleElement().satisfies(record -> {
            assertThat(record.getLevel()).isEqualTo(Level.SEVERE);
            assertThat(record.getThrown()).isInstanceOf(ConnectException.class);
        });
    }

    @Test
    void eachReasonAndEachApplicationIsThrottledOnItsOwn() {
        DecisionLog log = new DecisionLog();
        for (int i = 0; i < 5; i++) {
            log.undecided(ORDERS, failure(FailureReason.TIMEOUT), false);
            log.undecided(ORDERS, failure(FailureReason.OUT_OF_MEMORY), false);
        }
        new DecisionLog().undecided(ORDERS, failure(FailureReason.TIMEOUT), false);

        assertThat(records)
                .extracting(record ->
                        record.getMessage().substring(0, record.getMessage().indexOf(';')))
                .containsExactly(
                        "Redis could not decide (timeout)",
                        "Redis could not decide (out_of_memory)",
                        "Redis could not decide (timeout)");
    }
}
