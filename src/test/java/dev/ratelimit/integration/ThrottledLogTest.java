package dev.ratelimit.integration;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ratelimit.testsupport.LogCapture;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** ThrottledLog on a fake nano clock: no test here depends on real time. */
class ThrottledLogTest {

    private static final long SECOND = 1_000_000_000L;
    private static final Duration INTERVAL = Duration.ofSeconds(10);

    private final AtomicLong now = new AtomicLong(1_000 * SECOND);

    @RegisterExtension
    final LogCapture capture = LogCapture.ofAnonymousLogger();

    private ThrottledLog log() {
        return new ThrottledLog(capture.logger(), INTERVAL, now::get);
    }

    private void at(long nanos) {
        now.set(nanos);
    }

    private List<String> messages() {
        return capture.records().stream().map(LogRecord::getMessage).toList();
    }

    @Test
    void theFirstWarningIsLoggedAtOnceWithItsCause() {
        ThrottledLog log = log();
        RuntimeException cause = new RuntimeException("connection refused");

        log.log(Level.WARNING, () -> "Redis is down", cause);

        assertThat(capture.records()).hasSize(1);
        assertThat(capture.records().get(0).getLevel()).isEqualTo(Level.WARNING);
        assertThat(capture.records().get(0).getMessage()).isEqualTo("Redis is down");
        assertThat(capture.records().get(0).getThrown()).isSameAs(cause);
    }

    @Test
    void warningsWithinTheIntervalAreHeldBack() {
        ThrottledLog log = log();
        long start = now.get();

        log.log(Level.WARNING, () -> "first", null);
        at(start + 1);
        log.log(Level.WARNING, () -> "second", null);
        at(start + 5 * SECOND);
        log.log(Level.WARNING, () -> "third", null);
        at(start + 10 * SECOND - 1);
        log.log(Level.WARNING, () -> "fourth", null);

        assertThat(messages()).containsExactly("first");
    }

    @Test
    void afterTheIntervalTheNextWarningIsLoggedWithTheCountHeldBack() {
        ThrottledLog log = log();
        long start = now.get();

        log.log(Level.WARNING, () -> "down", null);
        at(start + SECOND);
        log.log(Level.WARNING, () -> "down", null);
        at(start + 2 * SECOND);
        log.log(Level.WARNING, () -> "down", null);
        at(start + 3 * SECOND);
        log.log(Level.WARNING, () -> "down", null);
        at(start + 10 * SECOND);
        log.log(Level.WARNING, () -> "still down", null);

        assertThat(messages()).containsExactly("down", "still down (3 more like it since the last report)");
    }

    @Test
    void theCountStartsAgainAfterEachReport() {
        ThrottledLog log = log();
        long start = now.get();

        log.log(Level.WARNING, () -> "a", null);
        at(start + SECOND);
        log.log(Level.WARNING, () -> "held", null);
        at(start + 10 * SECOND);
        log.log(Level.WARNING, () -> "b", null);
        at(start + 11 * SECOND);
        log.log(Level.WARNING, () -> "held", null);
        at(start + 12 * SECOND);
        log.log(Level.WARNING, () -> "held", null);
        at(start + 20 * SECOND);
        log.log(Level.WARNING, () -> "c", null);
        at(start + 35 * SECOND);
        log.log(Level.WARNING, () -> "d", null);

        assertThat(messages())
                .containsExactly(
                        "a",
                        "b (1 more like it since the last report)",
                        "c (2 more like it since the last report)",
                        "d");
    }

    @Test
    void theIntervalRunsFromTheLastReportNotFromTheStart() {
        ThrottledLog log = log();
        long start = now.get();

        at(start + 7 * SECOND);
        log.log(Level.WARNING, () -> "a", null);
        at(start + 10 * SECOND);
        log.log(Level.WARNING, () -> "held", null);
        at(start + 16 * SECOND);
        log.log(Level.WARNING, () -> "held", null);
        at(start + 17 * SECOND);
        log.log(Level.WARNING, () -> "b", null);

        assertThat(messages()).containsExactly("a", "b (2 more like it since the last report)");
    }

    @Test
    void aHeldBackMessageIsNeverBuilt() {
        ThrottledLog log = log();
        AtomicInteger built = new AtomicInteger();
        Supplier<String> message = () -> "built " + built.incrementAndGet();

        log.log(Level.WARNING, message, null);
        for (int i = 1; i <= 100; i++) {
            at(now.get() + 1);
            log.log(Level.WARNING, message, null);
        }

        assertThat(built).hasValue(1);
        assertThat(messages()).containsExactly("built 1");
    }

    @Test
    void eachReportCarriesItsOwnCause() {
        ThrottledLog log = log();
        long start = now.get();
        RuntimeException first = new RuntimeException("first");
        RuntimeException held = new RuntimeException("held");
        RuntimeException second = new RuntimeException("second");

        log.log(Level.WARNING, () -> "a", first);
        at(start + SECOND);
        log.log(Level.WARNING, () -> "b", held);
        at(start + 10 * SECOND);
        log.log(Level.WARNING, () -> "c", second);

        assertThat(capture.records()).extracting(LogRecord::getThrown).containsExactly(first, second);
    }

    @Test
    void survivesTheNanoClockWrappingAround() {
        at(Long.MAX_VALUE - 3 * SECOND);
        ThrottledLog log = log();
        long start = now.get();

        log.log(Level.WARNING, () -> "a", null);
        at(start + 5 * SECOND); // wrapped to a negative value, still within the interval
        log.log(Level.WARNING, () -> "held", null);
        at(start + 10 * SECOND); // wrapped, interval over
        log.log(Level.WARNING, () -> "b", null);

        assertThat(now.get()).isNegative();
        assertThat(messages()).containsExactly("a", "b (1 more like it since the last report)");
    }

    @Test
    void aZeroIntervalLogsEveryWarning() {
        ThrottledLog log = new ThrottledLog(capture.logger(), Duration.ZERO, now::get);

        log.log(Level.WARNING, () -> "a", null);
        log.log(Level.WARNING, () -> "b", null);
        log.log(Level.WARNING, () -> "c", null);

        assertThat(messages()).containsExactly("a", "b", "c");
    }
}
