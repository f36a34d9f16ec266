package dev.ratelimit.bench;

import dev.ratelimit.core.BucketLimits;
import dev.ratelimit.core.ClientId;
import dev.ratelimit.core.FailureMode;
import dev.ratelimit.core.RateLimitPolicy;
import dev.ratelimit.redis.RedisRateLimiter;
import dev.ratelimit.redis.RedisSettings;
import dev.ratelimit.testsupport.RedisFixture;
import dev.ratelimit.testsupport.RedisServerProcess;
import dev.ratelimit.testsupport.RedisStats;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.LongAdder;
import redis.clients.jedis.Jedis;

/**
 * One client far over its limit, flooding from 64 threads, with the hot-key shield on and off: decisions per
 * second, the Redis calls per second they cost, Redis' CPU per second, and what was admitted against what the
 * bucket can give (never more: the shield refuses only what Redis would).
 *
 * <p>It starts its own redis-server on a free port (127.0.0.1) and stops it at the end. Arguments (optional):
 * {@code seconds callers}, default 10 and 64. Run: {@code ./mvnw -o -Pbench test-compile exec:exec@flood}.
 */
public final class HotKeyFlood {

    private static final RateLimitPolicy TEN_THEN_ONE_A_SECOND =
            new RateLimitPolicy("flood", new BucketLimits(10, 1, Duration.ofSeconds(1)), 1, FailureMode.CLOSED);

    private HotKeyFlood() {}

    public static void main(String[] args) throws Exception {
        Duration run = Duration.ofSeconds(args.length > 0 ? Long.parseLong(args[0]) : 10);
        int callers = args.length > 1 ? Integer.parseInt(args[1]) : 64;
        try (RedisServerProcess redis =
                        RedisServerProcess.start(RedisFixture.localRedisServer(), RedisServerProcess.freePort());
                Jedis admin = RedisServerProcess.adminClient(redis.port(), Duration.ofSeconds(5))) {
            System.out.printf(
                    "# one client over its limit (10 tokens, 1 per second), %d callers, %d s per row,"
                            + " redis-server on 127.0.0.1:%d, %d cores%n",
                    callers, run.toSeconds(), redis.port(), Runtime.getRuntime().availableProcessors());
            System.out.println(
                    "| Shield | Decisions/s | Redis calls/s | Redis CPU (cores) | Admitted | Bucket could give |");
            System.out.println("|---|---|---|---|---|---|");
            for (boolean shield : new boolean[] {false, true, false, true}) {
                System.out.println(flood(redis.port(), admin, shield, callers, run));
            }
        }
    }

    private static String flood(int port, Jedis admin, boolean shield, int callers, Duration run) throws Exception {
        admin.flushAll();
        try (RedisRateLimiter limiter = RedisRateLimiter.connect(RedisSettings.builder()
                .url("redis://127.0.0.1:" + port)
                .shieldSize(shield ? 10_000 : 0)
                .build())) {
            ClientId flooder = ClientId.of("flooder");
            // Loads the script, so that the counts below are EVALSHA alone; the bucket is left with 9 tokens.
            limiter.acquire(TEN_THEN_ONE_A_SECOND, flooder);
            admin.configResetStat();
            double cpuBefore = RedisStats.cpuSeconds(admin);
            LongAdder decisions = new LongAdder();
            LongAdder admitted = new LongAdder();
            CountDownLatch start = new CountDownLatch(1);
            List<Thread> threads = new ArrayList<>();
            for (int i = 0; i < callers; i++) {
                Thread thread = new Thread(() -> {
                    try {
                        start.await();
                    } catch (InterruptedException e) {
                        return;
                    }
                    long deadline = System.nanoTime() + run.toNanos();
                    while (System.nanoTime() - deadline < 0) {
                        if (limiter.acquire(TEN_THEN_ONE_A_SECOND, flooder).allowed()) {
                            admitted.increment();
                        }
                        decisions.increment();
                    }
                });
                thread.start();
                threads.add(thread);
            }
            long started = System.nanoTime();
            start.countDown();
            for (Thread thread : threads) {
                thread.join();
            }
            double seconds = (System.nanoTime() - started) / 1e9;
            long redisCalls = RedisStats.scriptsRun(admin);
            return String.format(
                    "| %s | %,.0f | %,.0f | %.2f | %d | %.0f |",
                    shield ? "on" : "off",
                    decisions.sum() / seconds,
                    redisCalls / seconds,
                    (RedisStats.cpuSeconds(admin) - cpuBefore) / seconds,
                    admitted.sum(),
                    TEN_THEN_ONE_A_SECOND.limits().capacity() - 1 + seconds);
        }
    }
}
