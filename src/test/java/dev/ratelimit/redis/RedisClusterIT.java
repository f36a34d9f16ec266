package dev.ratelimit.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.ratelimit.core.Band;
import dev.ratelimit.core.BucketLimits;
import dev.ratelimit.core.Charge;
import dev.ratelimit.core.ClientId;
import dev.ratelimit.core.Decision;
import dev.ratelimit.core.FailureMode;
import dev.ratelimit.core.FailureReason;
import dev.ratelimit.core.JointVerdict;
import dev.ratelimit.core.Leasing;
import dev.ratelimit.core.LimiterUnavailableException;
import dev.ratelimit.core.RateLimitDecider;
import dev.ratelimit.core.RateLimitPolicy;
import dev.ratelimit.local.LocalRateLimiter;
import dev.ratelimit.testsupport.RedisClusterProcess;
import dev.ratelimit.testsupport.RedisServerProcess;
import dev.ratelimit.testsupport.TcpProxy;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLongArray;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.util.JedisClusterCRC16;

/**
 * The limiter on a real 3-master Redis Cluster on loopback: keys spread over every shard, decisions stay exact
 * per key across shards, and what a cluster does to a call (an empty script cache, a slot moving away, a node
 * that stops answering or dies) is answered without a wrong decision.
 */
class RedisClusterIT {

    private static final BucketLimits TEN_PER_HOUR = new BucketLimits(10, 10, Duration.ofHours(1));
    private static final RateLimitPolicy POLICY = new RateLimitPolicy("cluster", TEN_PER_HOUR, 1, FailureMode.CLOSED);

    private static final RateLimitPolicy GENEROUS =
            new RateLimitPolicy("generous", new BucketLimits(1000, 1000, Duration.ofSeconds(1)), 1, FailureMode.CLOSED);

    private static RedisClusterProcess cluster;

    @BeforeAll
    static void startCluster() throws IOException {
        assumeTrue(
                RedisClusterProcess.available(),
                () -> "skipped: no Redis Cluster can run here: " + RedisClusterProcess.unavailableReason());
        cluster = RedisClusterProcess.start(3, 0, List.of());
    }

    @AfterAll
    static void stopCluster() {
        if (cluster != null) {
            cluster.close();
        }
    }

    private static RedisRateLimiter limiter(String prefix, Duration commandTimeout, RedisClusterProcess on) {
        return RedisRateLimiter.connect(RedisSettings.builder()
                .url(on.seedUrl())
                .keyPrefix(prefix)
                .commandTimeout(commandTimeout)
                .build());
    }

    private static String prefix() {
        return "test-" + UUID.randomUUID() + ":";
    }

    private static Jedis admin(int port) {
        return RedisServerProcess.adminClient(port, Duration.ofSeconds(5));
    }

    @Test
    void bucketsOfManyClientsSpreadOverEveryMaster() throws IOException {
        String prefix = prefix();
        try (RedisRateLimiter limiter = limiter(prefix, Duration.ofSeconds(2), cluster)) {
            for (int i = 0; i < 300; i++) {
                assertThat(limiter.acquire(POLICY, ClientId.of("spread-" + i)).allowed())
                        .isTrue();
            }
            Map<Integer, Integer> bucketsByMaster = new HashMap<>();
            for (int port : cluster.masterPorts()) {
                try (Jedis master = admin(port)) {
                    bucketsByMaster.put(port, master.keys(prefix + "*").size());
                }
            }
            System.out.println("[figure] 300 buckets by master: " + bucketsByMaster);
            assertThat(bucketsByMaster.values())
                    .allSatisfy(buckets -> assertThat(buckets).isGreaterThan(60));
            assertThat(bucketsByMaster.values().stream()
                            .mapToInt(Integer::intValue)
                            .sum())
                    .isEqualTo(300);
            assertThat(limiter.breakerStates())
                    .hasSize(3)
                    .allSatisfy((node, state) -> assertThat(state).isEqualTo(BreakerState.CLOSED));
        }
    }

    @Test
    void aPerClientAndAnEndpointWidePolicyOnDifferentShardsNeverOverAdmitAndGiveBackWhatARefusalTook()
            throws Exception {
        RateLimitPolicy perClient =
                new RateLimitPolicy("per-client", new BucketLimits(2, 2, Duration.ofHours(1)), 1, FailureMode.CLOSED);
        RateLimitPolicy wholeEndpoint = new RateLimitPolicy("whole-endpoint", TEN_PER_HOUR, 1, FailureMode.CLOSED);
        String prefix = prefix();
        int clients = 12;
        int callsEach = 3;
        try (RedisRateLimiter limiter = limiter(prefix, Duration.ofSeconds(2), cluster);
                RateLimitDecider decider = new RateLimitDecider(limiter, new LocalRateLimiter(1, 100))) {
            assertThat(JedisClusterCRC16.getSlot(prefix + "{whole-endpoint}"))
                    .isNotEqualTo(JedisClusterCRC16.getSlot(prefix + "{per-client:client-0}"));
            assertThat(limiter.acquireTogether(List.of(
                            new Charge(perClient, ClientId.of("client-0")),
                            new Charge(wholeEndpoint, ClientId.EVERYONE))))
                    .as("keys in two slots are decided one by one")
                    .isEmpty();

            ExecutorService callers = Executors.newFixedThreadPool(clients);
            AtomicLongArray admitted = new AtomicLongArray(clients);
            CountDownLatch start = new CountDownLatch(1);
            List<Future<?>> done = new ArrayList<>();
            for (int i = 0; i < clients; i++) {
                int client = i;
                done.add(callers.submit(() -> {
                    start.await();
                    for (int call = 0; call < callsEach; call++) {
                        JointVerdict verdict = decider.decideAll(List.of(
                                new Charge(perClient, ClientId.of("client-" + client)),
                                new Charge(wholeEndpoint, ClientId.EVERYONE)));
                        assertThat(verdict.reported().failure()).isEmpty();
                        if (verdict.permitsCall()) {
                            admitted.incrementAndGet(client);
                        }
                    }
                    return null;
                }));
            }
            start.countDown();
            for (Future<?> call : done) {
                call.get(30, TimeUnit.SECONDS);
            }
            callers.shutdown();

            long total = 0;
            long takenFromClients = 0;
            for (int i = 0; i < clients; i++) {
                assertThat(admitted.get(i)).as("client-" + i).isLessThanOrEqualTo(2);
                total += admitted.get(i);
                takenFromClients += 2
                        - limiter.inspect(perClient, ClientId.of("client-" + i)).tokens();
            }
            assertThat(total).as("the endpoint's 10 tokens, all spent").isEqualTo(10);
            assertThat(takenFromClients)
                    .as("what the endpoint refused, the clients' buckets got back")
                    .isEqualTo(total);
        }
    }

    @Test
    void aPolicyOfSeveralBandsIsDecidedInOneCallOnWhicheverMasterHoldsItsClient() throws IOException {
        RateLimitPolicy tenPerHourAndThreePerDay = new RateLimitPolicy(
                "cluster-bands",
                TEN_PER_HOUR,
                1,
                FailureMode.CLOSED,
                List.of(new Band("daily", new BucketLimits(3, 3, Duration.ofDays(1)))));
        String prefix = prefix();
        try (RedisRateLimiter limiter = limiter(prefix, Duration.ofSeconds(2), cluster)) {
            for (int i = 0; i < 30; i++) {
                ClientId client = ClientId.of("banded-" + i);
                for (int call = 0; call < 3; call++) {
                    assertThat(limiter.acquire(tenPerHourAndThreePerDay, client).allowed())
                            .isTrue();
                }
                Decision fourth = limiter.acquire(tenPerHourAndThreePerDay, client);
                assertThat(fourth.allowed()).isFalse();
                assertThat(fourth.band()).isEqualTo(1);
            }
            Set<Integer> mastersUsed = new HashSet<>();
            for (int port : cluster.masterPorts()) {
                try (Jedis master = admin(port)) {
                    Set<String> keys = master.keys(prefix + "*");
                    keys.stream().filter(key -> key.endsWith(":daily")).forEach(daily -> {
                        assertThat(keys).contains(daily.substring(0, daily.length() - ":daily".length()));
                        mastersUsed.add(port);
                    });
                }
            }
            assertThat(mastersUsed)
                    .as("both keys of a client on one master, clients on every master")
                    .hasSize(3);
        }
    }

    @Test
    void leasesOfClientsOnEveryMasterSitBesideTheirBucketsAndNeverExceedThem() throws IOException {
        RateLimitPolicy leasing = new RateLimitPolicy(
                        "cluster-leases",
                        new BucketLimits(100, 100, Duration.ofHours(1)),
                        1,
                        FailureMode.CLOSED,
                        List.of(new Band("daily", new BucketLimits(50, 50, Duration.ofDays(1)))))
                .withLeasing(Leasing.forUpTo(Duration.ofSeconds(30)));
        String prefix = prefix();
        try (RedisRateLimiter limiter = limiter(prefix, Duration.ofSeconds(2), cluster)) {
            long[] admitted = new long[30];
            for (int i = 0; i < 30; i++) {
                admitted[i] += admit(limiter, leasing, ClientId.of("leasing-" + i), 20);
            }
            Set<Integer> mastersWithLeases = new HashSet<>();
            for (int port : cluster.masterPorts()) {
                try (Jedis master = admin(port)) {
                    Set<String> keys = master.keys(prefix + "*");
                    keys.stream()
                            .filter(key -> key.endsWith(TokenLeases.LEASES_SUFFIX))
                            .forEach(leases -> {
                                String bucket =
                                        leases.substring(0, leases.length() - TokenLeases.LEASES_SUFFIX.length());
                                assertThat(keys).contains(bucket, bucket + ":daily");
                                mastersWithLeases.add(port);
                            });
                }
            }
            for (int i = 0; i < 30; i++) {
                admitted[i] += admit(limiter, leasing, ClientId.of("leasing-" + i), 40);
            }
            assertThat(admitted)
                    .as("the daily band's 50 and no more, for each client")
                    .containsOnly(50L);
            assertThat(mastersWithLeases)
                    .as("each client's leases on its bucket's master, clients on every master")
                    .hasSize(3);
        }
    }

    private static long admit(RedisRateLimiter limiter, RateLimitPolicy policy, ClientId client, int calls) {
        long admitted = 0;
        for (int call = 0; call < calls; call++) {
            if (limiter.acquire(policy, client).allowed()) {
                admitted++;
            }
        }
        return admitted;
    }

    @Test
    void twoInstancesHammeringKeysOnEveryShardNeverAllowMoreThanEachBucketHolds() throws Exception {
        String prefix = prefix();
        BucketLimits limits = new BucketLimits(50, 100, Duration.ofSeconds(1));
        RateLimitPolicy hammered = new RateLimitPolicy("hammered", limits, 1, FailureMode.CLOSED);
        List<ClientId> clients = new ArrayList<>();
        for (int port : cluster.masterPorts()) {
            clients.add(ClusterClients.clientOn(cluster, port, hammered, prefix));
        }
        AtomicLongArray allowed = new AtomicLongArray(clients.size());
        AtomicLongArray attempts = new AtomicLongArray(clients.size());
        Duration hammering = Duration.ofSeconds(2);
        List<RedisRateLimiter> limiters = List.of(
                limiter(prefix, Duration.ofSeconds(2), cluster), limiter(prefix, Duration.ofSeconds(2), cluster));
        ExecutorService threads = Executors.newFixedThreadPool(32);
        try {
            CountDownLatch start = new CountDownLatch(1);
            List<Future<?>> workers = new ArrayList<>();
            for (int thread = 0; thread < 32; thread++) {
                RedisRateLimiter limiter = limiters.get(thread % 2);
                int client = thread % clients.size();
                workers.add(threads.submit(() -> {
                    start.await();
                    long deadline = System.nanoTime() + hammering.toNanos();
                    while (System.nanoTime() - deadline < 0) {
                        attempts.incrementAndGet(client);
                        if (limiter.acquire(hammered, clients.get(client)).allowed()) {
                            allowed.incrementAndGet(client);
                        }
                    }
                    return null;
                }));
            }
            long startedAt = System.nanoTime();
            start.countDown();
            for (Future<?> worker : workers) {
                worker.get(hammering.toSeconds() + 30, TimeUnit.SECONDS);
            }
            double elapsedSeconds = (System.nanoTime() - startedAt) / 1e9;
            double mostABucketCanGive = limits.capacity() + limits.refillTokens() * elapsedSeconds;
            for (int client = 0; client < clients.size(); client++) {
                System.out.printf(
                        "[figure] cluster shard %d: %d of %d attempts allowed, bound %.0f%n",
                        client, allowed.get(client), attempts.get(client), mostABucketCanGive);
                assertThat(attempts.get(client)).as("attempts").isGreaterThan(3 * allowed.get(client));
                // Measured on this JVM's clock, which starts before and ends after Redis' decisions.
                assertThat((double) allowed.get(client))
                        .as("allowed for client %d", client)
                        .isLessThanOrEqualTo(mostABucketCanGive)
                        .isGreaterThanOrEqualTo(0.8 * mostABucketCanGive);
            }
        } finally {
            threads.shutdownNow();
            limiters.forEach(RedisRateLimiter::close);
        }
    }

    @Test
    void scriptsFlushedOnEveryNodeAreLoadedAgainByTheCallsThatFindThemMissing() throws IOException {
        String prefix = prefix();
        try (RedisRateLimiter limiter = limiter(prefix, Duration.ofSeconds(2), cluster)) {
            List<ClientId> clients = new ArrayList<>();
            for (int port : cluster.masterPorts()) {
                clients.add(ClusterClients.clientOn(cluster, port, POLICY, prefix));
            }
            clients.forEach(client ->
                    assertThat(limiter.acquire(POLICY, client).remaining()).isEqualTo(9));

            cluster.flushScriptsEverywhere();

            clients.forEach(client ->
                    assertThat(limiter.acquire(POLICY, client).remaining()).isEqualTo(8));
            for (int port : cluster.masterPorts()) {
                try (Jedis master = admin(port)) {
                    assertThat(master.scriptExists(TokenBucketScript.load().sha1()))
                            .isTrue();
                }
            }
        }
    }

    @Test
    void aBucketWhoseSlotMovesToAnotherMasterIsFollowedThereWithItsTokens() throws IOException {
        String prefix = prefix();
        try (RedisRateLimiter limiter = limiter(prefix, Duration.ofSeconds(2), cluster)) {
            ClientId client = ClientId.of("moving");
            String key = new BucketKeys(prefix).keyFor(POLICY, client);
            int slot = JedisClusterCRC16.getSlot(key);
            int source = cluster.masterPortForKey(key);
            int target = cluster.masterPorts().stream()
                    .filter(port -> port != source)
                    .findFirst()
                    .orElseThrow();
            assertThat(limiter.acquire(POLICY, client).remaining()).isEqualTo(9);

            try (Jedis from = admin(source);
                    Jedis to = admin(target)) {
                to.clusterSetSlotImporting(slot, from.clusterMyId());
                from.clusterSetSlotMigrating(slot, to.clusterMyId());
                from.migrate("127.0.0.1", target, key, 5000);
                // The key has left and the slot is still the source's: it answers ASK, for this call only.
                assertThat(limiter.acquire(POLICY, client).remaining()).isEqualTo(8);

                for (int port : cluster.masterPorts()) {
                    try (Jedis master = admin(port)) {
                        master.clusterSetSlotNode(slot, to.clusterMyId());
                    }
                }
                // The limiter's slot map still names the source, which now answers MOVED.
                assertThat(limiter.acquire(POLICY, client).remaining()).isEqualTo(7);
                assertThat(limiter.acquire(POLICY, client).remaining()).isEqualTo(6);
                assertThat(to.clusterCountKeysInSlot(slot)).isEqualTo(1);
                assertThat(from.clusterCountKeysInSlot(slot)).isZero();
            }
        }
    }

    @Test
    void aDecisionThatTimedOutIsNeverMadeAgain() throws Exception {
        String prefix = prefix();
        try (RedisRateLimiter limiter = limiter(prefix, Duration.ofMillis(200), cluster)) {
            ClientId client = ClientId.of("frozen");
            String key = new BucketKeys(prefix).keyFor(POLICY, client);
            int master = cluster.masterPortForKey(key);
            assertThat(limiter.acquire(POLICY, client).remaining()).isEqualTo(9);

            // Shorter than the cluster's node timeout: the others do not mark it failed.
            cluster.freeze(master);
            LimiterUnavailableException timedOut;
            try {
                timedOut =
                        catchThrowableOfType(LimiterUnavailableException.class, () -> limiter.acquire(POLICY, client));
                TimeUnit.MILLISECONDS.sleep(300);
            } finally {
                cluster.thaw(master);
            }

            assertThat(timedOut.reason()).isEqualTo(FailureReason.TIMEOUT);
            // The frozen master reads the call it was sent once it runs again: a call made again would run twice.
            assertThat(limiter.acquire(POLICY, client).remaining()).isEqualTo(7);
        }
    }

    @Test
    void aDeadShardStopsOnlyTheDecisionsItHolds() throws Exception {
        try (RedisClusterProcess doomed =
                RedisClusterProcess.start(3, 0, List.of("--cluster-require-full-coverage", "no"))) {
            String prefix = prefix();
            RedisRateLimiter limiter = limiter(prefix, Duration.ofMillis(500), doomed);
            try (limiter) {
                int dead = doomed.masterPorts().get(0);
                ClientId onDeadShard = ClusterClients.clientOn(doomed, dead, GENEROUS, prefix);
                List<ClientId> elsewhere = new ArrayList<>();
                for (int port : doomed.masterPorts().subList(1, 3)) {
                    elsewhere.add(ClusterClients.clientOn(doomed, port, GENEROUS, prefix));
                }
                assertThat(limiter.acquire(GENEROUS, onDeadShard).allowed()).isTrue();

                doomed.kill(dead);

                Map<FailureReason, Integer> deadShardReasons = new HashMap<>();
                long slowestNanos = 0;
                for (int i = 0; i < 40; i++) {
                    long started = System.nanoTime();
                    LimiterUnavailableException failure = catchThrowableOfType(
                            LimiterUnavailableException.class, () -> limiter.acquire(GENEROUS, onDeadShard));
                    slowestNanos = Math.max(slowestNanos, System.nanoTime() - started);
                    assertThat(failure).as("a decision on the dead shard").isNotNull();
                    deadShardReasons.merge(failure.reason(), 1, Integer::sum);
                    for (ClientId client : elsewhere) {
                        assertThat(limiter.acquire(GENEROUS, client).allowed())
                                .as("healthy shard, call %d", i)
                                .isTrue();
                    }
                    if (i == 19) {
                        // Past the cluster's node timeout: the others have marked the dead master failed.
                        TimeUnit.MILLISECONDS.sleep(1500);
                    }
                }
                System.out.println("[figure] dead shard: reasons " + deadShardReasons + ", slowest "
                        + TimeUnit.NANOSECONDS.toMillis(slowestNanos) + " ms; breakers " + limiter.breakerStates());
                assertThat(deadShardReasons).containsKey(FailureReason.BREAKER_OPEN);
                assertThat(limiter.breakerStates()).containsEntry("127.0.0.1:" + dead, BreakerState.OPEN);
                assertThat(limiter.breakerStates().entrySet())
                        .filteredOn(entry -> !entry.getKey().endsWith(":" + dead))
                        .hasSize(2)
                        .allSatisfy(entry -> assertThat(entry.getValue()).isEqualTo(BreakerState.CLOSED));
            }
        }
    }

    @Test
    void aOneSeedUrlGivesThatSeedsMasterABreakerOfItsOwn() throws IOException {
        int seed = cluster.masterPorts().get(0);
        String prefix = prefix();
        try (RedisRateLimiter limiter = RedisRateLimiter.connect(RedisSettings.builder()
                .url("redis-cluster://127.0.0.1:" + seed)
                .keyPrefix(prefix)
                .build())) {
            limiter.acquire(POLICY, ClusterClients.clientOn(cluster, seed, POLICY, prefix));
            limiter.acquire(POLICY, ClusterClients.clientOn(cluster, seed, POLICY, prefix));

            assertThat(limiter.breakerStates()).containsOnlyKeys("127.0.0.1:" + seed);
        }
    }

    @Test
    void aClosedLimiterNeitherDecidesNorConnectsAgain() throws Exception {
        String prefix = prefix();
        RedisRateLimiter limiter = limiter(prefix, Duration.ofSeconds(2), cluster);
        for (int port : cluster.masterPorts()) {
            limiter.acquire(POLICY, ClusterClients.clientOn(cluster, port, POLICY, prefix));
        }

        limiter.close();
        LimiterUnavailableException closed = catchThrowableOfType(
                LimiterUnavailableException.class, () -> limiter.acquire(POLICY, ClientId.of("after-close")));

        assertThat(closed.getMessage()).contains("the limiter is closed");
        for (int port : cluster.masterPorts()) {
            try (Jedis master = admin(port)) {
                assertThat(master.clientList())
                        .as("connections of the limiter to %d", port)
                        .doesNotContain("name=ratelimiter");
            }
        }
    }

    @Test
    void aUserWhoMayNotReadTheSlotMapIsToldWhatToGrant() {
        for (int port : cluster.masterPorts()) {
            try (Jedis master = admin(port)) {
                master.aclSetUser("slotless", "on", ">slotless-pw", "~*", "+evalsha", "+eval", "+get", "+set", "+time");
            }
        }
        try (RedisRateLimiter limiter = RedisRateLimiter.connect(RedisSettings.builder()
                .url(cluster.seedUrl())
                .user("slotless")
                .password("slotless-pw")
                .keyPrefix(prefix())
                .build())) {
            LimiterUnavailableException refused = catchThrowableOfType(
                    LimiterUnavailableException.class, () -> limiter.acquire(POLICY, ClientId.of("alice")));

            assertThat(refused.reason()).isEqualTo(FailureReason.NO_PERMISSION);
            assertThat(refused.getMessage()).contains("+cluster|slots +asking").doesNotContain("slotless-pw");
        }
    }

    @Test
    void aWrongPasswordOnEveryNodeIsNamedAsSuch() {
        try (RedisRateLimiter limiter = RedisRateLimiter.connect(RedisSettings.builder()
                .url(cluster.seedUrl())
                .user("nobody")
                .password("not-the-password")
                .keyPrefix(prefix())
                .build())) {
            LimiterUnavailableException refused = catchThrowableOfType(
                    LimiterUnavailableException.class, () -> limiter.acquire(POLICY, ClientId.of("alice")));

            assertThat(refused.reason()).isEqualTo(FailureReason.AUTHENTICATION);
            assertThat(refused.getMessage()).doesNotContain("not-the-password");
        }
    }

    @Test
    void aClusterUnreachableAtFirstIsFoundOnceASeedAnswers() throws IOException {
        try (TcpProxy seed = TcpProxy.start("127.0.0.1", cluster.masterPorts().get(0))) {
            seed.mode(TcpProxy.Mode.REFUSE);
            RedisRateLimiter limiter = RedisRateLimiter.connect(RedisSettings.builder()
                    .url("redis-cluster://127.0.0.1:" + seed.port())
                    .keyPrefix(prefix())
                    .build());
            try (limiter) {
                LimiterUnavailableException failure = catchThrowableOfType(
                        LimiterUnavailableException.class, () -> limiter.acquire(POLICY, ClientId.of("early")));
                assertThat(failure.reason()).isEqualTo(FailureReason.CONNECTION);
                assertThat(failure.getMessage()).contains("cannot reach Redis at seeds 127.0.0.1:" + seed.port());

                seed.mode(TcpProxy.Mode.FORWARD);

                assertThat(limiter.acquire(POLICY, ClientId.of("early")).remaining())
                        .isEqualTo(9);
                // The seed told the limiter of every master, which it now asks directly.
                assertThat(limiter.breakerStates())
                        .doesNotContainKey("127.0.0.1:" + seed.port())
                        .hasSize(1);
            }
        }
    }
}
