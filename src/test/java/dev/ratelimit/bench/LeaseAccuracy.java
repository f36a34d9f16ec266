package dev.ratelimit.bench;

import dev.ratelimit.core.BucketLimits;
import dev.ratelimit.core.ClientId;
import dev.ratelimit.core.FailureMode;
import dev.ratelimit.core.Leasing;
import dev.ratelimit.core.RateLimitPolicy;
import dev.ratelimit.redis.RedisRateLimiter;
import dev.ratelimit.redis.RedisSettings;
import dev.ratelimit.testsupport.RedisFixture;
import dev.ratelimit.testsupport.RedisServerProcess;
import dev.ratelimit.testsupport.RedisStats;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Collectors;
import redis.clients.jedis.Jedis;

/**
 * How exact leases keep a limit across instances: N {@link RedisRateLimiter}s in this JVM, each connected on its
 * own (its own pools, leases and shield, as separate JVMs would be), flood one client's bucket of a leasing
 * policy, and what they admitted together is set against what the bucket can give over the same time.
 *
 * <p>Each cell: {@code FLUSHALL}, a new limiter per instance, then {@value #CALLERS_PER_INSTANCE} caller threads
 * per instance, each calling at a steady pace (an open loop: a call that waited is followed by the ones it held
 * up, at once), so that all instances together offer {@code overload} x the refill rate: split evenly, or 90% on
 * the first instance and the other 10% evenly over the others. The bucket holds {@code capacity} tokens, refilled
 * {@code capacity} per second; the policy leases with the cell's duration and the default share (a tenth of the
 * capacity per lease at most), fails closed, costs 1.
 *
 * <p>Columns: <b>Admitted</b> the calls allowed by all instances together; <b>Bound</b> capacity + refill x
 * elapsed, elapsed on Redis' clock ({@code TIME} before the first call and after the last answer): the most a
 * bucket that starts full can give, with or without leases; <b>Over</b> admitted beyond the bound, which must be 0
 * in every cell; <b>Under</b> the bound less admitted, tokens the bucket could have given that nobody admitted;
 * <b>Stated under</b> what the leasing docs allow for that: instances x the largest lease (the share of the
 * capacity), held for at most the lease's duration; <b>Redis calls/decision</b> the scripts Redis ran (EVALSHA and
 * EVAL, {@code INFO commandstats}) per call answered, give-backs included; <b>By instance</b> each instance's part
 * of the admitted calls; <b>Undecided</b> calls that got no decision (expected 0: Redis stays up).
 *
 * <p>It starts its own redis-server on a free port of 127.0.0.1 and stops it at the end. Arguments (all
 * optional): {@code secondsPerCell capacity overload}, default 4, 2000 and 4 (12 cells, about a minute). Run:
 * {@code ./mvnw -Pbench test-compile exec:exec@accuracy} (with {@code -Daccuracy.args="2"} for a shorter run).
 */
public final class LeaseAccuracy {

    private static final List<Integer> INSTANCES = List.of(2, 4);
    private static final List<Duration> LEASES =
            List.of(Duration.ofMillis(50), Duration.ofMillis(200), Duration.ofSeconds(1));
    private static final int CALLERS_PER_INSTANCE = 4;
    private static final double SKEWED_FIRST_SHARE = 0.9;
    /** A caller this many calls behind its pace gives up on catching up: the host, not the load, is then the limit. */
    private static final int MOST_CALLS_BEHIND = 100;

    private static final Duration WARMUP = Duration.ofSeconds(2);
    private static final Duration CALL_GRACE = Duration.ofSeconds(30);

    private enum Load {
        EVEN("even"),
        SKEWED("90/10");

        final String label;

        Load(String label) {
            this.label = label;
        }

        /** The part of the offered load instance {@code i} of {@code instances} gets. */
        double share(int i, int instances) {
            if (this == EVEN) {
                return 1.0 / instances;
            }
            return i == 0 ? SKEWED_FIRST_SHARE : (1 - SKEWED_FIRST_SHARE) / (instances - 1);
        }
    }

    private record Cell(int instances, Load load, Duration lease) {}

    private record Outcome(
            long offered,
            long admitted,
            long undecided,
            List<Long> admittedByInstance,
            double elapsedSeconds,
            long redisCalls,
            Throwable failure) {}

    private LeaseAccuracy() {}

    public static void main(String[] args) throws Exception {
        Duration perCell = Duration.ofSeconds(args.length > 0 ? Long.parseLong(args[0]) : 4);
        long capacity = args.length > 1 ? Long.parseLong(args[1]) : 2000;
        double overload = args.length > 2 ? Double.parseDouble(args[2]) : 4;
        if (perCell.isZero() || capacity < 10 || overload <= 0) {
            throw new IllegalArgumentException("want secondsPerCell >= 1, capacity >= 10 and overload > 0");
        }
        try (RedisServerProcess redis =
                        RedisServerProcess.start(RedisFixture.localRedisServer(), RedisServerProcess.freePort());
                Jedis admin = RedisServerProcess.adminClient(redis.port(), Duration.ofSeconds(5))) {
            System.out.printf(
                    Locale.ROOT,
                    "# one client's bucket of %d tokens refilled %d per second, flooded at %.2fx its refill by"
                            + " %d callers per instance; %d s per cell; redis-server on 127.0.0.1:%d, %d cores,"
                            + " Java %s%n",
                    capacity,
                    capacity,
                    overload,
                    CALLERS_PER_INSTANCE,
                    perCell.toSeconds(),
                    redis.port(),
                    Runtime.getRuntime().availableProcessors(),
                    Runtime.version());
            // Unreported: the JIT compiles the paths before the first cell counts.
            run(redis.port(), admin, new Cell(2, Load.EVEN, Duration.ofMillis(200)), capacity, overload, WARMUP);
            System.out.println();
            System.out.println("| Instances | Load | Lease | Offered/s | Admitted | Bound | Admitted/bound | Over "
                    + "| Under | Stated under (instances x largest lease) | Under within | Redis calls/decision "
                    + "| By instance | Undecided |");
            System.out.println("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|");
            long worstOver = 0;
            boolean underWithin = true;
            for (int instances : INSTANCES) {
                for (Load load : Load.values()) {
                    for (Duration lease : LEASES) {
                        Cell cell = new Cell(instances, load, lease);
                        Outcome outcome = run(redis.port(), admin, cell, capacity, overload, perCell);
                        RateLimitPolicy policy = policy(capacity, lease);
                        double bound = capacity + capacity * outcome.elapsedSeconds();
                        long over = Math.max(0, outcome.admitted() - (long) Math.floor(bound));
                        double under = Math.max(0, bound - outcome.admitted());
                        long statedUnder = instances * policy.maxLeasedTokens();
                        worstOver = Math.max(worstOver, over);
                        underWithin &= under <= statedUnder;
                        System.out.println(row(cell, outcome, bound, over, under, statedUnder));
                        if (outcome.failure() != null) {
                            System.out.println("  first undecided call: " + outcome.failure());
                        }
                    }
                }
            }
            System.out.println();
            System.out.printf(
                    "Over-admission: %s; under-admission within instances x largest lease in every cell: %s%n",
                    worstOver == 0 ? "0 in every cell" : "up to " + worstOver + " calls: THE BOUND WAS BROKEN",
                    underWithin ? "yes" : "no");
        }
    }

    private static RateLimitPolicy policy(long capacity, Duration lease) {
        return new RateLimitPolicy(
                        "accuracy", new BucketLimits(capacity, capacity, Duration.ofSeconds(1)), 1, FailureMode.CLOSED)
                .withLeasing(Leasing.forUpTo(lease));
    }

    private static Outcome run(int port, Jedis admin, Cell cell, long capacity, double overload, Duration length)
            throws InterruptedException {
        admin.flushAll();
        RateLimitPolicy policy = policy(capacity, cell.lease());
        ClientId flooder = ClientId.of("flooder");
        List<RedisRateLimiter> limiters = new ArrayList<>();
        try {
            for (int i = 0; i < cell.instances(); i++) {
                limiters.add(RedisRateLimiter.connect(
                        RedisSettings.builder().url("redis://127.0.0.1:" + port).build()));
            }
            LongAdder offered = new LongAdder();
            LongAdder undecided = new LongAdder();
            LongAdder[] admitted = new LongAdder[cell.instances()];
            AtomicReference<Throwable> firstFailure = new AtomicReference<>();
            CountDownLatch go = new CountDownLatch(1);
            CountDownLatch done = new CountDownLatch(cell.instances() * CALLERS_PER_INSTANCE);
            long[] window = new long[2];
            for (int i = 0; i < cell.instances(); i++) {
                RedisRateLimiter limiter = limiters.get(i);
                LongAdder own = new LongAdder();
                admitted[i] = own;
                double perCaller = overload * capacity * cell.load().share(i, cell.instances()) / CALLERS_PER_INSTANCE;
                long interval = (long) (TimeUnit.SECONDS.toNanos(1) / perCaller);
                for (int c = 0; c < CALLERS_PER_INSTANCE; c++) {
                    Thread caller = new Thread(
                            () -> {
                                try {
                                    go.await();
                                    long end = window[1];
                                    // Callers start spread over one interval, not all at once.
                                    long next = window[0] + (long) (Math.random() * interval);
                                    for (long now = System.nanoTime(); now - end < 0; now = System.nanoTime()) {
                                        if (next - now > 0) {
                                            LockSupport.parkNanos(next - now);
                                            continue;
                                        }
                                        next = Math.max(next, now - MOST_CALLS_BEHIND * interval) + interval;
                                        offered.increment();
                                        try {
                                            if (limiter.acquire(policy, flooder).allowed()) {
                                                own.increment();
                                            }
                                        } catch (RuntimeException e) {
                                            undecided.increment();
                                            firstFailure.compareAndSet(null, e);
                                        }
                                    }
                                } catch (InterruptedException e) {
                                    Thread.currentThread().interrupt();
                                } finally {
                                    done.countDown();
                                }
                            },
                            "instance-" + i + "-caller-" + c);
                    caller.setDaemon(true);
                    caller.start();
                }
            }
            admin.configResetStat();
            long before = redisMicros(admin);
            window[0] = System.nanoTime();
            window[1] = window[0] + length.toNanos();
            go.countDown();
            if (!done.await(length.toSeconds() + CALL_GRACE.toSeconds(), TimeUnit.SECONDS)) {
                throw new IllegalStateException("callers still in a call " + CALL_GRACE + " after the cell's end");
            }
            long after = redisMicros(admin);
            long redisCalls = RedisStats.scriptsRun(admin);
            List<Long> byInstance = Arrays.stream(admitted).map(LongAdder::sum).toList();
            return new Outcome(
                    offered.sum(),
                    byInstance.stream().mapToLong(Long::longValue).sum(),
                    undecided.sum(),
                    byInstance,
                    (after - before) / 1e6,
                    redisCalls,
                    firstFailure.get());
        } finally {
            limiters.forEach(RedisRateLimiter::close);
        }
    }

    /** Redis' clock, {@code TIME}, in microseconds. */
    private static long redisMicros(Jedis admin) {
        List<String> time = admin.time();
        return Long.parseLong(time.get(0)) * 1_000_000 + Long.parseLong(time.get(1));
    }

    private static String row(Cell cell, Outcome outcome, double bound, long over, double under, long statedUnder) {
        long decided = outcome.offered() - outcome.undecided();
        String byInstance = outcome.admittedByInstance().stream()
                .map(n -> outcome.admitted() == 0
                        ? "–"
                        : String.format(Locale.ROOT, "%.0f%%", 100.0 * n / outcome.admitted()))
                .collect(Collectors.joining(" / "));
        return String.format(
                Locale.ROOT,
                "| %d | %s | %s | %,.0f | %,d | %,.0f | %.3f | %d | %,.0f | %,d | %s | %.3f | %s | %d |",
                cell.instances(),
                cell.load().label,
                cell.lease().toMillis() >= 1000
                        ? cell.lease().toSeconds() + " s"
                        : cell.lease().toMillis() + " ms",
                outcome.offered() / outcome.elapsedSeconds(),
                outcome.admitted(),
                bound,
                outcome.admitted() / bound,
                over,
                under,
                statedUnder,
                under <= statedUnder ? "yes" : "**no**",
                decided == 0 ? Double.NaN : (double) outcome.redisCalls() / decided,
                byInstance,
                outcome.undecided());
    }
}
