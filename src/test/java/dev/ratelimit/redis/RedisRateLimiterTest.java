package dev.ratelimit.redis;

import dev.ratelimit.limiter.BucketKeys;
import dev.ratelimit.limiter.ClientId;
import dev.ratelimit.limiter.BucketLimits;
import dev.ratelimit.limiter.LimiterUnavailableException;
import dev.ratelimit.testsupport.RedisFixture;
import dev.ratelimit.testsupport.RedisServerProcess;
import dev.ratelimit.testsupport.TcpProxy;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.RedisClient;

import java.net.URI;
import java.time.Duration;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class RedisRateLimiterTest {

    private static final BucketLimits TWO_PER_HOUR = new BucketLimits(2, 2, Duration.ofHours(1));

    private static RedisClient redis;
    private static String prefix;
    private static RedisRateLimiter limiter;

    @BeforeAll
    static void connect() {
        redis = RedisFixture.shared().client();
        prefix = "test-" + UUID.randomUUID() + ":";
        limiter = new RedisRateLimiter(redis, new BucketKeys(prefix), TokenBucketScript.load());
    }

    @AfterAll
    static void close() {
        redis.close();
    }

    @Test
    void eachClientOfAPolicyHasItsOwnHashTaggedKey() {
        limiter.acquire("orders", ClientId.of("alice"), TWO_PER_HOUR, 1);

        assertThat(redis.exists(prefix + "{orders:alice}")).isTrue();
    }

    @Test
    void clientsDoNotShareABucket() {
        limiter.acquire("isolation", ClientId.of("alice"), TWO_PER_HOUR, 2);

        assertThat(limiter.acquire("isolation", ClientId.of("alice"), TWO_PER_HOUR, 1).allowed()).isFalse();
        assertThat(limiter.acquire("isolation", ClientId.of("bob"), TWO_PER_HOUR, 1).allowed()).isTrue();
    }

    @Test
    void unsafeOrLongIdsAreHashedIntoBoundedKeys() {
        limiter.acquire("hashed", ClientId.of("} evil {"), TWO_PER_HOUR, 1);
        limiter.acquire("hashed", ClientId.of("x".repeat(10_000)), TWO_PER_HOUR, 1);

        assertThat(redis.keys(prefix + "{hashed:*"))
                .hasSize(2)
                .allSatisfy(key -> assertThat(key).matches(java.util.regex.Pattern.quote(prefix)
                        + "\\{hashed:~[0-9a-f]{64}}"));
    }

    @Test
    void anUnreachableRedisMakesTheLimiterUnavailable() throws Exception {
        RedisSettings nobodyListening = new RedisSettings(
                URI.create("redis://127.0.0.1:" + RedisServerProcess.freePort()),
                Duration.ofMillis(100), Duration.ofMillis(100), 2);
        try (RedisClient client = nobodyListening.connect()) {
            RedisRateLimiter unreachable = new RedisRateLimiter(client, new BucketKeys(prefix), TokenBucketScript.load());

            assertThatThrownBy(() -> unreachable.acquire("down", ClientId.of("alice"), TWO_PER_HOUR, 1))
                    .isInstanceOf(LimiterUnavailableException.class)
                    .hasMessageContaining("'down'");
        }
    }

    @Test
    void aRedisThatDoesNotAnswerMakesTheLimiterUnavailableAfterTheCommandTimeout() throws Exception {
        URI shared = RedisFixture.shared().url();
        try (TcpProxy proxy = TcpProxy.start(shared.getHost(), shared.getPort());
             RedisClient client = new RedisSettings(URI.create("redis://127.0.0.1:" + proxy.port()),
                     Duration.ofMillis(100), Duration.ofMillis(100), 2).connect()) {
            RedisRateLimiter throughProxy = new RedisRateLimiter(client, new BucketKeys(prefix), TokenBucketScript.load());
            assertThat(throughProxy.acquire("hung", ClientId.of("alice"), TWO_PER_HOUR, 1).allowed()).isTrue();

            proxy.mode(TcpProxy.Mode.HANG);
            long started = System.nanoTime();
            assertThatThrownBy(() -> throughProxy.acquire("hung", ClientId.of("alice"), TWO_PER_HOUR, 1))
                    .isInstanceOf(LimiterUnavailableException.class);
            // Far below Jedis' own 2 s default: the configured 100 ms applies. A wide bound, not a benchmark.
            assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofMillis(1500));
        }
    }
}
