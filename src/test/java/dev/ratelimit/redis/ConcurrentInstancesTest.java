package dev.ratelimit.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ratelimit.core.BucketLimits;
import dev.ratelimit.core.ClientId;
import dev.ratelimit.core.Decision;
import dev.ratelimit.core.FailureMode;
import dev.ratelimit.core.RateLimitPolicy;
import dev.ratelimit.testsupport.RedisFixture;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.RedisClient;

/**
 * Two independent limiter instances, each with its own Jedis client and 16 threads, hammer one bucket:
 * the total allowed must never exceed what the bucket can give over the elapsed time (measured on Redis'
 * clock), and must come close to it, since tokens are asked for far faster than they come back.
 */
class ConcurrentInstancesTest {

    private static final int INSTANCES = 2;
    private static final int THREADS_PER_INSTANCE = 16;
    private static final Duration HAMMERING = Duration.ofSeconds(2);
    private static final BucketLimits LIMITS = new BucketLimits(50, 100, Duration.ofSeconds(1));
    private static final RateLimitPolicy HAMMERED = new RateLimitPolicy("hammered", LIMITS, 1, FailureMode.CLOSED);

    @Test
    void instancesSharingABucketNeverAllowMoreThanItHolds() throws Exception {
        String prefix = "test-" + UUID.randomUUID() + ":";
        List<RedisRateLimiter> limiters = new ArrayList<>();
        ExecutorService threads = Executors.newFixedThreadPool(INSTANCES * THREADS_PER_INSTANCE);
        AtomicLong allowed = new AtomicLong();
        AtomicLong attempts = new AtomicLong();
        try {
            CountDownLatch start = new CountDownLatch(1);
            List<Future<?>> workers = new ArrayList<>();
            for (int instance = 0; instance < INSTANCES; instance++) {
                RedisRateLimiter limiter = RedisRateLimiter.connect(RedisSettings.builder()
                        .url(RedisFixture.shared().url().toString())
                        .keyPrefix(prefix)
                        .commandTimeout(Duration.ofSeconds(2))
                        .connectTimeout(Duration.ofSeconds(2))
                        .poolSize(THREADS_PER_INSTANCE)
                        .build());
                limiters.add(limiter);
                for (int thread = 0; thread < THREADS_PER_INSTANCE; thread++) {
                    workers.add(threads.submit(() -> {
                        start.await();
                        long deadline = System.nanoTime() + HAMMERING.toNanos();
                        while (System.nanoTime() - deadline < 0) {
                            Decision decision = limiter.acquire(HAMMERED, ClientId.of("one-client"));
                            attempts.incrementAndGet();
                            if (decision.allowed()) {
                                allowed.incrementAndGet();
                            }
                        }
                        return null;
                    }));
                }
            }
            long startedAt;
            long elapsedMillis;
            try (RedisClient clock = RedisFixture.shared().client()) {
                startedAt = RedisFixture.redisTimeMillis(clock);
                start.countDown();
                for (Future<?> worker : workers) {
                    worker.get(HAMMERING.toSeconds() + 30, TimeUnit.SECONDS);
                }
                elapsedMillis = RedisFixture.redisTimeMillis(clock) - startedAt;
            }

            double mostTheBucketCanGive = LIMITS.capacity() + LIMITS.refillTokens() * elapsedMillis / 1000.0;
            assertThat(attempts.get()).as("attempts").isGreaterThan(10L * allowed.get());
            assertThat((double) allowed.get())
                    .as("allowed in %d ms", elapsedMillis)
                    .isLessThanOrEqualTo(mostTheBucketCanGive)
                    .isGreaterThanOrEqualTo(0.9 * mostTheBucketCanGive);
        } finally {
            threads.shutdownNow();
            limiters.forEach(RedisRateLimiter::close);
        }
    }
}
