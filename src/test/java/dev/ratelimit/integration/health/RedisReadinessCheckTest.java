package dev.ratelimit.integration.health;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ratelimit.integration.config.LimiterSettings;
import dev.ratelimit.integration.http.TrustedProxies;
import dev.ratelimit.redis.RedisRateLimiter;
import dev.ratelimit.redis.RedisSettings;
import dev.ratelimit.testsupport.RedisFixture;
import dev.ratelimit.testsupport.RedisServerProcess;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.junit.jupiter.api.Test;

/** The readiness check's answer, and what {@code ratelimit.health.readiness-requires-redis} changes in it. */
class RedisReadinessCheckTest {

    /** The check as the container would make it, its injected fields set by hand: no container runs here. */
    @SuppressWarnings("UnnecessaryAssignment")
    private static RedisReadinessCheck check(String url, boolean readinessRequiresRedis) {
        RedisSettings redis = RedisSettings.builder()
                .url(url)
                .connectTimeout(Duration.ofMillis(200))
                .commandTimeout(Duration.ofMillis(200))
                .build();
        RedisReadinessCheck check = new RedisReadinessCheck();
        check.settings = new LimiterSettings(
                redis, TrustedProxies.of(List.of()), 1, 1, Optional.empty(), 64, readinessRequiresRedis, Duration.ZERO);
        check.redis = RedisRateLimiter.connect(redis);
        return check;
    }

    private static HealthCheckResponse callAndClose(RedisReadinessCheck check) {
        try (RedisRateLimiter redis = check.redis) {
            return check.call();
        }
    }

    @Test
    void upWhileRedisAnswers() {
        String url = RedisFixture.shared().url().toString();
        String node = "127.0.0.1:" + RedisFixture.shared().url().getPort();

        HealthCheckResponse response = callAndClose(check(url, true));

        assertThat(response.getName()).isEqualTo("ratelimit-redis");
        assertThat(response.getStatus()).isEqualTo(HealthCheckResponse.Status.UP);
        assertThat(response.getData())
                .contains(Map.of(
                        "topology",
                        "standalone",
                        "readiness-requires-redis",
                        true,
                        node + ".reachable",
                        true,
                        node + ".breaker",
                        "closed"));
    }

    @Test
    void downWhileRedisDoesNotAnswerNamingWhy() throws Exception {
        String node = "127.0.0.1:" + RedisServerProcess.freePort();

        HealthCheckResponse response = callAndClose(check("redis://" + node, true));

        assertThat(response.getStatus()).isEqualTo(HealthCheckResponse.Status.DOWN);
        assertThat(response.getData())
                .contains(Map.of(
                        "topology",
                        "standalone",
                        "readiness-requires-redis",
                        true,
                        node + ".reachable",
                        false,
                        node + ".breaker",
                        "closed",
                        node + ".failure",
                        "connection"));
    }

    @Test
    void upWithTheSameDataWhenReadinessDoesNotRequireRedis() throws Exception {
        String node = "127.0.0.1:" + RedisServerProcess.freePort();

        HealthCheckResponse response = callAndClose(check("redis://" + node, false));

        assertThat(response.getStatus()).isEqualTo(HealthCheckResponse.Status.UP);
        assertThat(response.getData())
                .contains(Map.of(
                        "topology",
                        "standalone",
                        "readiness-requires-redis",
                        false,
                        node + ".reachable",
                        false,
                        node + ".breaker",
                        "closed",
                        node + ".failure",
                        "connection"));
    }
}
