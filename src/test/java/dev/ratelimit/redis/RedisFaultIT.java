package dev.ratelimit.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ratelimit.core.BucketLimits;
import dev.ratelimit.core.ClientId;
import dev.ratelimit.core.FailureMode;
import dev.ratelimit.core.FailureReason;
import dev.ratelimit.core.LimiterUnavailableException;
import dev.ratelimit.core.RateLimitDecider;
import dev.ratelimit.core.RateLimitPolicy;
import dev.ratelimit.core.Verdict;
import dev.ratelimit.core.Verdict.Outcome;
import dev.ratelimit.local.LocalRateLimiter;
import dev.ratelimit.testsupport.RedisFixture;
import dev.ratelimit.testsupport.RedisServerProcess;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.args.ClientPauseMode;

/**
 * Each fault done to a real redis-server of the test's own: crashed and restarted empty, frozen, its script
 * cache flushed, full, locked down by ACL, refusing clients. Every decision is answered by the policy's
 * failure mode with a reason that names the fault, within the command timeout and a margin, and exact
 * decisions resume once Redis is back. Figures the README quotes are printed as {@code [figure]} lines.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class RedisFaultIT {

    private static final Duration TIMEOUT = Duration.ofMillis(200);
    /**
     * A decision waits at most for a pooled connection and then for its reply, each up to the command
     * timeout; the margin is far above what a loaded 2-core host adds, and small enough to tell a bounded
     * wait from a hang.
     */
    private static final Duration LONGEST_WAIT = TIMEOUT.multipliedBy(2).plusSeconds(1);

    private static final Duration OPEN_FOR = Duration.ofMillis(500);
    private static final BucketLimits PLENTY = new BucketLimits(1_000_000, 1_000_000, Duration.ofSeconds(1));
    private static final RateLimitPolicy OPEN = new RateLimitPolicy("open", PLENTY, 1, FailureMode.OPEN);
    private static final RateLimitPolicy CLOSED = new RateLimitPolicy("closed", PLENTY, 1, FailureMode.CLOSED);
    /** Two instances share it: each holds 5 tokens locally, and gains one every 2 s. */
    private static final RateLimitPolicy LOCAL =
            new RateLimitPolicy("local", new BucketLimits(10, 1, Duration.ofSeconds(1)), 1, FailureMode.LOCAL);

    private static final int INSTANCES = 2;

    private static Path executable;
    private RedisServerProcess server;
    private RedisRateLimiter limiter;
    private RateLimitDecider decider;

    /** One decision as a load thread saw it. */
    private record Call(long startedNanos, long tookNanos, RateLimitPolicy policy, Verdict verdict) {

        FailureReason reason() {
            return verdict.failure().map(LimiterUnavailableException::reason).orElse(null);
        }
    }

    @BeforeEach
    void startRedis() throws Exception {
        executable = Objects.requireNonNullElseGet(RedisFixture.redisServerOnPath(), RedisFixture::embeddedBinary);
        server = RedisServerProcess.start(executable, RedisServerProcess.freePort());
        limiter = connect(url());
        decider = new RateLimitDecider(limiter, new LocalRateLimiter(INSTANCES, 1000));
    }

    @AfterEach
    void stopRedis() {
        decider.close();
        server.close();
    }

    private String url() {
        return "redis://127.0.0.1:" + server.port();
    }

    private static RedisRateLimiter connect(String url) {
        return RedisRateLimiter.connect(RedisSettings.builder()
                .url(url)
                .connectTimeout(TIMEOUT)
                .commandTimeout(TIMEOUT)
                .poolSize(8)
                .breakerWindow(10)
                .breakerOpenFor(OPEN_FOR)
                .build());
    }

    private Jedis admin() {
        return new Jedis("127.0.0.1", server.port());
    }

    @Test
    void killedMidLoadAndRestartedEmptyEachPolicyFollowsItsModeAndExactDecisionsResume() throws Exception {
        ConcurrentLinkedQueue<Call> calls = new ConcurrentLinkedQueue<>();
        ExecutorService threads = Executors.newFixedThreadPool(4);
        long loadStarted = System.nanoTime();
        long loadEnds = loadStarted + Duration.ofSeconds(5).toNanos();
        List<Future<?>> load = new ArrayList<>();
        for (int thread = 0; thread < 4; thread++) {
            ClientId client = ClientId.of("client-" + thread);
            load.add(threads.submit(() -> {
                while (System.nanoTime() < loadEnds) {
                    for (RateLimitPolicy policy : List.of(OPEN, CLOSED, LOCAL)) {
                        long started = System.nanoTime();
                        Verdict verdict = decider.decide(policy, client);
                        calls.add(new Call(started, System.nanoTime() - started, policy, verdict));
                    }
                    Thread.sleep(2);
                }
                return null;
            }));
        }
        Thread.sleep(1000);
        long killed = System.nanoTime();
        server.signal("KILL");
        Thread.sleep(1500);
        // Redis may answer before start() returns: the outage is what came before the restart began.
        long restarting = System.nanoTime();
        server = RedisServerProcess.start(executable, server.port());
        long restarted = System.nanoTime();
        for (Future<?> thread : load) {
            thread.get(30, TimeUnit.SECONDS);
        }
        threads.shutdown();

        List<Call> all = new ArrayList<>(calls);
        assertThat(all)
                .allSatisfy(
                        call -> assertThat(Duration.ofNanos(call.tookNanos())).isLessThan(LONGEST_WAIT));
        List<Call> outage = all.stream()
                .filter(call -> call.startedNanos() > killed + TIMEOUT.toNanos()
                        && call.startedNanos() + call.tookNanos() < restarting)
                .toList();
        assertThat(outage)
                .filteredOn(call -> call.policy().equals(OPEN))
                .isNotEmpty()
                .allSatisfy(call -> assertThat(call.verdict().outcome()).isEqualTo(Outcome.FAILED_OPEN));
        assertThat(outage)
                .filteredOn(call -> call.policy().equals(CLOSED))
                .isNotEmpty()
                .allSatisfy(call -> assertThat(call.verdict().outcome()).isEqualTo(Outcome.FAILED_CLOSED));
        assertThat(outage)
                .filteredOn(call -> call.policy().equals(LOCAL))
                .extracting(call -> call.verdict().outcome())
                .isSubsetOf(Outcome.LOCAL_ALLOWED, Outcome.LOCAL_BLOCKED, Outcome.BLOCKED)
                .contains(Outcome.LOCAL_BLOCKED);
        // The hot-key shield goes on refusing, without Redis, a bucket Redis refused, until the retry-after it
        // gave: at most the time one token takes to come back.
        assertThat(outage)
                .filteredOn(call -> call.verdict().outcome() == Outcome.BLOCKED)
                .allSatisfy(call -> assertThat(
                                call.verdict().decision().orElseThrow().retryAfterMillis())
                        .isBetween(1L, LOCAL.limits().refillPeriodMillis()));
        // Each client's local bucket starts full with 5 tokens when Redis fails, and gains one every 2 s.
        List<Call> local = all.stream()
                .filter(call ->
                        call.policy().equals(LOCAL) && call.verdict().failure().isPresent())
                .toList();
        long localSeconds =
                TimeUnit.NANOSECONDS.toSeconds(local.get(local.size() - 1).startedNanos() - killed) + 1;
        assertThat(local.stream()
                        .filter(call -> call.verdict().outcome() == Outcome.LOCAL_ALLOWED)
                        .count())
                .isBetween(4 * 5L, 4 * (5 + (localSeconds + 1) / 2));
        assertThat(outage)
                .filteredOn(call -> call.verdict().failure().isPresent())
                .extracting(Call::reason)
                .containsOnly(FailureReason.CONNECTION, FailureReason.BREAKER_OPEN)
                .contains(FailureReason.BREAKER_OPEN);

        Call firstExact = all.stream()
                .filter(call -> call.startedNanos() > restarted
                        && call.verdict().failure().isEmpty())
                .findFirst()
                .orElseThrow(() -> new AssertionError("no exact decision after Redis came back"));
        List<Call> misHandled = all.stream()
                .filter(call -> call.startedNanos() > firstExact.startedNanos()
                        && call.verdict().failure().isPresent()
                        && call.reason() != FailureReason.BREAKER_OPEN)
                .toList();
        Duration toExact = Duration.ofNanos(firstExact.startedNanos() + firstExact.tookNanos() - restarted);
        System.out.printf(
                "[figure] kill/restart: %d decisions, exact again %d ms after Redis answered PING,"
                        + " %d failed on a broken connection after that%n",
                all.size(), toExact.toMillis(), misHandled.size());
        assertThat(misHandled).isEmpty();
        assertThat(toExact).isLessThan(OPEN_FOR.plus(LONGEST_WAIT));
    }

    @Test
    void aRestartBetweenCallsCostsNoCall() throws Exception {
        ClientId alice = ClientId.of("alice");
        for (int i = 0; i < 8; i++) {
            assertThat(decider.decide(CLOSED, alice).outcome()).isEqualTo(Outcome.ALLOWED);
        }

        server.signal("KILL");
        server.close();
        server = RedisServerProcess.start(executable, server.port());

        // The pooled connections all broke; the first call finds one, retries once on a new connection.
        for (int i = 0; i < 8; i++) {
            assertThat(decider.decide(CLOSED, alice).outcome()).isEqualTo(Outcome.ALLOWED);
        }
    }

    @Test
    void frozenByClientPauseDecisionsTimeOutThenTheBreakerAnswersAtOnce() throws Exception {
        try (Jedis admin = admin()) {
            decider.decide(CLOSED, ClientId.of("warm-up"));
            admin.clientPause(3000, ClientPauseMode.ALL);
            assertFrozenRedisIsAnsweredByTheBreaker("CLIENT PAUSE");
        }
    }

    @Test
    void frozenBySigstopDecisionsTimeOutThenTheBreakerAnswersAtOnce() throws Exception {
        decider.decide(CLOSED, ClientId.of("warm-up"));
        server.signal("STOP");
        try {
            assertFrozenRedisIsAnsweredByTheBreaker("SIGSTOP");
        } finally {
            server.signal("CONT");
        }
        assertThat(awaitExactDecision(Duration.ofSeconds(5))).isTrue();
    }

    private void assertFrozenRedisIsAnsweredByTheBreaker(String how) throws Exception {
        List<Call> calls = new ArrayList<>();
        ExecutorService threads = Executors.newFixedThreadPool(4);
        try {
            for (int round = 0; round < 5; round++) {
                List<Future<Call>> inFlight = new ArrayList<>();
                for (int thread = 0; thread < 4; thread++) {
                    inFlight.add(threads.submit(() -> {
                        long started = System.nanoTime();
                        Verdict verdict = decider.decide(CLOSED, ClientId.of("frozen"));
                        return new Call(started, System.nanoTime() - started, CLOSED, verdict);
                    }));
                }
                for (Future<Call> call : inFlight) {
                    calls.add(call.get(10, TimeUnit.SECONDS));
                }
            }
        } finally {
            threads.shutdown();
        }
        assertThat(calls).allSatisfy(call -> {
            assertThat(call.verdict().outcome()).isEqualTo(Outcome.FAILED_CLOSED);
            assertThat(Duration.ofNanos(call.tookNanos())).isLessThan(LONGEST_WAIT);
        });
        assertThat(calls)
                .extracting(Call::reason)
                .isSubsetOf(FailureReason.TIMEOUT, FailureReason.POOL_EXHAUSTED, FailureReason.BREAKER_OPEN)
                .contains(FailureReason.TIMEOUT, FailureReason.BREAKER_OPEN);
        assertThat(limiter.breakerStates()).containsExactly(Map.entry("127.0.0.1:" + server.port(), BreakerState.OPEN));

        long[] openLatencies = new long[1000];
        for (int i = 0; i < openLatencies.length; i++) {
            long started = System.nanoTime();
            assertThat(decider.decide(CLOSED, ClientId.of("frozen")).failure())
                    .get()
                    .extracting(LimiterUnavailableException::reason)
                    .isEqualTo(FailureReason.BREAKER_OPEN);
            openLatencies[i] = System.nanoTime() - started;
        }
        java.util.Arrays.sort(openLatencies);
        System.out.printf(
                "[figure] %s: slowest timed-out decision %d ms (timeout %d ms); with the breaker open,"
                        + " p50 %.1f us, p99 %.1f us over %d decisions%n",
                how,
                calls.stream()
                                .filter(call -> call.reason() == FailureReason.TIMEOUT)
                                .mapToLong(Call::tookNanos)
                                .max()
                                .orElse(0)
                        / 1_000_000,
                TIMEOUT.toMillis(),
                openLatencies[500] / 1000.0,
                openLatencies[990] / 1000.0,
                openLatencies.length);
    }

    private boolean awaitExactDecision(Duration within) throws InterruptedException {
        long deadline = System.nanoTime() + within.toNanos();
        while (System.nanoTime() < deadline) {
            if (decider.decide(CLOSED, ClientId.of("after")).failure().isEmpty()) {
                return true;
            }
            Thread.sleep(50);
        }
        return false;
    }

    @Test
    void aScriptCacheFlushedWhileServingCostsNoDecision() throws Exception {
        ExecutorService threads = Executors.newFixedThreadPool(4);
        long ends = System.nanoTime() + Duration.ofMillis(1500).toNanos();
        List<Future<Set<Outcome>>> load = new ArrayList<>();
        for (int thread = 0; thread < 4; thread++) {
            load.add(threads.submit(() -> {
                Set<Outcome> seen = EnumSet.noneOf(Outcome.class);
                while (System.nanoTime() < ends) {
                    seen.add(decider.decide(CLOSED, ClientId.of("flushed")).outcome());
                }
                return seen;
            }));
        }
        int flushes = 0;
        try (Jedis admin = admin()) {
            while (System.nanoTime() < ends) {
                admin.scriptFlush();
                flushes++;
                Thread.sleep(20);
            }
        }
        Set<Outcome> outcomes = EnumSet.noneOf(Outcome.class);
        for (Future<Set<Outcome>> thread : load) {
            outcomes.addAll(thread.get(10, TimeUnit.SECONDS));
        }
        threads.shutdown();
        assertThat(flushes).isGreaterThan(10);
        assertThat(outcomes).containsOnly(Outcome.ALLOWED);
    }

    @Test
    void aFullRedisIsNamedAndDoesNotOpenTheBreaker() {
        try (Jedis admin = admin()) {
            admin.configSet("maxmemory-policy", "noeviction");
            admin.configSet("maxmemory", "1");

            for (int i = 0; i < 20; i++) {
                assertFailure(
                        decider.decide(CLOSED, ClientId.of("full-" + i)),
                        Outcome.FAILED_CLOSED,
                        FailureReason.OUT_OF_MEMORY,
                        "maxmemory");
            }
            assertFailure(
                    decider.decide(LOCAL, ClientId.of("full")),
                    Outcome.LOCAL_ALLOWED,
                    FailureReason.OUT_OF_MEMORY,
                    "maxmemory");
            assertThat(limiter.breakerStates().values()).containsOnly(BreakerState.CLOSED);

            admin.configSet("maxmemory", "0");
            assertThat(decider.decide(CLOSED, ClientId.of("room-again")).outcome())
                    .isEqualTo(Outcome.ALLOWED);
        }
    }

    @Test
    void aKeyHoldingSomethingElseIsNamedWithTheKey() {
        try (Jedis admin = admin()) {
            admin.set("ratelimit:{closed:squatter}", "not a bucket");

            assertFailure(
                    decider.decide(CLOSED, ClientId.of("squatter")),
                    Outcome.FAILED_CLOSED,
                    FailureReason.WRONG_TYPE,
                    "ratelimit:{closed:squatter}");
            assertFailure(decider.decide(OPEN, ClientId.of("squatter")), Outcome.ALLOWED, null, null);
        }
    }

    @Test
    void aUserWithoutScriptPermissionIsToldWhatToGrant() {
        try (Jedis admin = admin()) {
            admin.aclSetUser("no-scripts", "on", ">no-scripts-password", "~*", "+@all", "-evalsha", "-eval");
        }
        try (RateLimitDecider locked = new RateLimitDecider(
                connect("redis://no-scripts:no-scripts-password@127.0.0.1:" + server.port()),
                new LocalRateLimiter(1, 10))) {
            Verdict verdict = locked.decide(OPEN, ClientId.of("alice"));
            assertFailure(verdict, Outcome.FAILED_OPEN, FailureReason.NO_PERMISSION, "+evalsha +eval");
            assertThat(verdict.failure().orElseThrow().getMessage()).doesNotContain("no-scripts-password");
        }
    }

    @Test
    void aWrongPasswordIsNamedAndNeverShown() {
        try (Jedis admin = admin()) {
            admin.aclSetUser("limiter", "on", ">right-password", "~*", "+@all");
        }
        RedisRateLimiter wrong = connect("redis://limiter:wrong-password@127.0.0.1:" + server.port());
        try (RateLimitDecider locked = new RateLimitDecider(wrong, new LocalRateLimiter(1, 10))) {
            Verdict verdict = locked.decide(CLOSED, ClientId.of("alice"));
            assertFailure(verdict, Outcome.FAILED_CLOSED, FailureReason.AUTHENTICATION, "credentials");
            assertThat(stackText(verdict.failure().orElseThrow()) + wrong).doesNotContain("wrong-password");
        }
    }

    @Test
    void aRedisAtMaxClientsIsNamed() {
        try (Jedis admin = admin()) {
            String connected = admin.info("clients")
                    .lines()
                    .filter(line -> line.startsWith("connected_clients:"))
                    .findFirst()
                    .orElseThrow()
                    .substring("connected_clients:".length());
            admin.configSet("maxclients", connected);

            assertFailure(
                    decider.decide(CLOSED, ClientId.of("alice")),
                    Outcome.FAILED_CLOSED,
                    FailureReason.TOO_MANY_CONNECTIONS,
                    "maxclients");

            admin.configSet("maxclients", "10000");
            assertThat(decider.decide(CLOSED, ClientId.of("alice")).outcome()).isEqualTo(Outcome.ALLOWED);
        }
    }

    @Test
    void aRedisThatIsNotThereIsAConnectionFailure() throws Exception {
        server.signal("KILL");
        assertThatThrownBy(() -> limiter.acquire(CLOSED, ClientId.of("alice")))
                .isInstanceOfSatisfying(
                        LimiterUnavailableException.class,
                        failure -> assertThat(failure.reason()).isEqualTo(FailureReason.CONNECTION))
                .hasMessageContaining("127.0.0.1:" + server.port());
    }

    private static void assertFailure(Verdict verdict, Outcome outcome, FailureReason reason, String inMessage) {
        assertThat(verdict.outcome()).isEqualTo(outcome);
        if (reason == null) {
            assertThat(verdict.failure()).isEmpty();
            return;
        }
        LimiterUnavailableException failure = verdict.failure().orElseThrow();
        assertThat(failure.reason()).isEqualTo(reason);
        assertThat(failure.getMessage()).contains(inMessage);
    }

    private static String stackText(Throwable failure) {
        List<String> messages = new ArrayList<>();
        for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
            messages.add(cause.toString());
        }
        return messages.stream().collect(Collectors.joining("\n"));
    }
}
