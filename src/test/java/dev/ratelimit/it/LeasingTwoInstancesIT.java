package dev.ratelimit.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ratelimit.testsupport.RedisFixture;
import dev.ratelimit.testsupport.RedisServerProcess;
import dev.ratelimit.testsupport.RedisStats;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URL;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.jboss.arquillian.container.test.api.Deployment;
import org.jboss.arquillian.container.test.api.RunAsClient;
import org.jboss.arquillian.junit5.ArquillianExtension;
import org.jboss.arquillian.test.api.ArquillianResource;
import org.jboss.shrinkwrap.api.spec.WebArchive;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.RedisClient;
import redis.clients.jedis.resps.Tuple;

/**
 * {@link TwoInstancesIT} with leasing on: two Liberty servers, the integration-test server and a second one each
 * test starts, flood one client's bucket of a leasing policy (capacity {@value #CAPACITY}, refilled
 * {@value #REFILL_PER_SECOND} per second, {@code lease=200ms}, the default share: a lease holds at most
 * {@value #MAX_LEASED} tokens beyond its call) on one Redis. Whatever the split of the load, a crash of an
 * instance holding a lease or a restart of Redis, the calls admitted stay within capacity + refill x elapsed, on
 * Redis' clock; and the floods get nearly all of it.
 *
 * <p>The Redis is this class's own redis-server, not the shared one, since one test kills and restarts it: other
 * test classes' deployments never see it. The restart is the last test, so that the others start on a Redis
 * their servers have been talking to all along.
 */
@ExtendWith(ArquillianExtension.class)
@RunAsClient
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class LeasingTwoInstancesIT {

    static final long CAPACITY = 200;
    static final long REFILL_PER_SECOND = 100;
    private static final Duration LEASE = Duration.ofMillis(200);
    /** lease-share 0.1 (the default) of the capacity: the most one lease takes beyond its call's cost. */
    static final long MAX_LEASED = 20;

    private static final Duration FLOODING = Duration.ofSeconds(8);
    private static final int THREADS_PER_SERVER = 10;
    private static final int SKEWED_HEAVY_THREADS = 18;
    private static final int SKEWED_LIGHT_THREADS = 2;
    private static final double AT_LEAST_EVEN = 0.95;
    private static final double AT_LEAST_SKEWED = 0.90;
    /** How long the floods of the crash and the restart go on at full strength before the fault. */
    private static final Duration BEFORE_FAULT = Duration.ofSeconds(3);
    /** How long they go on after the crash, or after Redis is started again: then they are stopped. */
    private static final Duration AFTER_FAULT = Duration.ofSeconds(6);
    /** Far longer than a lease: once Redis is back, no lease taken before its crash is spent any more. */
    private static final Duration REDIS_OUTAGE = Duration.ofSeconds(2);
    /** How long a test waits for a lease to be held (leases under a flood are small and come and go). */
    private static final Duration FIND_A_LEASE = Duration.ofSeconds(5);
    /** How long the crash test tries to freeze the second server while it holds a lease. */
    private static final Duration FREEZE_SEARCH = Duration.ofSeconds(10);
    /** ratelimit.redis.breaker.open-for, the default: a breaker opened by the outage probes Redis that late. */
    private static final Duration BREAKER_OPEN_FOR = Duration.ofSeconds(1);

    private static RedisServerProcess redis;
    private static int redisPort;
    private static WebArchive war;

    @Deployment(testable = false)
    static synchronized WebArchive deployment() {
        if (war == null) {
            try {
                redisPort = RedisServerProcess.freePort();
                redis = RedisServerProcess.start(RedisFixture.localRedisServer(), redisPort);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot start this test's redis-server", e);
            }
            war = FloodedPolicy.deployment(
                    "ratelimiter-leasing",
                    Map.of(
                            "ratelimit.redis.url", redisUrl().toString(),
                            "ratelimit.policies.probe-flood.capacity", Long.toString(CAPACITY),
                            "ratelimit.policies.probe-flood.refill-tokens", Long.toString(REFILL_PER_SECOND),
                            "ratelimit.policies.probe-flood.refill-period", "1s",
                            "ratelimit.policies.probe-flood.lease", LEASE.toMillis() + "ms"));
        }
        return war;
    }

    @AfterAll
    static synchronized void stopRedis() {
        if (redis != null) {
            redis.close();
        }
    }

    @ArquillianResource
    URL base;

    /** What the bucket can give over this much Redis time, starting full: a full bucket, then the refill. */
    static long allowance(long elapsedMillis) {
        return CAPACITY + REFILL_PER_SECOND * elapsedMillis / 1000;
    }

    @Test
    @Order(1)
    void evenLoadOnTwoLeasingServersAdmitsTheBucketAndNoMore() throws Exception {
        floodOnBothAndCheck("even-client", THREADS_PER_SERVER, THREADS_PER_SERVER, AT_LEAST_EVEN);
    }

    @Test
    @Order(2)
    void skewedLoadOnTwoLeasingServersAdmitsTheBucketAndNoMore() throws Exception {
        floodOnBothAndCheck("skewed-client", SKEWED_HEAVY_THREADS, SKEWED_LIGHT_THREADS, AT_LEAST_SKEWED);
    }

    @Test
    @Order(3)
    void aServerKilledWhileHoldingALeaseMakesNobodyAdmitMore() throws Exception {
        String client = "crash-client";
        try (SecondLibertyServer second = SecondLibertyServer.start("it-leasing-second", deployment(), "api/status");
                RedisClient clock = RedisClient.create(redisUrl())) {
            URL secondUrl = second.applicationUrl(deployment());
            System.out.println("LeasingTwoInstancesIT crash warm-up: "
                    + FloodedPolicy.warmUp(List.of(base, secondUrl), THREADS_PER_SERVER));
            String secondInstance = instanceLeasingAlone(clock, secondUrl);
            System.out.println("LeasingTwoInstancesIT crash: the second server leases as instance " + secondInstance);

            // Long enough for the search for a lease to kill it with: the floods stop AFTER_FAULT after the kill.
            Duration flooding = BEFORE_FAULT.plus(FREEZE_SEARCH).plus(AFTER_FAULT);
            long startedAt = RedisFixture.redisTimeMillis(clock);
            Flood survivor = Flood.start(List.of(base), FloodedPolicy.PATH, client, THREADS_PER_SERVER, flooding);
            Flood killed = Flood.start(List.of(secondUrl), FloodedPolicy.PATH, client, THREADS_PER_SERVER, flooding);
            Flood.Tally survivorTally;
            Flood.Tally killedTally;
            long fullStrengthAt;
            long killedAt;
            long stoppedAt;
            List<Tuple> heldAtKill;
            try (LeaseSampler sampler = LeaseSampler.start(leasesKey(clock, client, FIND_A_LEASE))) {
                survivor.awaitFullStrength();
                killed.awaitFullStrength();
                fullStrengthAt = RedisFixture.redisTimeMillis(clock);
                TimeUnit.MILLISECONDS.sleep(BEFORE_FAULT.toMillis());

                // A call leases only when the bucket holds more than its cost, which two floods racing for each
                // refilled token seldom leave it: while the second server is searched it floods alone, and leases
                // as it does alone.
                survivor.pause();
                heldAtKill = freezeHoldingALease(second, clock, sampler.key(), secondInstance);
                long pid = second.signal("KILL");
                killedAt = RedisFixture.redisTimeMillis(clock);
                survivor.resume();
                killed.stop();
                System.out.printf(
                        "LeasingTwoInstancesIT crash: SIGKILLed the second server's JVM (pid %d) at %d ms of the "
                                + "flood, frozen (SIGSTOP) while Redis held %s (member tokens:instance-lease, score "
                                + "the hold's end); after the kill Redis held %s%n",
                        pid, killedAt - startedAt, heldAtKill, clock.zrangeWithScores(sampler.key(), 0, -1));

                TimeUnit.MILLISECONDS.sleep(AFTER_FAULT.toMillis());
                stoppedAt = RedisFixture.redisTimeMillis(clock);
                survivor.stop();
                survivorTally = survivor.await();
                killedTally = killed.await();
                System.out.println("LeasingTwoInstancesIT crash leases: " + sampler.summary());
            }
            long endedMillis = RedisFixture.redisTimeMillis(clock) - startedAt;
            long admitted = survivorTally.decided() + killedTally.decided();
            long bound = allowance(endedMillis);
            long afterKillMillis = stoppedAt - killedAt;
            System.out.println("LeasingTwoInstancesIT crash survivor: " + survivorTally);
            System.out.println("LeasingTwoInstancesIT crash killed: " + killedTally);
            System.out.printf(
                    "LeasingTwoInstancesIT crash: admitted %d of at most %d (%.3f) over %d ms of Redis time "
                            + "(%d ms at full strength before the kill, %d ms after it); at least %d expected%n",
                    admitted,
                    bound,
                    (double) admitted / bound,
                    endedMillis,
                    killedAt - fullStrengthAt,
                    afterKillMillis,
                    lowerBoundAfterCrash(killedAt - fullStrengthAt, afterKillMillis));

            assertThat(heldAtKill)
                    .as("a lease of the killed server held in Redis when it was killed")
                    .anyMatch(hold -> hold.getElement().contains(":" + secondInstance + "-"));
            assertThat(survivorTally.serverErrors())
                    .as("5xx on the surviving server")
                    .isZero();
            assertThat(survivorTally.failures())
                    .as("requests without an answer on the surviving server")
                    .isZero();
            assertThat(killedTally.serverErrors())
                    .as("5xx on the killed server")
                    .isZero();
            assertThat(survivorTally.tooMany()).as("429s on the survivor").isPositive();
            assertThat(admitted).as("decided 2xx of both servers").isLessThanOrEqualTo(bound);
            assertThat(admitted)
                    .as("decided 2xx of both servers, against the bucket at full strength less the lost lease")
                    .isGreaterThanOrEqualTo(lowerBoundAfterCrash(killedAt - fullStrengthAt, afterKillMillis));
        }
    }

    /**
     * The bucket's allowance at full strength, less what a crash may cost: the killed server's lease, held unusable
     * until its hold ends (at most the lease's duration, during which the refill goes on), and what the killed
     * server had admitted without its answer reaching the flood. {@link #AT_LEAST_SKEWED} allows for both: after the
     * kill, the survivor alone floods the bucket.
     */
    private static long lowerBoundAfterCrash(long beforeKillMillis, long afterKillMillis) {
        return (long) Math.floor(AT_LEAST_SKEWED * allowance(beforeKillMillis + afterKillMillis)) - MAX_LEASED;
    }

    @Test
    @Order(4)
    void redisKilledAndRestartedWhileLeasesAreHeldAdmitsNoMoreThanEachBucketAllows() throws Exception {
        String client = "restart-client";
        try (SecondLibertyServer second = SecondLibertyServer.start("it-leasing-second", deployment(), "api/status")) {
            List<URL> servers = List.of(base, second.applicationUrl(deployment()));
            System.out.println(
                    "LeasingTwoInstancesIT restart warm-up: " + FloodedPolicy.warmUp(servers, THREADS_PER_SERVER));

            // Long enough for the search for a held lease: the flood is stopped AFTER_FAULT after the restart.
            Duration flooding =
                    BEFORE_FAULT.plus(FIND_A_LEASE).plus(REDIS_OUTAGE).plus(AFTER_FAULT);
            long startedAt;
            long fullStrengthAt;
            List<Tuple> heldAtKill;
            try (RedisClient clock = RedisClient.create(redisUrl())) {
                startedAt = RedisFixture.redisTimeMillis(clock);
            }
            Flood flood = Flood.start(servers, FloodedPolicy.PATH, client, THREADS_PER_SERVER, flooding);
            flood.awaitFullStrength();
            try (RedisClient clock = RedisClient.create(redisUrl())) {
                fullStrengthAt = RedisFixture.redisTimeMillis(clock);
                TimeUnit.MILLISECONDS.sleep(BEFORE_FAULT.toMillis());
                // A hold with time left, so that it is still held when the kill lands a few milliseconds later.
                heldAtKill = awaitLeases(
                        clock,
                        leasesKey(clock, client, FIND_A_LEASE),
                        (hold, now) -> hold.getScore() - now >= LEASE.toMillis() / 4.0);
            }
            // SIGKILL: Redis loses every bucket and every hold; the watchdog then ends by itself.
            redis.signal("KILL");
            // Redis' clock is this host's wall clock: taken after the kill, it is no earlier than the last decision.
            long killedAt = System.currentTimeMillis();
            redis.close();
            TimeUnit.MILLISECONDS.sleep(REDIS_OUTAGE.toMillis());
            // Every answer counted from here on was decided by the new Redis: the outage outlasts every lease.
            flood.mark();
            long restartedAt = System.currentTimeMillis();
            redis = RedisServerProcess.start(RedisFixture.localRedisServer(), redisPort);
            System.out.printf(
                    "LeasingTwoInstancesIT restart: Redis killed at %d ms of the flood with %s held, started again "
                            + "empty %d ms later%n",
                    killedAt - startedAt, heldAtKill, restartedAt - killedAt);
            TimeUnit.MILLISECONDS.sleep(AFTER_FAULT.toMillis());
            flood.stop();
            Flood.Tally tally = flood.await();
            long endedAt;
            try (RedisClient clock = RedisClient.create(redisUrl())) {
                endedAt = RedisFixture.redisTimeMillis(clock);
            }

            long afterRestart = flood.decidedSinceMark();
            long beforeRestart = tally.decided() - afterRestart;
            long boundBefore = allowance(killedAt - startedAt);
            long boundAfter = allowance(endedAt - restartedAt);
            // Deciding resumes at the latest when the breaker the outage opened probes the new Redis: count the
            // refill from then only, not the full bucket, which the fail-open passes before may have hidden.
            long lowerAfter = (long) Math.floor(AT_LEAST_SKEWED
                    * REFILL_PER_SECOND
                    * Math.max(0, endedAt - restartedAt - BREAKER_OPEN_FOR.toMillis())
                    / 1000);
            System.out.println("LeasingTwoInstancesIT restart: " + tally);
            System.out.printf(
                    "LeasingTwoInstancesIT restart: before the restart admitted %d of at most %d (%.3f) over %d ms "
                            + "(%d at full strength); after it %d of at most %d (%.3f) over %d ms, at least %d "
                            + "expected; undecided 2xx "
                            + "(fail-open passes, not counted) %d, of which %d after the restart%n",
                    beforeRestart,
                    boundBefore,
                    (double) beforeRestart / boundBefore,
                    killedAt - startedAt,
                    killedAt - fullStrengthAt,
                    afterRestart,
                    boundAfter,
                    (double) afterRestart / boundAfter,
                    endedAt - restartedAt,
                    lowerAfter,
                    tally.undecided(),
                    flood.undecidedSinceMark());

            assertThat(heldAtKill).as("leases held when Redis was killed").isNotEmpty();
            assertThat(tally.serverErrors()).as("5xx").isZero();
            assertThat(tally.failures()).as("requests without an answer").isZero();
            assertThat(tally.undecided())
                    .as("fail-open passes while Redis was down")
                    .isPositive();
            assertThat(beforeRestart)
                    .as("decided 2xx up to the restart, leased tokens spent while Redis was down included")
                    .isLessThanOrEqualTo(boundBefore)
                    .isGreaterThanOrEqualTo((long) Math.floor(AT_LEAST_EVEN * allowance(killedAt - fullStrengthAt)));
            assertThat(afterRestart)
                    .as("decided 2xx after the restart, against the new, empty Redis' bucket")
                    .isLessThanOrEqualTo(boundAfter)
                    .isGreaterThanOrEqualTo(lowerAfter);
        }
    }

    /**
     * Floods the client's bucket from both servers, {@code firstThreads} on the integration-test server and
     * {@code secondThreads} on the second, and checks the decided 2xx of both against the bucket.
     */
    private void floodOnBothAndCheck(String client, int firstThreads, int secondThreads, double atLeast)
            throws Exception {
        String label = "LeasingTwoInstancesIT " + client + " (" + firstThreads + "+" + secondThreads + " threads)";
        try (SecondLibertyServer second = SecondLibertyServer.start("it-leasing-second", deployment(), "api/status");
                RedisClient clock = RedisClient.create(redisUrl())) {
            URL secondUrl = second.applicationUrl(deployment());
            System.out.println(label + " warm-up: "
                    + FloodedPolicy.warmUp(List.of(base, secondUrl), Math.max(firstThreads, secondThreads) / 2));

            long scriptsBefore = scriptsRun();
            long startedAt = RedisFixture.redisTimeMillis(clock);
            long deadline = System.nanoTime() + FLOODING.toNanos();
            Flood first = Flood.start(List.of(base), FloodedPolicy.PATH, client, firstThreads, FLOODING);
            Flood other = Flood.start(List.of(secondUrl), FloodedPolicy.PATH, client, secondThreads, FLOODING);
            long floodedMillis;
            Flood.Tally firstTally;
            Flood.Tally otherTally;
            String leases;
            try (LeaseSampler sampler = LeaseSampler.start(leasesKey(clock, client, FIND_A_LEASE))) {
                first.awaitFullStrength();
                other.awaitFullStrength();
                long fullStrengthAt = RedisFixture.redisTimeMillis(clock);
                TimeUnit.NANOSECONDS.sleep(Math.max(0, deadline - System.nanoTime()));
                // The lower bound counts only the time both floods asked at full strength; the upper bound all of it.
                floodedMillis = RedisFixture.redisTimeMillis(clock) - fullStrengthAt;
                firstTally = first.await();
                otherTally = other.await();
                leases = sampler.summary();
            }
            long endedMillis = RedisFixture.redisTimeMillis(clock) - startedAt;
            long scripts = scriptsRun() - scriptsBefore;
            long admitted = firstTally.decided() + otherTally.decided();
            long bound = allowance(endedMillis);
            long lower = (long) Math.floor(atLeast * allowance(floodedMillis));

            System.out.println(label + " first server: " + firstTally);
            System.out.println(label + " second server: " + otherTally);
            System.out.printf(
                    "%s leases: %s; Redis ran %d scripts, %.3f per request, %.3f per decided 2xx%n",
                    label,
                    leases,
                    scripts,
                    (double) scripts / (firstTally.requests() + otherTally.requests()),
                    (double) scripts / admitted);
            System.out.printf(
                    "%s: admitted %d (%d + %d) of at most %d (%.3f) over %d ms of Redis time; at least %d expected "
                            + "(%.0f%% of %d, %d ms at full strength)%n",
                    label,
                    admitted,
                    firstTally.decided(),
                    otherTally.decided(),
                    bound,
                    (double) admitted / bound,
                    endedMillis,
                    lower,
                    atLeast * 100,
                    allowance(floodedMillis),
                    floodedMillis);
            for (Flood.Tally tally : List.of(firstTally, otherTally)) {
                assertThat(tally.serverErrors()).as("5xx").isZero();
                assertThat(tally.failures()).as("requests without an answer").isZero();
                assertThat(tally.tooMany())
                        .as("429s: the flood outran the bucket")
                        .isPositive();
            }
            assertThat(otherTally.decided())
                    .as("decided 2xx of the second server")
                    .isPositive();
            assertThat(admitted)
                    .as("decided 2xx of both servers")
                    .isLessThanOrEqualTo(bound)
                    .isGreaterThanOrEqualTo(lower);
        }
    }

    /**
     * The id under which the server at {@code server} leases: it floods a client of its own alone for a moment,
     * and every lease of that client is its.
     */
    private static String instanceLeasingAlone(RedisClient redis, URL server) throws Exception {
        String client = "lease-owner-client";
        Flood alone = Flood.start(List.of(server), FloodedPolicy.PATH, client, 2, FIND_A_LEASE);
        try {
            List<Tuple> leases = awaitLeases(redis, leasesKey(redis, client, FIND_A_LEASE), (hold, now) -> true);
            return instanceOf(leases.get(0).getElement());
        } finally {
            alone.stop();
            alone.await();
        }
    }

    /** A lease's member is {@code <tokens>:<instance>-<counter>}. */
    private static String instanceOf(String member) {
        return member.substring(member.indexOf(':') + 1, member.lastIndexOf('-'));
    }

    /** The key of the set of the client's leases, once the limiter has made it. */
    private static String leasesKey(RedisClient redis, String client, Duration within) throws InterruptedException {
        long deadline = System.nanoTime() + within.toNanos();
        while (System.nanoTime() - deadline < 0) {
            Set<String> keys = redis.keys("*{probe-flood:" + client + "}#leases");
            if (!keys.isEmpty()) {
                assertThat(keys).as("sets of leases of " + client).hasSize(1);
                return keys.iterator().next();
            }
            TimeUnit.MILLISECONDS.sleep(2);
        }
        throw new AssertionError("no lease of " + client + " was taken within " + within);
    }

    /** Which holds a test waits for: given the hold (member and end) and Redis' time. */
    private interface HoldMatch {
        boolean test(Tuple hold, long redisNowMillis);
    }

    /** The leases held, polled until one of them, not yet ended, matches. */
    private static List<Tuple> awaitLeases(RedisClient redis, String key, HoldMatch match) throws InterruptedException {
        long deadline = System.nanoTime() + FIND_A_LEASE.toNanos();
        while (System.nanoTime() - deadline < 0) {
            List<Tuple> held = matching(redis, key, match);
            if (held != null) {
                return held;
            }
            TimeUnit.MILLISECONDS.sleep(1);
        }
        throw new AssertionError("no such lease was held in " + key + " within " + FIND_A_LEASE);
    }

    /** The leases held now if one of them, not yet ended, matches; else null. */
    private static List<Tuple> matching(RedisClient redis, String key, HoldMatch match) {
        long now = RedisFixture.redisTimeMillis(redis);
        List<Tuple> held = redis.zrangeWithScores(key, 0, -1);
        return held.stream().anyMatch(hold -> hold.getScore() > now && match.test(hold, now)) ? held : null;
    }

    /**
     * Freezes the server (SIGSTOP) at a moment Redis holds a lease of its, not yet ended, for the client: frozen, it
     * can neither spend nor give back, so the hold is still there when the server is killed next. Under a flood a
     * lease is small and spent within milliseconds, so the server is frozen first and Redis asked then; while Redis
     * holds none of its, the server is let go on (SIGCONT) at once, for a few milliseconds, and frozen again. Returns
     * the leases Redis held while it was frozen.
     */
    private static List<Tuple> freezeHoldingALease(
            SecondLibertyServer server, RedisClient redis, String key, String instance) throws Exception {
        long deadline = System.nanoTime() + FREEZE_SEARCH.toNanos();
        for (int attempt = 1; System.nanoTime() - deadline < 0; attempt++) {
            server.signal("STOP");
            List<Tuple> held =
                    matching(redis, key, (hold, now) -> hold.getElement().contains(":" + instance + "-"));
            if (held != null) {
                System.out.println(
                        "LeasingTwoInstancesIT crash: the second server stood frozen holding a lease at attempt "
                                + attempt);
                return held;
            }
            server.signal("CONT");
            TimeUnit.MILLISECONDS.sleep(5);
        }
        throw new AssertionError(
                "the server never stood frozen with a lease held in " + key + " within " + FREEZE_SEARCH);
    }

    /**
     * Reads a client's set of leases every few milliseconds, on its own connection, to tell how often leases were
     * held and how large they were; a sample that fails (Redis down) is skipped.
     */
    private static final class LeaseSampler implements AutoCloseable {
        private final String key;
        private final ExecutorService thread = Executors.newSingleThreadExecutor();
        private final AtomicLong samples = new AtomicLong();
        private final AtomicLong withLeases = new AtomicLong();
        private final AtomicLong heldTokens = new AtomicLong();
        private final AtomicLong mostHeld = new AtomicLong();
        private final Set<String> instances = ConcurrentHashMap.newKeySet();
        private final Future<?> sampling;
        private volatile boolean stopped;

        private LeaseSampler(String key) {
            this.key = key;
            this.sampling = thread.submit(this::sample);
            thread.shutdown();
        }

        static LeaseSampler start(String key) {
            return new LeaseSampler(key);
        }

        String key() {
            return key;
        }

        private void sample() {
            try (RedisClient redis = RedisClient.create(redisUrl())) {
                while (!stopped) {
                    try {
                        List<String> held = redis.zrange(key, 0, -1);
                        long tokens = 0;
                        for (String member : held) {
                            tokens += Long.parseLong(member.substring(0, member.indexOf(':')));
                            instances.add(instanceOf(member));
                        }
                        samples.incrementAndGet();
                        if (!held.isEmpty()) {
                            withLeases.incrementAndGet();
                        }
                        heldTokens.addAndGet(tokens);
                        mostHeld.accumulateAndGet(tokens, Math::max);
                    } catch (RuntimeException redisDown) {
                        // counted as no sample
                    }
                    TimeUnit.MILLISECONDS.sleep(5);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        String summary() {
            long n = Math.max(1, samples.get());
            return String.format(
                    "%d samples of %s: leases held in %.0f%% of them, %.1f tokens held on average, %d at most, "
                            + "by %d instances",
                    samples.get(),
                    key,
                    100.0 * withLeases.get() / n,
                    (double) heldTokens.get() / n,
                    mostHeld.get(),
                    instances.size());
        }

        @Override
        public void close() throws Exception {
            stopped = true;
            sampling.get(10, TimeUnit.SECONDS);
        }
    }

    /** The scripts this test's Redis has run so far (EVALSHA and EVAL, the clock readings among them). */
    private static long scriptsRun() {
        try (Jedis admin = RedisServerProcess.adminClient(redisPort, Duration.ofSeconds(2))) {
            return RedisStats.scriptsRun(admin);
        }
    }

    private static URI redisUrl() {
        return URI.create("redis://127.0.0.1:" + redisPort);
    }
}
