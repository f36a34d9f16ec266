package dev.ratelimit.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.ratelimit.core.BucketLimits;
import dev.ratelimit.core.ClientId;
import dev.ratelimit.core.FailureMode;
import dev.ratelimit.core.FailureReason;
import dev.ratelimit.core.Leasing;
import dev.ratelimit.core.LimiterUnavailableException;
import dev.ratelimit.core.RateLimitDecider;
import dev.ratelimit.core.RateLimitPolicy;
import dev.ratelimit.core.Verdict;
import dev.ratelimit.core.Verdict.Outcome;
import dev.ratelimit.local.LocalRateLimiter;
import dev.ratelimit.testsupport.RedisClusterProcess;
import dev.ratelimit.testsupport.RedisSentinelSet;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * A primary killed under load, on a real Redis Cluster with replicas and on a real Sentinel set, with the
 * limiter's default settings: no decision escapes its failure mode or takes long, exact decisions resume once a
 * replica is promoted, and the admissions over the whole run stay within what the bucket gives plus what a
 * promoted replica can have missed (Redis replicates asynchronously). Prints the figures the README quotes.
 */
class RedisFailoverIT {

    /**
     * Drained long before the kill and refilled slowly, so that a promoted replica's stale copy of a bucket, not
     * elapsed time, would show as admissions past the bound.
     */
    private static final RateLimitPolicy FLOODED =
            new RateLimitPolicy("failover", new BucketLimits(20, 20, Duration.ofMinutes(1)), 1, FailureMode.CLOSED);

    private static final int THREADS = 16;
    private static final Duration BEFORE_THE_KILL = Duration.ofSeconds(2);
    private static final Duration AFTER_EXACT_AGAIN = Duration.ofSeconds(2);
    private static final Duration LONGEST_RUN = Duration.ofSeconds(30);
    /** Two waits of the 500 ms default (a connection, then a reply), and room for a saturated host. */
    private static final Duration SLOWEST_ALLOWED_DECISION = Duration.ofSeconds(3);

    private static final Duration PROMOTION_TIMEOUT = Duration.ofSeconds(20);

    @Test
    void aClusterMasterKilledUnderLoadIsReplacedByItsReplica() throws Exception {
        assumeTrue(RedisClusterProcess.available(), () -> "skipped: " + RedisClusterProcess.unavailableReason());
        try (RedisClusterProcess cluster = RedisClusterProcess.start(3, 1, List.of())) {
            String prefix = "failover-" + UUID.randomUUID() + ":";
            List<ClientId> clients = new ArrayList<>();
            for (int port : cluster.masterPorts()) {
                clients.add(ClusterClients.clientOn(cluster, port, FLOODED, prefix));
            }
            int doomed = cluster.masterPorts().get(0);
            String doomedKey = new BucketKeys(prefix).keyFor(FLOODED, clients.get(0));
            Run run = flood(FLOODED, cluster.seedUrl(), prefix, clients, () -> {
                cluster.kill(doomed);
                cluster.awaitNewMasterFor(doomedKey, doomed, PROMOTION_TIMEOUT);
            });

            run.report("cluster");
            run.assertEveryDecisionFollowedThePolicy();
            run.assertExactAgainFor(0);
            run.assertAdmissionsWithinTheBucketAndOneFailover();
            assertThat(run.breakersAtTheEnd())
                    .as("breakers of the masters now serving")
                    .hasSize(3)
                    .doesNotContainKey("127.0.0.1:" + doomed)
                    .allSatisfy((node, state) -> assertThat(state).isEqualTo(BreakerState.CLOSED));
        }
    }

    @Test
    void aSentinelPrimaryKilledUnderLoadIsFollowedToTheNewPrimary() throws Exception {
        assertSentinelFailoverFollowed(FLOODED);
    }

    /** Leases held when the primary dies are spent, or lost with it; none is counted twice on the new primary. */
    @Test
    void aSentinelPrimaryKilledWhileInstancesLeaseIsFollowedWithinTheSameBound() throws Exception {
        assertSentinelFailoverFollowed(FLOODED.withLeasing(Leasing.forUpTo(Duration.ofMillis(200))));
    }

    private static void assertSentinelFailoverFollowed(RateLimitPolicy policy) throws Exception {
        assumeTrue(RedisSentinelSet.available(), () -> "skipped: " + RedisSentinelSet.unavailableReason());
        try (RedisSentinelSet sentinels = RedisSentinelSet.start("limiter-primary")) {
            String prefix = "failover-" + UUID.randomUUID() + ":";
            int primary = sentinels.primaryPort();
            Run run = flood(policy, sentinels.url(), prefix, List.of(ClientId.of("hot"), ClientId.of("other")), () -> {
                sentinels.killPrimary();
                sentinels.awaitNewPrimary(primary, PROMOTION_TIMEOUT);
            });

            run.report("sentinel" + (policy.leasing().isOn() ? ", leasing" : ""));
            run.assertEveryDecisionFollowedThePolicy();
            run.assertExactAgainFor(0);
            run.assertAdmissionsWithinTheBucketAndOneFailover();
            assertThat(run.breakersAtTheEnd())
                    .containsExactly(Map.entry("127.0.0.1:" + sentinels.primaryPort(), BreakerState.CLOSED));
        }
    }

    /** Kills the primary, then waits until the deployment has promoted a replica. */
    @FunctionalInterface
    private interface Failover {
        void run() throws IOException;
    }

    /** One decision as the flood saw it, times in nanoseconds from the start. */
    private record Call(int client, Outcome outcome, FailureReason reason, long at, long took) {}

    /**
     * Floods each client from {@link #THREADS} threads, kills the primary {@link #BEFORE_THE_KILL} in, and goes on
     * until the first client's decisions have been exact again for {@link #AFTER_EXACT_AGAIN}.
     */
    private static Run flood(
            RateLimitPolicy policy, String url, String prefix, List<ClientId> clients, Failover failover)
            throws Exception {
        RedisRateLimiter limiter = RedisRateLimiter.connect(
                RedisSettings.builder().url(url).keyPrefix(prefix).build());
        ConcurrentLinkedQueue<Call> calls = new ConcurrentLinkedQueue<>();
        ExecutorService threads = Executors.newFixedThreadPool(THREADS);
        try (RateLimitDecider decider = new RateLimitDecider(limiter, new LocalRateLimiter(1, 10))) {
            long origin = System.nanoTime();
            long[] killedAt = {Long.MAX_VALUE};
            long[] firstFailureEndedAt = {Long.MAX_VALUE};
            long[] exactAgainAt = {Long.MAX_VALUE};
            CountDownLatch start = new CountDownLatch(1);
            List<Future<?>> workers = new ArrayList<>();
            for (int thread = 0; thread < THREADS; thread++) {
                int client = thread % clients.size();
                workers.add(threads.submit(() -> {
                    start.await();
                    while (true) {
                        long started = System.nanoTime();
                        Verdict verdict = decider.decide(policy, clients.get(client));
                        long ended = System.nanoTime();
                        calls.add(new Call(
                                client,
                                verdict.outcome(),
                                verdict.failure()
                                        .map(LimiterUnavailableException::reason)
                                        .orElse(null),
                                started - origin,
                                ended - started));
                        synchronized (exactAgainAt) {
                            if (client == 0
                                    && started > killedAt[0]
                                    && verdict.failure().isPresent()) {
                                firstFailureEndedAt[0] = Math.min(firstFailureEndedAt[0], ended);
                            }
                            // Calls made before the first failure may have reached the primary before it died.
                            if (client == 0
                                    && started > firstFailureEndedAt[0]
                                    && exactAgainAt[0] == Long.MAX_VALUE
                                    && verdict.decision().isPresent()) {
                                exactAgainAt[0] = started;
                            }
                            if (ended - Math.min(exactAgainAt[0], origin + LONGEST_RUN.toNanos())
                                    > AFTER_EXACT_AGAIN.toNanos()) {
                                return null;
                            }
                        }
                    }
                }));
            }
            start.countDown();
            TimeUnit.NANOSECONDS.sleep(BEFORE_THE_KILL.toNanos());
            synchronized (exactAgainAt) {
                killedAt[0] = System.nanoTime();
            }
            failover.run();
            long promotedAt = System.nanoTime() - origin;
            for (Future<?> worker : workers) {
                worker.get(LONGEST_RUN.toSeconds() + 30, TimeUnit.SECONDS);
            }
            long endedAt = calls.stream()
                    .mapToLong(call -> call.at() + call.took())
                    .max()
                    .orElseThrow();
            return new Run(
                    policy,
                    List.copyOf(calls),
                    clients.size(),
                    killedAt[0] - origin,
                    promotedAt,
                    exactAgainAt[0] == Long.MAX_VALUE ? -1 : exactAgainAt[0] - origin,
                    endedAt,
                    limiter.breakerStates());
        } finally {
            threads.shutdownNow();
        }
    }

    private record Run(
            RateLimitPolicy policy,
            List<Call> calls,
            int clients,
            long killedAt,
            long promotedAt,
            long exactAgainAt,
            long endedAt,
            Map<String, BreakerState> breakersAtTheEnd) {

        long admitted(int client) {
            return calls.stream()
                    .filter(call -> call.client() == client && call.outcome() == Outcome.ALLOWED)
                    .count();
        }

        /** What the bucket can give over the whole run, on this JVM's clock, which spans Redis' decisions. */
        double bound() {
            BucketLimits limits = policy.limits();
            return limits.capacity()
                    + limits.refillTokens()
                            * (endedAt / 1e9)
                            / limits.refillPeriod().toSeconds();
        }

        void report(String deployment) {
            for (int client = 0; client < clients; client++) {
                int which = client;
                Map<Outcome, Long> outcomes = new EnumMap<>(Outcome.class);
                Map<FailureReason, Long> reasons = new EnumMap<>(FailureReason.class);
                calls.stream().filter(call -> call.client() == which).forEach(call -> {
                    outcomes.merge(call.outcome(), 1L, Long::sum);
                    if (call.reason() != null) {
                        reasons.merge(call.reason(), 1L, Long::sum);
                    }
                });
                System.out.printf(
                        "[figure] %s failover, %s client %d: %s, failures by reason %s; admitted %d of bound %.1f:"
                                + " %d extra%n",
                        deployment,
                        client == 0 ? "killed primary's" : "other",
                        client,
                        outcomes,
                        reasons,
                        admitted(client),
                        bound(),
                        Math.max(0, admitted(client) - (long) Math.floor(bound())));
            }
            long slowest = calls.stream().mapToLong(Call::took).max().orElseThrow();
            long failedOnceExact = calls.stream()
                    .filter(call -> call.client() == 0 && call.at() > exactAgainAt && call.reason() != null)
                    .count();
            System.out.printf(
                    "[figure] %s failover: replica promoted (as the test's poll saw it) %d ms after the kill,"
                            + " exact decisions again %d ms after the kill; slowest decision %d ms; %d decisions in"
                            + " %d ms; %d failed after the first exact one%n",
                    deployment,
                    TimeUnit.NANOSECONDS.toMillis(promotedAt - killedAt),
                    TimeUnit.NANOSECONDS.toMillis(exactAgainAt - killedAt),
                    TimeUnit.NANOSECONDS.toMillis(slowest),
                    calls.size(),
                    TimeUnit.NANOSECONDS.toMillis(endedAt),
                    failedOnceExact);
        }

        void assertEveryDecisionFollowedThePolicy() {
            assertThat(calls)
                    .extracting(Call::outcome)
                    .containsOnly(Outcome.ALLOWED, Outcome.BLOCKED, Outcome.FAILED_CLOSED)
                    .contains(Outcome.FAILED_CLOSED);
            assertThat(calls)
                    .allSatisfy(
                            call -> assertThat(Duration.ofNanos(call.took())).isLessThan(SLOWEST_ALLOWED_DECISION));
        }

        void assertExactAgainFor(int client) {
            assertThat(exactAgainAt).as("exact decisions resumed").isPositive();
            assertThat(calls)
                    .filteredOn(call -> call.client() == client && call.at() > endedAt - 1_000_000_000L)
                    .as(
                            "decisions in the last second, which began %d ms after they were first exact again",
                            TimeUnit.NANOSECONDS.toMillis(endedAt - 1_000_000_000L - exactAgainAt))
                    .isNotEmpty()
                    .allSatisfy(
                            call -> assertThat(call.outcome()).as("%s", call).isIn(Outcome.ALLOWED, Outcome.BLOCKED));
        }

        /**
         * A promoted replica may lack the primary's last writes: at worst its copy of a bucket is full, so a
         * failover can give each key at most one capacity more than the bucket allows.
         */
        void assertAdmissionsWithinTheBucketAndOneFailover() {
            for (int client = 0; client < clients; client++) {
                assertThat((double) admitted(client))
                        .as("admitted for client %d", client)
                        .isLessThanOrEqualTo(bound() + policy.limits().capacity());
            }
        }
    }
}
