package dev.ratelimit.bench;

import dev.ratelimit.core.BucketLimits;
import dev.ratelimit.core.ClientId;
import dev.ratelimit.core.Decision;
import dev.ratelimit.core.FailureMode;
import dev.ratelimit.core.RateLimitPolicy;
import dev.ratelimit.redis.RedisRateLimiter;
import dev.ratelimit.redis.RedisSettings;
import dev.ratelimit.testsupport.RedisFixture;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.ThreadParams;

/**
 * Throughput of {@link RedisRateLimiter#acquire}, used as a plain Java program would use it (no CDI, no
 * MicroProfile Config): one EVALSHA of the token bucket script per call, through the pooled client the
 * limiter opens, against one real Redis that {@link RedisFixture} starts once per fork (each fork is a JVM
 * of its own; the fixture stops its redis-server when that JVM exits). Keys carry a prefix of their own
 * and expire by themselves.
 *
 * <ul>
 *   <li>{@code allowed}: one bucket so large it never runs out, so every call takes tokens and writes the
 *       bucket (HSET + PEXPIRE);</li>
 *   <li>{@code blocked}: one empty bucket (capacity 1, 1 token an hour, drained in setup), so every call is
 *       denied and the script writes nothing;</li>
 *   <li>{@code manyClients}: the large bucket again, but each call for the next of 10,000 client ids, so the
 *       calls spread over 10,000 keys instead of hitting one.</li>
 * </ul>
 *
 * Each runs at 1 and at 16 threads ({@code _t1}, {@code _t16}). The pool holds more connections than there
 * are threads and the timeouts are generous, so that a busy machine slows the benchmark down rather than
 * failing it with timeouts.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(1)
@Warmup(iterations = 2, time = 3)
@Measurement(iterations = 3, time = 5)
public class RedisAcquireBenchmark {

    static final int MAX_THREADS = 16;
    static final int DISTINCT_CLIENTS = 10_000;

    /** Never runs out: 10^9 tokens refilled every second; capacity x 1000 ms is far within 2^53. */
    static final BucketLimits UNLIMITED = new BucketLimits(1_000_000_000L, 1_000_000_000L, Duration.ofSeconds(1));

    static final RateLimitPolicy ALLOWED = new RateLimitPolicy("allowed", UNLIMITED, 1, FailureMode.OPEN);
    static final RateLimitPolicy SPREAD = new RateLimitPolicy("spread", UNLIMITED, 1, FailureMode.OPEN);
    /** Empty once its one token is taken, and for an hour after. */
    static final RateLimitPolicy BLOCKED =
            new RateLimitPolicy("blocked", new BucketLimits(1, 1, Duration.ofHours(1)), 1, FailureMode.OPEN);

    @State(Scope.Benchmark)
    public static class Limiter {

        RedisRateLimiter limiter;
        final ClientId hotClient = ClientId.of("hot-client");
        final ClientId blockedClient = ClientId.of("blocked-client");
        final ClientId[] clients = new ClientId[DISTINCT_CLIENTS];

        @Setup(Level.Trial)
        public void connect() {
            RedisFixture.RedisEndpoint redis = RedisFixture.shared();
            System.out.println("# Benchmarking against " + redis + " at " + redis.url());
            limiter = RedisRateLimiter.connect(RedisSettings.builder()
                    .url(redis.url().toString())
                    .connectTimeout(Duration.ofSeconds(2))
                    .commandTimeout(Duration.ofSeconds(2))
                    .poolSize(2 * MAX_THREADS)
                    .keyPrefix("bench-" + UUID.randomUUID() + ":")
                    .build());
            for (int i = 0; i < clients.length; i++) {
                clients[i] = ClientId.of("client-" + i);
            }

            // The first call loads the script (NOSCRIPT, then EVAL): keep that out of the measurement.
            require(limiter.acquire(ALLOWED, hotClient).allowed(), "the large bucket allows");
            require(limiter.acquire(BLOCKED, blockedClient).allowed(), "the first token is taken");
            require(!limiter.acquire(BLOCKED, blockedClient).allowed(), "the drained bucket denies");
        }

        @TearDown(Level.Trial)
        public void checkAndClose() {
            try (RedisRateLimiter closing = limiter) {
                // Make sure each benchmark measured the path it is named after.
                require(limiter.acquire(ALLOWED, hotClient).allowed(), "the large bucket still allows after the run");
                require(
                        !limiter.acquire(BLOCKED, blockedClient).allowed(),
                        "the drained bucket still denies after the run");
            }
        }

        private static void require(boolean condition, String what) {
            if (!condition) {
                throw new IllegalStateException("benchmark precondition failed: " + what);
            }
        }
    }

    /** Each thread walks the 10,000 client ids from its own starting point. */
    @State(Scope.Thread)
    public static class Rotation {

        int next;

        @Setup(Level.Trial)
        public void start(ThreadParams thread) {
            next = (int) ((long) DISTINCT_CLIENTS * thread.getThreadIndex() / thread.getThreadCount());
        }

        ClientId nextOf(ClientId[] clients) {
            ClientId client = clients[next];
            next = next + 1 == clients.length ? 0 : next + 1;
            return client;
        }
    }

    @Benchmark
    @Threads(1)
    public Decision allowed_t1(Limiter state) {
        return state.limiter.acquire(ALLOWED, state.hotClient);
    }

    @Benchmark
    @Threads(MAX_THREADS)
    public Decision allowed_t16(Limiter state) {
        return state.limiter.acquire(ALLOWED, state.hotClient);
    }

    @Benchmark
    @Threads(1)
    public Decision blocked_t1(Limiter state) {
        return state.limiter.acquire(BLOCKED, state.blockedClient);
    }

    @Benchmark
    @Threads(MAX_THREADS)
    public Decision blocked_t16(Limiter state) {
        return state.limiter.acquire(BLOCKED, state.blockedClient);
    }

    @Benchmark
    @Threads(1)
    public Decision manyClients_t1(Limiter state, Rotation rotation) {
        return state.limiter.acquire(SPREAD, rotation.nextOf(state.clients));
    }

    @Benchmark
    @Threads(MAX_THREADS)
    public Decision manyClients_t16(Limiter state, Rotation rotation) {
        return state.limiter.acquire(SPREAD, rotation.nextOf(state.clients));
    }
}
