package dev.ratelimit.integration;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ratelimit.redis.RedisRateLimiter;
import dev.ratelimit.redis.RedisSettings;
import dev.ratelimit.testsupport.RedisFixture;
import dev.ratelimit.testsupport.RedisServerProcess;
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

/** The startup report, from a real probe of a real Redis, and of a port nothing listens on. */
class RedisAtStartupTest {

    private static final Logger LOGGER = Logger.getLogger(RedisAtStartup.class.getName());

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

    @BeforeEach
    void captureTheLogger() {
        LOGGER.addHandler(capture);
    }

    @AfterEach
    void releaseIt() {
        LOGGER.removeHandler(capture);
    }

    private void reportOf(String url) {
        RedisSettings settings = RedisSettings.builder()
                .url(url)
                .connectTimeout(Duration.ofMillis(300))
                .commandTimeout(Duration.ofMillis(300))
                .build();
        try (RedisRateLimiter redis = RedisRateLimiter.connect(settings)) {
            RedisAtStartup.report(redis.probe());
        }
    }

    @Test
    void aRedisThatCannotBeReachedIsOneWarningNamingItAndWhy() throws Exception {
        int closed = RedisServerProcess.freePort();

        reportOf("redis://127.0.0.1:" + closed);

        assertThat(records).singleElement().satisfies(record -> {
            assertThat(record.getLevel()).isEqualTo(Level.WARNING);
            assertThat(record.getThrown()).isNull();
            assertThat(record.getMessage())
                    .isEqualTo("Redis cannot be reached at startup: 127.0.0.1:" + closed + " (connection). The"
                            + " application runs, and each policy follows its failure mode until Redis answers");
        });
    }

    @Test
    void aRedisThatAnswersIsOneInfoLine() {
        String url = RedisFixture.shared().url().toString();

        reportOf(url);

        assertThat(records).singleElement().satisfies(record -> {
            assertThat(record.getLevel()).isEqualTo(Level.INFO);
            assertThat(record.getMessage()).startsWith("Redis answers at 127.0.0.1:");
        });
    }
}
