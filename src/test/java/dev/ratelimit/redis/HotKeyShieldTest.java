package dev.ratelimit.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ratelimit.core.BucketLimits;
import dev.ratelimit.core.ClientId;
import dev.ratelimit.core.Decision;
import dev.ratelimit.core.FailureMode;
import dev.ratelimit.core.RateLimitPolicy;
import dev.ratelimit.testsupport.OwnRedisServer;
import dev.ratelimit.testsupport.RedisStats;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The hot-key shield on a redis-server of the test's own, whose command counts say how often Redis was asked:
 * buckets Redis refused are answered locally until their retry-after, and never admit more than Redis would.
 */
class HotKeyShieldTest {

    private static final ClientId CLIENT = ClientId.of("flooder");

    @RegisterExtension
    static final OwnRedisServer REDIS = new OwnRedisServer();

    private static RedisRateLimiter limiter(int shieldSize) {
        return RedisRateLimiter.connect(RedisSettings.builder()
                .url("redis://127.0.0.1:" + REDIS.port())
                .commandTimeout(Duration.ofSeconds(2))
                .shieldSize(shieldSize)
                .build());
    }

    private static RateLimitPolicy policy(long capacity, long refillTokens, Duration refillPeriod) {
        return new RateLimitPolicy(
                "flooded", new BucketLimits(capacity, refillTokens, refillPeriod), 1, FailureMode.CLOSED);
    }

    private static long redisDecisions() {
        return RedisStats.scriptsRun(REDIS.admin());
    }

    @Test
    void aRefusedBucketIsAnsweredLocallyWithTheRetryAfterCountingDown() throws Exception {
        RateLimitPolicy oneEveryTenSeconds = policy(1, 1, Duration.ofSeconds(10));
        try (RedisRateLimiter limiter = limiter(100)) {
            assertThat(limiter.acquire(oneEveryTenSeconds, CLIENT).allowed()).isTrue();
            Decision refusedByRedis = limiter.acquire(oneEveryTenSeconds, CLIENT);
            Thread.sleep(20);
            Decision refusedLocally = limiter.acquire(oneEveryTenSeconds, CLIENT);

            assertThat(refusedByRedis.allowed()).isFalse();
            assertThat(refusedLocally.allowed()).isFalse();
            assertThat(refusedLocally.remaining()).isZero();
            assertThat(refusedLocally.retryAfterMillis()).isPositive().isLessThan(refusedByRedis.retryAfterMillis());
            assertThat(refusedLocally.resetAfterMillis()).isGreaterThanOrEqualTo(refusedLocally.retryAfterMillis());
            assertThat(redisDecisions()).isEqualTo(2);
        }
    }

    @Test
    void theShieldLetsGoOnceTheBucketHasTheTokensAgain() throws Exception {
        RateLimitPolicy oneEvery300Millis = policy(1, 1, Duration.ofMillis(300));
        try (RedisRateLimiter limiter = limiter(100)) {
            assertThat(limiter.acquire(oneEvery300Millis, CLIENT).allowed()).isTrue();
            assertThat(limiter.acquire(oneEvery300Millis, CLIENT).allowed()).isFalse();
            Thread.sleep(400);

            assertThat(limiter.acquire(oneEvery300Millis, CLIENT).allowed()).isTrue();
            assertThat(redisDecisions()).isEqualTo(3);
        }
    }

    @Test
    void aChangedPolicyAsksRedisAgain() {
        try (RedisRateLimiter limiter = limiter(100)) {
            limiter.acquire(policy(1, 1, Duration.ofHours(1)), CLIENT);
            assertThat(limiter.acquire(policy(1, 1, Duration.ofHours(1)), CLIENT)
                            .allowed())
                    .isFalse();

            limiter.acquire(policy(5, 1, Duration.ofHours(1)), CLIENT);
            assertThat(redisDecisions()).isEqualTo(3);
        }
    }

    @Test
    void switchedOffEveryCallAsksRedis() {
        RateLimitPolicy oneAnHour = policy(1, 1, Duration.ofHours(1));
        try (RedisRateLimiter limiter = limiter(0)) {
            for (int i = 0; i < 20; i++) {
                limiter.acquire(oneAnHour, CLIENT);
            }
            assertThat(redisDecisions()).isEqualTo(20);
        }
    }

    /**
     * Two instances, 32 callers each, flood one client: what they admit together stays within what the
     * bucket can give over the elapsed time (on Redis' clock) and comes close to it, while most calls never
     * reach Redis.
     */
    @Test
    void aFloodAcrossTwoInstancesIsExactAndMostlyAnsweredLocally() throws Exception {
        RateLimitPolicy twentyThenTenASecond = policy(20, 10, Duration.ofSeconds(1));
        Duration flood = Duration.ofSeconds(3);
        List<RedisRateLimiter> limiters = List.of(limiter(10_000), limiter(10_000));
        ExecutorService threads = Executors.newFixedThreadPool(64);
        AtomicLong admitted = new AtomicLong();
        AtomicLong decisions = new AtomicLong();
        try {
            CountDownLatch start = new CountDownLatch(1);
            List<Future<?>> callers = new ArrayList<>();
            for (int i = 0; i < 64; i++) {
                RedisRateLimiter limiter = limiters.get(i % 2);
                callers.add(threads.submit(() -> {
                    start.await();
                    long deadline = System.nanoTime() + flood.toNanos();
                    while (System.nanoTime() - deadline < 0) {
                        if (limiter.acquire(twentyThenTenASecond, CLIENT).allowed()) {
                            admitted.incrementAndGet();
                        }
                        decisions.incrementAndGet();
                    }
                    return null;
                }));
            }
            long startedAt = redisNowMillis();
            start.countDown();
            for (Future<?> caller : callers) {
                caller.get(flood.toSeconds() + 30, TimeUnit.SECONDS);
            }
            long elapsedMillis = redisNowMillis() - startedAt;

            double mostTheBucketCanGive = 20 + 10 * elapsedMillis / 1000.0;
            assertThat((double) admitted.get())
                    .as("admitted in %d ms", elapsedMillis)
                    .isLessThanOrEqualTo(mostTheBucketCanGive)
                    .isGreaterThanOrEqualTo(0.8 * mostTheBucketCanGive);
            assertThat(redisDecisions())
                    .as("Redis calls for %d decisions", decisions.get())
                    .isLessThan(decisions.get() / 10);
            System.out.printf(
                    "[figure] shield: %d decisions, %d admitted (at most %.1f), %d reached Redis%n",
                    decisions.get(), admitted.get(), mostTheBucketCanGive, redisDecisions());
        } finally {
            threads.shutdownNow();
            limiters.forEach(RedisRateLimiter::close);
        }
    }

    private static long redisNowMillis() {
        List<String> time = REDIS.admin().time();
        return Long.parseLong(time.get(0)) * 1000 + Long.parseLong(time.get(1)) / 1000;
    }
}
