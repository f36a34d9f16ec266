package dev.ratelimit.integration;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ratelimit.redis.RedisRateLimiter;
import dev.ratelimit.redis.RedisSettings;
import dev.ratelimit.testsupport.LogCapture;
import dev.ratelimit.testsupport.RedisFixture;
import dev.ratelimit.testsupport.RedisServerProcess;
import java.time.Duration;
import java.util.logging.Level;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The startup report, from a real probe of a real Redis, and of a port nothing listens on. */
class RedisAtStartupTest {

    @RegisterExtension
    final LogCapture log = LogCapture.of(RedisAtStartup.class);

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

        assertThat(log.records()).singleElement().satisfies(record -> {
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

        assertThat(log.records()).singleElement().satisfies(record -> {
            assertThat(record.getLevel()).isEqualTo(Level.INFO);
            assertThat(record.getMessage()).startsWith("Redis answers at 127.0.0.1:");
        });
    }
}
