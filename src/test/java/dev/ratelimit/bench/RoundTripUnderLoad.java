package dev.ratelimit.bench;

import dev.ratelimit.core.BucketLimits;
import dev.ratelimit.core.ClientId;
import dev.ratelimit.core.FailureMode;
import dev.ratelimit.core.RateLimitPolicy;
import dev.ratelimit.redis.RedisRateLimiter;
import dev.ratelimit.redis.RedisSettings;
import dev.ratelimit.testsupport.RedisFixture;
import dev.ratelimit.testsupport.RedisServerProcess;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import org.HdrHistogram.Histogram;

/**
 * The distribution of one decision's round trip ({@link RedisRateLimiter#acquire}) with the host idle and with
 * its CPU saturated, to choose the default Redis timeouts from: a timeout below the round trips a healthy but
 * busy Redis gives makes a fail-open policy pass calls undecided, and a fail-closed one refuse them.
 *
 * <p>It starts its own redis-server on a free port. Each caller thread decides for its own client id in a
 * bucket that never runs out (the script's allowed path, which writes the bucket); the limiter has one pooled
 * connection per caller and timeouts of 5 s, so that slowness is measured rather than cut off. The CPU is
 * saturated by busy-spinning platform threads at normal priority, two per core, in this JVM.
 *
 * <p>Arguments (all optional): {@code idleSeconds saturatedSeconds}, default 10 and 20.
 * Run: {@code ./mvnw -o -Pbench test-compile exec:exec@roundtrip} (with {@code -Droundtrip.args="5 10"}).
 */
public final class RoundTripUnderLoad {

    private static final Duration GENEROUS_TIMEOUT = Duration.ofSeconds(5);
    private static final Duration WARMUP = Duration.ofSeconds(3);
    private static final long[] THRESHOLDS_MS = {50, 100, 200, 500};
    private static final RateLimitPolicy NEVER_EMPTY = new RateLimitPolicy(
            "roundtrip", new BucketLimits(1_000_000_000L, 1_000_000_000L, Duration.ofSeconds(1)), 1, FailureMode.OPEN);

    /** Published so that the JIT cannot drop the spinners' work: written, never read. */
    @SuppressWarnings("UnusedVariable")
    private static volatile long spinResult;

    private record Scenario(String name, int callers, int spinners, Duration duration) {}

    private RoundTripUnderLoad() {}

    public static void main(String[] args) throws Exception {
        Duration idle = Duration.ofSeconds(args.length > 0 ? Long.parseLong(args[0]) : 10);
        Duration saturated = Duration.ofSeconds(args.length > 1 ? Long.parseLong(args[1]) : 20);
        int spinners = 2 * Runtime.getRuntime().availableProcessors();
        List<Scenario> scenarios = List.of(
                new Scenario("idle", 1, 0, idle),
                new Scenario("idle", 64, 0, idle),
                new Scenario("saturated", 64, spinners, saturated),
                new Scenario("saturated", 256, spinners, saturated));

        try (RedisServerProcess redis = startRedis()) {
            System.out.printf(
                    "# redis-server on 127.0.0.1:%d, %d cores, Java %s%n",
                    redis.port(), Runtime.getRuntime().availableProcessors(), Runtime.version());
            System.out.println("| Host | Callers | Decisions | Decisions/s | p50 | p99 | p99.9 | p99.99 | max "
                    + "| > 50 ms | > 100 ms | > 200 ms | > 500 ms | Errors |");
            System.out.println("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|");
            for (Scenario scenario : scenarios) {
                System.out.println(run(scenario, redis.port()));
            }
        }
    }

    private static RedisServerProcess startRedis() throws IOException {
        return RedisServerProcess.start(RedisFixture.localRedisServer(), RedisServerProcess.freePort());
    }

    private static String run(Scenario scenario, int port) throws InterruptedException {
        AtomicBoolean spinning = new AtomicBoolean(true);
        List<Thread> spinThreads = startSpinners(scenario.spinners(), spinning);
        try (RedisRateLimiter limiter = RedisRateLimiter.connect(RedisSettings.builder()
                .url("redis://127.0.0.1:" + port)
                .connectTimeout(GENEROUS_TIMEOUT)
                .commandTimeout(GENEROUS_TIMEOUT)
                .poolSize(scenario.callers())
                .keyPrefix("roundtrip-" + UUID.randomUUID() + ":")
                .build())) {
            Histogram total = new Histogram(TimeUnit.MINUTES.toMicros(1), 3);
            LongAdder errors = new LongAdder();
            CountDownLatch done = new CountDownLatch(scenario.callers());
            long warmupEnd = System.nanoTime() + WARMUP.toNanos();
            long end = warmupEnd + scenario.duration().toNanos();
            for (int i = 0; i < scenario.callers(); i++) {
                ClientId client = ClientId.of("caller-" + i);
                Thread caller = new Thread(
                        () -> {
                            Histogram own = new Histogram(TimeUnit.MINUTES.toMicros(1), 3);
                            try {
                                callUntil(limiter, client, warmupEnd, end, own, errors);
                            } finally {
                                synchronized (total) {
                                    total.add(own);
                                }
                                done.countDown();
                            }
                        },
                        "caller-" + i);
                caller.start();
            }
            if (!done.await(WARMUP.plus(scenario.duration()).toSeconds() + 60, TimeUnit.SECONDS)) {
                throw new IllegalStateException("callers did not finish within a minute of the scenario's end");
            }
            synchronized (total) {
                return row(scenario, total, errors.sum());
            }
        } finally {
            spinning.set(false);
            for (Thread spinner : spinThreads) {
                spinner.join();
            }
        }
    }

    private static void callUntil(
            RedisRateLimiter limiter,
            ClientId client,
            long warmupEnd,
            long end,
            Histogram histogram,
            LongAdder errors) {
        long now = System.nanoTime();
        while (now - end < 0) {
            long started = now;
            boolean failed = false;
            try {
                limiter.acquire(NEVER_EMPTY, client);
            } catch (RuntimeException e) {
                failed = true;
            }
            now = System.nanoTime();
            if (started - warmupEnd >= 0) {
                if (failed) {
                    errors.increment();
                } else {
                    histogram.recordValue(TimeUnit.NANOSECONDS.toMicros(now - started));
                }
            }
        }
    }

    private static List<Thread> startSpinners(int count, AtomicBoolean spinning) {
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            Thread spinner = new Thread(
                    () -> {
                        long x = 1;
                        while (spinning.get()) {
                            x = x * 6364136223846793005L + 1442695040888963407L;
                        }
                        spinResult = x;
                    },
                    "spinner-" + i);
            spinner.start();
            threads.add(spinner);
        }
        return threads;
    }

    private static String row(Scenario scenario, Histogram h, long errors) {
        StringBuilder row = new StringBuilder();
        row.append("| ")
                .append(scenario.name())
                .append(scenario.spinners() > 0 ? " (" + scenario.spinners() + " spinners)" : "")
                .append(" | ")
                .append(scenario.callers())
                .append(" | ")
                .append(h.getTotalCount())
                .append(" | ")
                .append(h.getTotalCount() / scenario.duration().toSeconds())
                .append(" | ")
                .append(millis(h.getValueAtPercentile(50)))
                .append(" | ")
                .append(millis(h.getValueAtPercentile(99)))
                .append(" | ")
                .append(millis(h.getValueAtPercentile(99.9)))
                .append(" | ")
                .append(millis(h.getValueAtPercentile(99.99)))
                .append(" | ")
                .append(millis(h.getMaxValue()));
        for (long thresholdMs : THRESHOLDS_MS) {
            long over = h.getTotalCount() - h.getCountBetweenValues(0, TimeUnit.MILLISECONDS.toMicros(thresholdMs));
            row.append(" | ").append(over);
        }
        return row.append(" | ").append(errors).append(" |").toString();
    }

    private static String millis(long micros) {
        return String.format("%.2f ms", micros / 1000.0);
    }
}
