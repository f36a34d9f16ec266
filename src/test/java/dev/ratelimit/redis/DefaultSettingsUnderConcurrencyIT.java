package dev.ratelimit.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ratelimit.core.BucketLimits;
import dev.ratelimit.core.ClientId;
import dev.ratelimit.core.FailureMode;
import dev.ratelimit.core.LimiterUnavailableException;
import dev.ratelimit.core.RateLimitPolicy;
import dev.ratelimit.testsupport.RedisFixture;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A limiter with nothing but a URL set, as an application gets it, under as many concurrent callers as a
 * Liberty server runs requests: against a healthy Redis, every call is decided, none left to the failure mode.
 */
class DefaultSettingsUnderConcurrencyIT {

    private static final RateLimitPolicy NEVER_EMPTY = new RateLimitPolicy(
            "concurrency",
            new BucketLimits(1_000_000_000L, 1_000_000_000L, Duration.ofSeconds(1)),
            1,
            FailureMode.CLOSED);

    @ParameterizedTest(name = "{0} callers")
    @ValueSource(ints = {64, 256})
    void everyCallIsDecided(int callers) throws Exception {
        LongAdder decided = new LongAdder();
        Map<String, LongAdder> undecidedByReason = new ConcurrentHashMap<>();
        ExecutorService threads = Executors.newFixedThreadPool(callers);
        try (RedisRateLimiter limiter = RedisRateLimiter.connect(RedisSettings.builder()
                .url(RedisFixture.shared().url().toString())
                .build())) {
            CountDownLatch start = new CountDownLatch(1);
            List<Future<?>> workers = new ArrayList<>();
            for (int i = 0; i < callers; i++) {
                workers.add(threads.submit(() -> {
                    start.await();
                    long deadline = System.nanoTime() + Duration.ofSeconds(2).toNanos();
                    while (System.nanoTime() - deadline < 0) {
                        ClientId client = ClientId.of(
                                "client-" + ThreadLocalRandom.current().nextInt(10_000));
                        try {
                            limiter.acquire(NEVER_EMPTY, client);
                            decided.increment();
                        } catch (LimiterUnavailableException e) {
                            undecidedByReason
                                    .computeIfAbsent(e.reason().label(), reason -> new LongAdder())
                                    .increment();
                        }
                    }
                    return null;
                }));
            }
            start.countDown();
            for (Future<?> worker : workers) {
                worker.get(60, TimeUnit.SECONDS);
            }
        } finally {
            threads.shutdownNow();
        }

        assertThat(undecidedByReason)
                .as("undecided calls by reason, of %d decided", decided.sum())
                .isEmpty();
        assertThat(decided.sum()).isGreaterThanOrEqualTo(callers);
    }
}
