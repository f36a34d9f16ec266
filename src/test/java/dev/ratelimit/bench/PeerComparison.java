package dev.ratelimit.bench;

import dev.ratelimit.core.BucketLimits;
import dev.ratelimit.core.ClientId;
import dev.ratelimit.core.FailureMode;
import dev.ratelimit.core.Leasing;
import dev.ratelimit.core.LimiterUnavailableException;
import dev.ratelimit.core.RateLimitPolicy;
import dev.ratelimit.redis.RedisRateLimiter;
import dev.ratelimit.redis.RedisSettings;
import dev.ratelimit.testsupport.RedisFixture;
import dev.ratelimit.testsupport.RedisServerProcess;
import dev.ratelimit.testsupport.RedisStats;
import io.github.bucket4j.BucketConfiguration;
import io.github.bucket4j.distributed.ExpirationAfterWriteStrategy;
import io.github.bucket4j.distributed.proxy.ProxyManager;
import io.github.bucket4j.distributed.serialization.Mapper;
import io.github.bucket4j.redis.jedis.Bucket4jJedis;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.IntFunction;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.HdrHistogram.Histogram;
import org.redisson.Redisson;
import org.redisson.api.RRateLimiter;
import org.redisson.api.RateType;
import org.redisson.api.RedissonClient;
import org.redisson.config.Config;
import redis.clients.jedis.ClientSetInfoConfig;
import redis.clients.jedis.ConnectionPoolConfig;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.RedisClient;
import redis.clients.jedis.RedisProtocol;

/**
 * This project's {@link RedisRateLimiter} beside other ways of deciding a token bucket in Redis, in one run on
 * one redis-server it starts itself on 127.0.0.1 (and stops at the end): how many decisions each makes per
 * second, how long one takes, and what each costs Redis in CPU and memory.
 *
 * <p>The contenders, each with the same generous bucket (1,000,000,000 tokens, refilled 1,000,000,000 per
 * second, so that calls are allowed and the script's writing path is measured):
 * <ul>
 *   <li>{@code project}: {@code RedisRateLimiter.connect(...)} with default settings (its pipelines over the
 *       default pool, whatever the callers; the hot-key shield never acts, nothing is refused),
 *       {@code acquire(policy, client)};</li>
 *   <li>{@code leasing}: the same limiter with the same bucket under a leasing policy
 *       ({@code withLeasing(Leasing.forUpTo(200 ms))}, the default share of a tenth of the capacity): it takes
 *       tokens ahead of calls and admits later calls of the bucket from them in memory. With this bucket the
 *       share lets a lease grow to whatever the instance asked for during the last spending time;</li>
 *   <li>{@code jedis}: this project's Lua script by EVALSHA on a plain Jedis pool as large as the callers, one
 *       call per decision: the floor the other ratios are taken against;</li>
 *   <li>{@code plain}: the textbook two-field bucket ({@code plain_token_bucket.lua}: a hash of tokens and
 *       timestamp, no stored period, no retry-after) the same way: the yardstick of Redis CPU per decision;</li>
 *   <li>{@code scg}: Spring Cloud Gateway's {@code request_rate_limiter.lua} (two keys) the same way;</li>
 *   <li>{@code bucket4j}: Bucket4j's compare-and-swap {@code JedisBasedProxyManager} on that pool,
 *       {@code tryConsume(1)};</li>
 *   <li>{@code redisson}: Redisson's {@code RRateLimiter.tryAcquire(1)}, its rate set once per key before the
 *       cell ({@code trySetRate}, as an application does when it first meets a client);</li>
 *   <li>{@code redis-benchmark}: Redis' own C load generator sending the EVALSHA of {@code jedis}, with as many
 *       connections as callers: what Redis can do without any Java client.</li>
 * </ul>
 *
 * <p>Each cell is one contender, one number of callers (platform threads started together, each calling in a
 * loop) and one key pattern: {@code hot}, every call on one key, or {@code spread}, each call on one of
 * 100,000 clients' keys picked at random. Redis is flushed before each cell; the callers run 2 s of warm-up
 * (connections, JIT; 10 s in a Java contender's first cell, while the JIT compiles its path), then the measured
 * seconds. Everything shares the host's cores: callers, Redis, and
 * redis-benchmark, so the numbers compare contenders on this host, not Redis' own ceiling.
 *
 * <p>Columns: <b>Decisions/s</b> calls that got an answer, per measured second; <b>Undecided</b> calls that threw
 * instead (for the project a {@link LimiterUnavailableException}: pool exhausted, timeout), not in the latencies;
 * <b>Denied</b> answers that refused (expected 0 with this bucket); <b>p50, p99, p99.9</b> the latency of one
 * answered call in ms, HdrHistogram over all callers (redis-benchmark's own percentiles, no p99.9); <b>Redis
 * calls/decision</b> the scripts Redis ran over the measured seconds (EVALSHA and EVAL, {@code INFO commandstats},
 * {@link RedisStats#scriptsRun}) divided by the answered calls: 1 for a contender deciding with one script call,
 * pipelined or not, far less with leases; not reported for Bucket4j and Redisson, which send other commands too
 * (commandstats also counts the commands a script runs, so no count of it tells a client's own calls apart);
 * <b>Redis CPU/decision</b> the growth of redis-server's {@code used_cpu_user + used_cpu_sys} over the measured
 * seconds divided by the answered calls, in µs; <b>Bytes/key</b> {@code MEMORY USAGE ... SAMPLES 0} of the keys one
 * client's bucket occupies, summed (Redisson: 3 keys, SCG: 2), averaged over up to 100 clients written in the cell.
 * A second table divides each contender's decisions/s by {@code jedis}', by {@code redis-benchmark}'s and by
 * {@code project}'s in the same cell; the leasing targets are checked last. A contender that cannot start is
 * reported and skipped.
 *
 * <p>Arguments (all optional): {@code seconds contenders callers projectPoolSize keys}, default
 * {@code 5 all 1,16,64,256 default hot,spread} ({@code default}: the library's default pool size), e.g.
 * {@code 2 project,jedis 1,64}, {@code 4 project,jedis 16 2} or {@code 5 project,leasing 1,16 default spread};
 * a full default run takes about 9 minutes. Callers still in a call long after their cell ended (see the notes)
 * go on running beside the cells after it: run those again on their own, e.g. the spread keys in a run of their
 * own.
 * Run: {@code ./mvnw -o -Pbench test-compile exec:exec@peers} (with {@code -Dpeers.args="2 all 1,64"}).
 */
public final class PeerComparison {

    private static final int CLIENTS = 100_000;
    /** Tokens each bucket holds, and refills per second: no cell comes near it, so every call is allowed. */
    private static final long GENEROUS = 1_000_000_000L;

    private static final Duration REFILL_PERIOD = Duration.ofSeconds(1);
    private static final Duration WARMUP = Duration.ofSeconds(2);
    /**
     * A Java contender's first cell warms up longer: until the JIT has compiled its path, a cell measures the
     * compiler (a 2 s warm-up left the first cell of a run a third to a half below the same cell run again).
     */
    private static final Duration FIRST_WARMUP = Duration.ofSeconds(10);
    /** Slow enough to measure a saturated host rather than cut it off, for the clients this program configures. */
    private static final Duration CLIENT_TIMEOUT = Duration.ofSeconds(5);
    /** How long a call still running at a cell's end is waited for before it is reported and left behind. */
    private static final Duration STRAGGLER_GRACE = Duration.ofSeconds(30);

    private static final int MEMORY_SAMPLES = 100;
    private static final long MAX_LATENCY_MICROS = TimeUnit.MINUTES.toMicros(1);
    /** Two significant digits: 32 KB per caller's histogram rather than 256 KB, 1% precision is plenty here. */
    private static final int LATENCY_DIGITS = 2;

    /** The leasing contender's lease: what the leasing figures in the performance docs are measured with. */
    private static final Duration LEASE = Duration.ofMillis(200);
    /** Leasing targets: at most this many Redis calls per decision on a hot key at these callers ... */
    private static final double TARGET_LEASED_CALLS_PER_DECISION = 0.05;
    /** ... and at least this many times plain Jedis' decisions/s there; at 1 caller at least the project's. */
    private static final double TARGET_LEASED_OVER_JEDIS = 5.0;

    private static final List<Integer> TARGET_LEASED_CALLERS = List.of(16, 64);

    private static final List<Integer> DEFAULT_CALLERS = List.of(1, 16, 64, 256);
    private static final long DEFAULT_SECONDS = 5;

    private static final String PROJECT_SCRIPT = "/dev/ratelimit/redis/token_bucket.lua";
    private static final String SCG_SCRIPT = "/dev/ratelimit/bench/request_rate_limiter.lua";
    private static final String PLAIN_SCRIPT = "/dev/ratelimit/bench/plain_token_bucket.lua";
    /** Cost 1, Redis' clock (no time given), then one band: capacity, refill tokens, refill period. */
    private static final List<String> PROJECT_SCRIPT_ARGS =
            List.of("", Long.toString(GENEROUS), Long.toString(GENEROUS), Long.toString(REFILL_PERIOD.toMillis()), "1");
    /** Capacity, refill tokens, refill period, cost. */
    private static final List<String> PLAIN_SCRIPT_ARGS =
            List.of(Long.toString(GENEROUS), Long.toString(GENEROUS), Long.toString(REFILL_PERIOD.toMillis()), "1");
    /** As Spring Cloud Gateway passes them: rate per second, burst capacity, no time (Redis' TIME), requested. */
    private static final List<String> SCG_SCRIPT_ARGS =
            List.of(Long.toString(GENEROUS), Long.toString(GENEROUS), "", "1");

    /**
     * Redisson logs each pool it fills at INFO, which would land between the table's rows. Held here because
     * java.util.logging keeps its loggers only weakly, and with them their levels.
     */
    private static final Logger REDISSON_LOG = Logger.getLogger("org.redisson");

    private enum KeyPattern {
        HOT,
        SPREAD;

        int nextClient() {
            return this == HOT ? 0 : ThreadLocalRandom.current().nextInt(CLIENTS);
        }

        String label() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** One way of deciding, opened for one cell. */
    private interface Contender extends AutoCloseable {

        /** Work done once per bucket rather than once per call, before the cell's clock starts. */
        default void prepare(KeyPattern pattern) {}

        /** @return whether the call was allowed; throws when it got no answer */
        boolean decide(int client);

        /** The Redis keys that hold one client's bucket. */
        List<String> keysOf(int client);

        @Override
        void close();
    }

    @FunctionalInterface
    private interface Opener {
        Contender open(int port, int callers) throws Exception;
    }

    /** What fills one row: a Java client driven by caller threads, or redis-benchmark. */
    private interface Peer {
        String id();

        String title();

        Result measure(Bench bench, KeyPattern pattern, int callers, Duration warmup) throws Exception;
    }

    /**
     * @param undecided null where the contender does not report them (redis-benchmark)
     * @param p999Millis null where the contender does not report it (redis-benchmark)
     */
    private record Result(
            double decisionsPerSecond,
            Long undecided,
            Long denied,
            double p50Millis,
            double p99Millis,
            Double p999Millis,
            Double redisCallsPerDecision,
            double cpuMicrosPerDecision,
            Double bytesPerKey) {}

    private record Cell(KeyPattern pattern, int callers) {}

    public static void main(String[] args) throws Exception {
        Duration measured = Duration.ofSeconds(args.length > 0 ? Long.parseLong(args[0]) : DEFAULT_SECONDS);
        List<Integer> callerCounts = args.length > 2
                ? Arrays.stream(args[2].split(","))
                        .map(String::trim)
                        .map(Integer::valueOf)
                        .toList()
                : DEFAULT_CALLERS;
        REDISSON_LOG.setLevel(Level.WARNING);
        Optional<Integer> projectPoolSize = args.length > 3 && !args[3].equals("default")
                ? Optional.of(Integer.valueOf(args[3]))
                : Optional.empty();
        List<KeyPattern> patterns = args.length > 4
                ? Arrays.stream(args[4].split(","))
                        .map(pattern -> KeyPattern.valueOf(pattern.trim().toUpperCase(Locale.ROOT)))
                        .toList()
                : List.of(KeyPattern.values());
        if (projectPoolSize.filter(size -> size < 1).isPresent()) {
            throw new IllegalArgumentException("the pool size must be at least 1: " + args[3]);
        }
        List<Peer> peers = choose(allPeers(projectPoolSize), args.length > 1 ? args[1] : "all");

        try (RedisServerProcess redis =
                        RedisServerProcess.start(RedisFixture.localRedisServer(), RedisServerProcess.freePort());
                Jedis admin = RedisServerProcess.adminClient(redis.port(), CLIENT_TIMEOUT)) {
            Bench bench = new Bench(redis.port(), admin, measured);
            System.out.printf(
                    "# redis-server %s on 127.0.0.1:%d, %d cores, Java %s; %d s measured per cell after"
                            + " %d s of warm-up (%d s in a Java contender's first cell)%n",
                    bench.redisVersion(),
                    redis.port(),
                    Runtime.getRuntime().availableProcessors(),
                    Runtime.version(),
                    measured.toSeconds(),
                    WARMUP.toSeconds(),
                    FIRST_WARMUP.toSeconds());
            System.out.println();
            System.out.println("| Keys | Callers | Contender | Decisions/s | Undecided | Denied | p50 ms | p99 ms "
                    + "| p99.9 ms | Redis calls/decision | Redis CPU/decision µs | Bytes/key |");
            System.out.println("|---|---|---|---|---|---|---|---|---|---|---|---|");

            Map<Cell, Map<Peer, Double>> rates = new LinkedHashMap<>();
            Map<Cell, Map<Peer, Double>> callsPerDecision = new LinkedHashMap<>();
            Set<Peer> broken = new HashSet<>();
            Set<Peer> warmedUp = new HashSet<>();
            for (KeyPattern pattern : patterns) {
                for (int callers : callerCounts) {
                    Cell cell = new Cell(pattern, callers);
                    for (Peer peer : peers) {
                        if (broken.contains(peer)) {
                            continue;
                        }
                        bench.resetRedis();
                        try {
                            Result result =
                                    peer.measure(bench, pattern, callers, warmedUp.add(peer) ? FIRST_WARMUP : WARMUP);
                            rates.computeIfAbsent(cell, c -> new LinkedHashMap<>())
                                    .put(peer, result.decisionsPerSecond());
                            callsPerDecision
                                    .computeIfAbsent(cell, c -> new LinkedHashMap<>())
                                    .put(
                                            peer,
                                            result.redisCallsPerDecision() == null
                                                    ? Double.NaN
                                                    : result.redisCallsPerDecision());
                            System.out.println(row(cell, peer, result));
                        } catch (Exception | LinkageError e) {
                            broken.add(peer);
                            System.out.printf(
                                    "| %s | %d | %s | failed, skipped from here on: %s | | | | | | | | |%n",
                                    pattern.label(), callers, peer.title(), oneLine(e));
                        }
                    }
                }
            }
            printRatios(
                    rates,
                    peerWithId(peers, "jedis"),
                    peerWithId(peers, "redis-benchmark"),
                    peerWithId(peers, "project"));
            printLeasingTargets(
                    rates,
                    callsPerDecision,
                    peerWithId(peers, "leasing"),
                    peerWithId(peers, "jedis"),
                    peerWithId(peers, "project"));
            bench.printNotes();
        }
    }

    private static List<Peer> allPeers(Optional<Integer> projectPoolSize) {
        List<Peer> peers = new ArrayList<>(List.of(
                new JavaClientPeer(
                        "project",
                        "this project (RedisRateLimiter)"
                                + projectPoolSize
                                        .map(size -> ", pool-size " + size)
                                        .orElse(""),
                        (port, callers) -> new ProjectLimiter(port, projectPoolSize, ProjectLimiter.POLICY)),
                new JavaClientPeer(
                        "leasing",
                        "this project, leasing (lease " + LEASE.toMillis() + " ms)"
                                + projectPoolSize
                                        .map(size -> ", pool-size " + size)
                                        .orElse(""),
                        (port, callers) -> new ProjectLimiter(port, projectPoolSize, ProjectLimiter.LEASING_POLICY)),
                new JavaClientPeer("jedis", "Jedis EVALSHA, project script", ScriptOverJedis::projectScript),
                new JavaClientPeer("plain", "Jedis EVALSHA, plain two-field bucket", ScriptOverJedis::plainScript),
                new JavaClientPeer("scg", "Jedis EVALSHA, Spring Cloud Gateway script", ScriptOverJedis::scgScript),
                new JavaClientPeer("bucket4j", "Bucket4j-Jedis CAS", Bucket4jCas::new, false),
                new JavaClientPeer("redisson", "Redisson RRateLimiter", RedissonRateLimiter::new, false)));
        peers.add(new RedisBenchmarkTool(RedisFixture.onPath("redis-benchmark")));
        return peers;
    }

    private static List<Peer> choose(List<Peer> peers, String ids) {
        if (ids.equals("all")) {
            return peers;
        }
        Set<String> wanted = new LinkedHashSet<>(Arrays.asList(ids.split(",")));
        List<Peer> chosen =
                peers.stream().filter(peer -> wanted.remove(peer.id())).toList();
        if (!wanted.isEmpty()) {
            throw new IllegalArgumentException("unknown contenders " + wanted + "; known: "
                    + peers.stream().map(Peer::id).collect(Collectors.joining(",")) + " or all");
        }
        return chosen;
    }

    private static Peer peerWithId(List<Peer> peers, String id) {
        return peers.stream().filter(peer -> peer.id().equals(id)).findFirst().orElse(null);
    }

    /** The redis-server under test, the cell length, and what was noticed along the way. */
    private static final class Bench {

        private final int port;
        private final Jedis admin;
        private final Duration measured;
        private final List<String> notes = new ArrayList<>();

        Bench(int port, Jedis admin, Duration measured) {
            this.port = port;
            this.admin = admin;
            this.measured = measured;
        }

        String redisVersion() {
            return admin.info("server")
                    .lines()
                    .filter(line -> line.startsWith("redis_version:"))
                    .map(line -> line.substring("redis_version:".length()).trim())
                    .findFirst()
                    .orElse("unknown");
        }

        void resetRedis() {
            admin.flushAll();
            admin.configResetStat();
        }

        double redisCpuSeconds() {
            return RedisStats.cpuSeconds(admin);
        }

        /** Scripts Redis ran since its statistics were last reset: the calls of a contender that decides by script. */
        long redisScripts() {
            return RedisStats.scriptsRun(admin);
        }

        String loadScript(String resource) {
            return admin.scriptLoad(readResource(resource));
        }

        /** The mean of the summed sizes of one client's keys, over clients whose keys all exist; null if none. */
        Double bytesPerKey(KeyPattern pattern, IntFunction<List<String>> keysOf) {
            int samples = pattern == KeyPattern.HOT ? 1 : MEMORY_SAMPLES;
            long bytes = 0;
            int sampled = 0;
            // Spread cells write only the clients they happened to draw: try more clients than are sampled.
            for (int attempt = 0; attempt < samples * 50 && sampled < samples; attempt++) {
                List<String> keys = keysOf.apply(pattern.nextClient());
                if (admin.exists(keys.toArray(String[]::new)) == keys.size()) {
                    for (String key : keys) {
                        Long usage = admin.memoryUsage(key, 0);
                        bytes += usage == null ? 0 : usage;
                    }
                    sampled++;
                }
            }
            return sampled == 0 ? null : (double) bytes / sampled;
        }

        void note(String note) {
            notes.add(note);
        }

        void printNotes() {
            if (!notes.isEmpty()) {
                System.out.println();
                notes.forEach(note -> System.out.println("- " + note));
            }
        }
    }

    /**
     * A Java client driven by caller threads that loop on {@link Contender#decide} until the cell ends.
     *
     * @param countsCalls whether the contender asks Redis by scripts alone, so that the scripts Redis ran are its
     *                    calls
     */
    private record JavaClientPeer(String id, String title, Opener opener, boolean countsCalls) implements Peer {

        JavaClientPeer(String id, String title, Opener opener) {
            this(id, title, opener, true);
        }

        @Override
        public Result measure(Bench bench, KeyPattern pattern, int callers, Duration warmup) throws Exception {
            try (Contender contender = opener.open(bench.port, callers)) {
                contender.prepare(pattern);
                return drive(bench, contender, pattern, callers, warmup);
            }
        }

        private Result drive(Bench bench, Contender contender, KeyPattern pattern, int callers, Duration warmup)
                throws InterruptedException {
            Histogram latencies = new Histogram(MAX_LATENCY_MICROS, LATENCY_DIGITS);
            Tally tally = new Tally();
            AtomicReference<Throwable> callerDeath = new AtomicReference<>();
            AtomicReference<Window> window = new AtomicReference<>();
            CountDownLatch ready = new CountDownLatch(callers);
            CountDownLatch go = new CountDownLatch(1);
            CountDownLatch done = new CountDownLatch(callers);
            for (int i = 0; i < callers; i++) {
                Thread caller = new Thread(
                        () -> {
                            Histogram own = new Histogram(MAX_LATENCY_MICROS, LATENCY_DIGITS);
                            try {
                                ready.countDown();
                                go.await();
                                callUntilEnd(contender, pattern, window.get(), own, tally);
                            } catch (Throwable e) {
                                callerDeath.compareAndSet(null, e);
                            } finally {
                                synchronized (latencies) {
                                    latencies.add(own);
                                }
                                done.countDown();
                            }
                        },
                        "caller-" + i);
                // A call stuck past the grace period must not keep the JVM alive after the run.
                caller.setDaemon(true);
                caller.start();
            }
            ready.await();
            Window measured = Window.after(warmup, bench.measured);
            window.set(measured);
            go.countDown();

            sleepUntil(measured.from());
            double cpuBefore = bench.redisCpuSeconds();
            long commandsBefore = bench.redisScripts();
            sleepUntil(measured.end());
            double cpuAfter = bench.redisCpuSeconds();
            long commandsAfter = bench.redisScripts();
            String cell = pattern.label() + "/" + callers + "/" + id;
            if (!done.await(STRAGGLER_GRACE.toSeconds(), TimeUnit.SECONDS)) {
                bench.note(cell + ": " + done.getCount() + " callers still in a call " + STRAGGLER_GRACE.toSeconds()
                        + " s after the end; their measured calls are missing, and they go on running beside"
                        + " the cells after it, whose figures are then taken on a busier host");
            }
            if (callerDeath.get() != null) {
                throw new IllegalStateException("a caller died: " + oneLine(callerDeath.get()), callerDeath.get());
            }
            if (tally.firstUndecided.get() != null) {
                bench.note(cell + ": first undecided call: " + oneLine(tally.firstUndecided.get()));
            }
            synchronized (latencies) {
                long decisions = latencies.getTotalCount();
                return new Result(
                        decisions / (double) bench.measured.toSeconds(),
                        tally.undecided.sum(),
                        tally.denied.sum(),
                        millis(latencies.getValueAtPercentile(50)),
                        millis(latencies.getValueAtPercentile(99)),
                        millis(latencies.getValueAtPercentile(99.9)),
                        countsCalls ? perDecision(commandsAfter - commandsBefore, decisions) : null,
                        perDecisionMicros(cpuAfter - cpuBefore, decisions),
                        bench.bytesPerKey(pattern, contender::keysOf));
            }
        }

        /** Calls in a loop until the window ends; only calls started inside the window count. */
        private static void callUntilEnd(
                Contender contender, KeyPattern pattern, Window window, Histogram latencies, Tally tally) {
            long now = System.nanoTime();
            while (now - window.end() < 0) {
                long started = now;
                RuntimeException failure = null;
                boolean allowed = false;
                try {
                    allowed = contender.decide(pattern.nextClient());
                } catch (RuntimeException e) {
                    failure = e;
                }
                now = System.nanoTime();
                if (started - window.from() < 0) {
                    continue;
                }
                if (failure != null) {
                    tally.undecided.increment();
                    tally.firstUndecided.compareAndSet(null, failure);
                } else {
                    latencies.recordValue(Math.min(MAX_LATENCY_MICROS, TimeUnit.NANOSECONDS.toMicros(now - started)));
                    if (!allowed) {
                        tally.denied.increment();
                    }
                }
            }
        }
    }

    /** The measured part of a cell, in {@link System#nanoTime()}. */
    private record Window(long from, long end) {

        static Window after(Duration warmup, Duration measured) {
            long from = System.nanoTime() + warmup.toNanos();
            return new Window(from, from + measured.toNanos());
        }
    }

    /** The calls of all callers that got no decision or a refusal. */
    private static final class Tally {
        final LongAdder undecided = new LongAdder();
        final LongAdder denied = new LongAdder();
        final AtomicReference<RuntimeException> firstUndecided = new AtomicReference<>();
    }

    /** Redis' C load generator: EVALSHA of the project's script over as many connections as callers. */
    private record RedisBenchmarkTool(Path executable) implements Peer {

        /** redis-benchmark replaces this in a key by a random zero-padded number below its -r. */
        private static final String RANDOM_CLIENT = "__rand_int__";

        @Override
        public String id() {
            return "redis-benchmark";
        }

        @Override
        public String title() {
            return "redis-benchmark EVALSHA, project script";
        }

        /** No JIT to wait for: the calibration run is its warm-up. */
        @Override
        public Result measure(Bench bench, KeyPattern pattern, int callers, Duration warmup) throws Exception {
            if (executable == null) {
                throw new IllegalStateException("redis-benchmark is not on the PATH");
            }
            String sha = bench.loadScript(PROJECT_SCRIPT);
            // redis-benchmark counts requests, not seconds: a short first run tells how many fill the cell.
            Map<String, Double> calibration = run(bench, sha, pattern, callers, Math.max(5_000, 50L * callers));
            long requests = Math.max(10L * callers, (long) (calibration.get("rps") * bench.measured.toSeconds()));
            bench.resetRedis();
            double cpuBefore = bench.redisCpuSeconds();
            long commandsBefore = bench.redisScripts();
            Map<String, Double> csv = run(bench, sha, pattern, callers, requests);
            double cpuAfter = bench.redisCpuSeconds();
            long commandsAfter = bench.redisScripts();
            return new Result(
                    csv.get("rps"),
                    null,
                    null,
                    csv.get("p50_latency_ms"),
                    csv.get("p99_latency_ms"),
                    null,
                    perDecision(commandsAfter - commandsBefore, requests),
                    perDecisionMicros(cpuAfter - cpuBefore, requests),
                    bench.bytesPerKey(
                            pattern,
                            client -> List.of(
                                    pattern == KeyPattern.HOT
                                            ? ScriptOverJedis.projectKey(client)
                                            : "ratelimit:{bench:" + String.format("%012d", client) + "}")));
        }

        /** @return the numeric columns of redis-benchmark's --csv line, by header name */
        private Map<String, Double> run(Bench bench, String sha, KeyPattern pattern, int callers, long requests)
                throws IOException, InterruptedException {
            List<String> command = new ArrayList<>(List.of(
                    executable.toString(),
                    "-h",
                    "127.0.0.1",
                    "-p",
                    Integer.toString(bench.port),
                    "-c",
                    Integer.toString(callers),
                    "-n",
                    Long.toString(requests),
                    "--csv"));
            if (pattern == KeyPattern.SPREAD) {
                command.addAll(List.of("-r", Integer.toString(CLIENTS)));
            }
            command.addAll(List.of(
                    "EVALSHA",
                    sha,
                    "1",
                    pattern == KeyPattern.HOT
                            ? ScriptOverJedis.projectKey(0)
                            : "ratelimit:{bench:" + RANDOM_CLIENT + "}"));
            command.addAll(PROJECT_SCRIPT_ARGS);
            Path output = Files.createTempFile("redis-benchmark", ".csv");
            try {
                Process process = new ProcessBuilder(command)
                        .redirectErrorStream(true)
                        .redirectOutput(output.toFile())
                        .start();
                long timeoutSeconds = 4 * bench.measured.toSeconds() + STRAGGLER_GRACE.toSeconds();
                if (!process.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                    process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
                    throw new IOException("redis-benchmark did not finish within " + timeoutSeconds + " s");
                }
                return parseCsv(Files.readAllLines(output));
            } finally {
                Files.deleteIfExists(output);
            }
        }

        private static Map<String, Double> parseCsv(List<String> lines) throws IOException {
            for (int i = 0; i + 1 < lines.size(); i++) {
                if (lines.get(i).startsWith("\"test\"")) {
                    // Neither the header nor the command line it echoes holds a comma.
                    List<String> header = unquote(lines.get(i));
                    List<String> values = unquote(lines.get(i + 1));
                    Map<String, Double> columns = new HashMap<>();
                    for (int column = 1; column < Math.min(header.size(), values.size()); column++) {
                        columns.put(header.get(column), Double.valueOf(values.get(column)));
                    }
                    if (columns.keySet().containsAll(List.of("rps", "p50_latency_ms", "p99_latency_ms"))) {
                        return columns;
                    }
                }
            }
            throw new IOException("no rps, p50 and p99 in redis-benchmark's output: " + String.join("\n", lines));
        }

        private static List<String> unquote(String csvLine) {
            return Arrays.stream(csvLine.split(","))
                    .map(field -> field.replace("\"", ""))
                    .toList();
        }
    }

    /** This project's limiter as an application gets it: the public API and default settings. */
    private static final class ProjectLimiter implements Contender {

        private static final RateLimitPolicy POLICY =
                new RateLimitPolicy("bench", new BucketLimits(GENEROUS, GENEROUS, REFILL_PERIOD), 1, FailureMode.OPEN);
        /** The same policy, name and keys included, leasing. */
        private static final RateLimitPolicy LEASING_POLICY = POLICY.withLeasing(Leasing.forUpTo(LEASE));

        private final RedisRateLimiter limiter;
        private final RateLimitPolicy policy;
        private final ClientId[] clients = IntStream.range(0, CLIENTS)
                .mapToObj(client -> ClientId.of(clientName(client)))
                .toArray(ClientId[]::new);

        /** The pool keeps one size whatever the callers (the default unless the run names one): that is compared. */
        ProjectLimiter(int port, Optional<Integer> poolSize, RateLimitPolicy policy) {
            RedisSettings.Builder settings = RedisSettings.builder().url("redis://127.0.0.1:" + port);
            poolSize.ifPresent(settings::poolSize);
            this.limiter = RedisRateLimiter.connect(settings.build());
            this.policy = policy;
        }

        @Override
        public boolean decide(int client) {
            return limiter.acquire(policy, clients[client]).allowed();
        }

        /** The layout BucketKeys documents, {@code <prefix>{<policy>:<client>}}, with the default prefix. */
        @Override
        public List<String> keysOf(int client) {
            return List.of(ScriptOverJedis.projectKey(client));
        }

        @Override
        public void close() {
            limiter.close();
        }
    }

    /** A Lua script called by EVALSHA on a Jedis pool with a connection per caller, one call per decision. */
    private static final class ScriptOverJedis implements Contender {

        private final RedisClient redis;
        private final String sha;
        private final List<List<String>> keysByClient;
        private final List<String> args;

        private ScriptOverJedis(
                int port, int callers, String resource, IntFunction<List<String>> keys, List<String> args) {
            this.redis = jedisPool(port, callers);
            this.sha = redis.scriptLoad(readResource(resource));
            this.keysByClient = IntStream.range(0, CLIENTS).mapToObj(keys).toList();
            this.args = args;
        }

        static ScriptOverJedis projectScript(int port, int callers) {
            return new ScriptOverJedis(
                    port, callers, PROJECT_SCRIPT, client -> List.of(projectKey(client)), PROJECT_SCRIPT_ARGS);
        }

        static ScriptOverJedis plainScript(int port, int callers) {
            return new ScriptOverJedis(
                    port, callers, PLAIN_SCRIPT, client -> List.of(projectKey(client)), PLAIN_SCRIPT_ARGS);
        }

        /** Keyed as Spring Cloud Gateway keys a route's client: {@code request_rate_limiter.{route.id}.*}. */
        static ScriptOverJedis scgScript(int port, int callers) {
            return new ScriptOverJedis(
                    port,
                    callers,
                    SCG_SCRIPT,
                    client -> {
                        String prefix = "request_rate_limiter.{bench." + clientName(client) + "}.";
                        return List.of(prefix + "tokens", prefix + "timestamp");
                    },
                    SCG_SCRIPT_ARGS);
        }

        static String projectKey(int client) {
            return "ratelimit:{bench:" + clientName(client) + "}";
        }

        @Override
        public boolean decide(int client) {
            // Both scripts answer a list whose first element is 1 when allowed.
            List<?> reply = (List<?>) redis.evalsha(sha, keysByClient.get(client), args);
            return Long.valueOf(1).equals(reply.get(0));
        }

        @Override
        public List<String> keysOf(int client) {
            return keysByClient.get(client);
        }

        @Override
        public void close() {
            redis.close();
        }
    }

    /** Bucket4j's compare-and-swap buckets: GET the serialized bucket, then a conditional write, retried on a race. */
    private static final class Bucket4jCas implements Contender {

        private static final BucketConfiguration CONFIGURATION = BucketConfiguration.builder()
                .addLimit(limit -> limit.capacity(GENEROUS).refillGreedy(GENEROUS, REFILL_PERIOD))
                .build();

        private final RedisClient redis;
        private final ProxyManager<String> buckets;

        Bucket4jCas(int port, int callers) {
            this.redis = jedisPool(port, callers);
            // Expire a bucket a second after it would be full again, as the project's script does.
            this.buckets = Bucket4jJedis.casBasedBuilder(redis)
                    .keyMapper(Mapper.STRING)
                    .expirationAfterWrite(
                            ExpirationAfterWriteStrategy.basedOnTimeForRefillingBucketUpToMax(Duration.ofSeconds(1)))
                    .build();
        }

        @Override
        public boolean decide(int client) {
            return buckets.builder()
                    .build(ScriptOverJedis.projectKey(client), () -> CONFIGURATION)
                    .tryConsume(1);
        }

        @Override
        public List<String> keysOf(int client) {
            return List.of(ScriptOverJedis.projectKey(client));
        }

        @Override
        public void close() {
            redis.close();
        }
    }

    /** Redisson's RRateLimiter: a hash of settings, a counter, and a sorted set of the permits of the last interval. */
    private static final class RedissonRateLimiter implements Contender {

        /** Longer than any cell, so that no limiter expires under the callers and must be set again. */
        private static final Duration KEEP_ALIVE = Duration.ofMinutes(10);

        private static final int SETUP_IN_FLIGHT = 1_000;

        private final RedissonClient redisson;

        RedissonRateLimiter(int port, int callers) {
            Config config = new Config();
            config.useSingleServer()
                    .setAddress("redis://127.0.0.1:" + port)
                    .setConnectionPoolSize(callers)
                    .setConnectionMinimumIdleSize(callers)
                    .setTimeout(Math.toIntExact(CLIENT_TIMEOUT.toMillis()));
            this.redisson = Redisson.create(config);
        }

        @Override
        public void prepare(KeyPattern pattern) {
            int clients = pattern == KeyPattern.HOT ? 1 : CLIENTS;
            Semaphore inFlight = new Semaphore(SETUP_IN_FLIGHT);
            AtomicReference<Throwable> failure = new AtomicReference<>();
            try {
                for (int client = 0; client < clients && failure.get() == null; client++) {
                    inFlight.acquire();
                    limiter(client)
                            .trySetRateAsync(RateType.OVERALL, GENEROUS, REFILL_PERIOD, KEEP_ALIVE)
                            .whenComplete((set, e) -> {
                                if (e != null) {
                                    failure.compareAndSet(null, e);
                                }
                                inFlight.release();
                            });
                }
                inFlight.acquire(SETUP_IN_FLIGHT);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while setting the rates", e);
            }
            if (failure.get() != null) {
                throw new IllegalStateException("trySetRate failed", failure.get());
            }
        }

        private RRateLimiter limiter(int client) {
            return redisson.getRateLimiter(ScriptOverJedis.projectKey(client));
        }

        @Override
        public boolean decide(int client) {
            return limiter(client).tryAcquire(1);
        }

        /** Redisson names a limiter's other keys after it, within its hash tag. */
        @Override
        public List<String> keysOf(int client) {
            String name = ScriptOverJedis.projectKey(client);
            return List.of(name, name + ":value", name + ":permits");
        }

        @Override
        public void close() {
            redisson.shutdown(0, 5, TimeUnit.SECONDS);
        }
    }

    private static RedisClient jedisPool(int port, int connections) {
        ConnectionPoolConfig pool = new ConnectionPoolConfig();
        pool.setMaxTotal(connections);
        pool.setMaxIdle(connections);
        int timeoutMillis = Math.toIntExact(CLIENT_TIMEOUT.toMillis());
        // The project's own connection settings (RESP2, no CLIENT SETINFO), so that only the calling differs.
        return RedisClient.builder()
                .hostAndPort("127.0.0.1", port)
                .clientConfig(DefaultJedisClientConfig.builder()
                        .connectionTimeoutMillis(timeoutMillis)
                        .socketTimeoutMillis(timeoutMillis)
                        .protocol(RedisProtocol.RESP2)
                        .clientSetInfoConfig(ClientSetInfoConfig.DISABLED)
                        .build())
                .poolConfig(pool)
                .build();
    }

    private static String clientName(int client) {
        return "c" + client;
    }

    private static String readResource(String resource) {
        try (InputStream in = PeerComparison.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException(resource + " is not on the classpath");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + resource, e);
        }
    }

    private static void sleepUntil(long nanoTime) throws InterruptedException {
        long left = nanoTime - System.nanoTime();
        if (left > 0) {
            TimeUnit.NANOSECONDS.sleep(left);
        }
    }

    private static Double perDecision(long count, long decisions) {
        return decisions == 0 ? Double.NaN : (double) count / decisions;
    }

    private static double perDecisionMicros(double cpuSeconds, long decisions) {
        return decisions == 0 ? Double.NaN : cpuSeconds * 1_000_000 / decisions;
    }

    private static double millis(long micros) {
        return micros / 1000.0;
    }

    private static String row(Cell cell, Peer peer, Result result) {
        return String.format(
                Locale.ROOT,
                "| %s | %d | %s | %.0f | %s | %s | %.3f | %.3f | %s | %s | %.1f | %s |",
                cell.pattern().label(),
                cell.callers(),
                peer.title(),
                result.decisionsPerSecond(),
                orNotReported(result.undecided()),
                orNotReported(result.denied()),
                result.p50Millis(),
                result.p99Millis(),
                result.p999Millis() == null ? "n/a" : String.format(Locale.ROOT, "%.3f", result.p999Millis()),
                callsPerDecision(result.redisCallsPerDecision()),
                result.cpuMicrosPerDecision(),
                result.bytesPerKey() == null ? "–" : String.format(Locale.ROOT, "%.0f", result.bytesPerKey()));
    }

    private static String orNotReported(Long count) {
        return count == null ? "n/a" : count.toString();
    }

    /** Two significant digits below 0.01, so that a leasing contender's few calls per decision still show. */
    private static String callsPerDecision(Double calls) {
        if (calls == null) {
            return "n/a";
        }
        if (Double.isNaN(calls)) {
            return "–";
        }
        if (calls == 0) {
            return "0";
        }
        return String.format(Locale.ROOT, calls < 0.01 ? "%.2g" : "%.2f", calls);
    }

    private static void printRatios(Map<Cell, Map<Peer, Double>> rates, Peer floor, Peer tool, Peer project) {
        System.out.println();
        System.out.println("| Keys | Callers | Contender | ÷ Jedis EVALSHA | ÷ redis-benchmark | ÷ this project |");
        System.out.println("|---|---|---|---|---|---|");
        rates.forEach((cell, byPeer) -> byPeer.forEach((peer, rate) -> System.out.printf(
                Locale.ROOT,
                "| %s | %d | %s | %s | %s | %s |%n",
                cell.pattern().label(),
                cell.callers(),
                peer.title(),
                ratio(rate, byPeer.get(floor)),
                ratio(rate, byPeer.get(tool)),
                ratio(rate, byPeer.get(project)))));
    }

    /**
     * The leasing targets, where the run measured what they compare: on the hot key at 16 and 64 callers at most
     * 0.05 Redis calls per decision and at least 5x plain Jedis; at 1 caller at least the non-leasing limiter's
     * decisions/s (hot and spread keys).
     */
    private static void printLeasingTargets(
            Map<Cell, Map<Peer, Double>> rates,
            Map<Cell, Map<Peer, Double>> callsPerDecision,
            Peer leasing,
            Peer jedis,
            Peer project) {
        if (leasing == null) {
            return;
        }
        List<String> lines = new ArrayList<>();
        for (int callers : TARGET_LEASED_CALLERS) {
            Cell cell = new Cell(KeyPattern.HOT, callers);
            Map<Peer, Double> byPeer = rates.get(cell);
            if (byPeer == null || !byPeer.containsKey(leasing)) {
                continue;
            }
            double calls = callsPerDecision.get(cell).get(leasing);
            lines.add(String.format(
                    Locale.ROOT,
                    "- hot %d: %s Redis calls per decision (target at most %.2f): %s",
                    callers,
                    callsPerDecision(calls),
                    TARGET_LEASED_CALLS_PER_DECISION,
                    calls <= TARGET_LEASED_CALLS_PER_DECISION ? "met" : "missed"));
            Double floor = jedis == null ? null : byPeer.get(jedis);
            if (floor != null && floor > 0) {
                double times = byPeer.get(leasing) / floor;
                lines.add(String.format(
                        Locale.ROOT,
                        "- hot %d: %.2fx plain Jedis EVALSHA (target at least %.1fx): %s",
                        callers,
                        times,
                        TARGET_LEASED_OVER_JEDIS,
                        times >= TARGET_LEASED_OVER_JEDIS ? "met" : "missed"));
            }
        }
        for (KeyPattern pattern : KeyPattern.values()) {
            Map<Peer, Double> byPeer = rates.get(new Cell(pattern, 1));
            Double plain = byPeer == null || project == null ? null : byPeer.get(project);
            if (plain != null && plain > 0 && byPeer.containsKey(leasing)) {
                double times = byPeer.get(leasing) / plain;
                lines.add(String.format(
                        Locale.ROOT,
                        "- %s 1: %.2fx the non-leasing limiter (target at least 1.00x): %s",
                        pattern.label(),
                        times,
                        times >= 1.0 ? "met" : "missed"));
            }
        }
        if (!lines.isEmpty()) {
            System.out.println();
            System.out.println("Leasing targets:");
            lines.forEach(System.out::println);
        }
    }

    private static String ratio(double rate, Double reference) {
        return reference == null || reference == 0 ? "–" : String.format(Locale.ROOT, "%.2f", rate / reference);
    }

    private static String oneLine(Throwable e) {
        String message = e.getClass().getSimpleName() + ": " + e.getMessage();
        return message.replaceAll("\\s+", " ").replace("|", "/");
    }
}
