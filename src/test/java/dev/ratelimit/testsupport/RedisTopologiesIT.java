package dev.ratelimit.testsupport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.Jedis;

/**
 * The cluster and sentinel fixtures start real topologies that spread keys and fail over. How long startup and
 * failover take is printed as {@code [figure]} lines.
 */
class RedisTopologiesIT {

    private static final Duration FAILOVER_BOUND = Duration.ofSeconds(20);

    @Test
    void clusterSpreadsKeysOverItsMastersAndFailsOverWhenOneIsKilled() throws Exception {
        assumeTrue(RedisClusterProcess.available(), () -> "skipped: " + RedisClusterProcess.unavailableReason());
        long startNanos = System.nanoTime();
        try (RedisClusterProcess cluster = RedisClusterProcess.start(3, 1, List.of())) {
            System.out.printf("[figure] cluster of 3 masters and 3 replicas ready in %d ms%n", millisSince(startNanos));
            assertThat(cluster.allPorts()).hasSize(6);
            assertThat(cluster.masterPorts()).hasSize(3);
            assertThat(cluster.seedUrl())
                    .isEqualTo(
                            "redis-cluster://127.0.0.1:" + cluster.masterPorts().get(0) + ",127.0.0.1:"
                                    + cluster.masterPorts().get(1) + ",127.0.0.1:"
                                    + cluster.masterPorts().get(2));

            for (int i = 0; i < 100; i++) {
                String key = "k{" + i + "}";
                try (Jedis master = connect(cluster.masterPortForKey(key))) {
                    master.set(key, "before");
                }
            }
            for (int port : cluster.masterPorts()) {
                try (Jedis master = connect(port)) {
                    assertThat(master.dbSize())
                            .as("keys on the master on %d", port)
                            .isPositive();
                    // So that the failover below cannot lose a write the replica had not received yet.
                    assertThat(master.waitReplicas(1, 2000)).isEqualTo(1);
                }
            }

            String key = "k{7}";
            int oldMaster = cluster.masterPortForKey(key);
            long killNanos = System.nanoTime();
            cluster.kill(oldMaster);
            int newMaster = cluster.awaitNewMasterFor(key, oldMaster, FAILOVER_BOUND);
            System.out.printf(
                    "[figure] cluster failover: a replica took over %d ms after its master was killed%n",
                    millisSince(killNanos));

            assertThat(newMaster).isNotEqualTo(oldMaster);
            assertThat(cluster.masterPortForKey(key)).isEqualTo(newMaster);
            try (Jedis master = connect(newMaster)) {
                assertThat(master.get(key)).isEqualTo("before");
                master.set(key, "after");
                assertThat(master.get(key)).isEqualTo("after");
            }
        }
    }

    @Test
    void sentinelsPromoteTheReplicaWhenThePrimaryIsKilled() throws Exception {
        assumeTrue(RedisSentinelSet.available(), () -> "skipped: " + RedisSentinelSet.unavailableReason());
        long startNanos = System.nanoTime();
        try (RedisSentinelSet sentinels = RedisSentinelSet.start("topology")) {
            System.out.printf("[figure] primary, replica and 3 sentinels ready in %d ms%n", millisSince(startNanos));
            List<Integer> sentinelPorts = sentinels.sentinelPorts();
            assertThat(sentinels.url())
                    .isEqualTo("redis-sentinel://127.0.0.1:" + sentinelPorts.get(0) + ",127.0.0.1:"
                            + sentinelPorts.get(1) + ",127.0.0.1:" + sentinelPorts.get(2) + "#topology");

            int oldPrimary = sentinels.primaryPort();
            long killNanos = System.nanoTime();
            sentinels.killPrimary();
            int newPrimary = sentinels.awaitNewPrimary(oldPrimary, FAILOVER_BOUND);
            System.out.printf(
                    "[figure] sentinel failover: every sentinel reported the promoted replica %d ms after"
                            + " the primary was killed%n",
                    millisSince(killNanos));

            assertThat(sentinels.primaryPort()).isEqualTo(newPrimary);
            try (Jedis primary = connect(newPrimary)) {
                assertThat(primary.set("after-failover", "written")).isEqualTo("OK");
            }
        }
    }

    private static Jedis connect(int port) {
        return RedisServerProcess.adminClient(port, Duration.ofSeconds(2));
    }

    private static long millisSince(long startNanos) {
        return Duration.ofNanos(System.nanoTime() - startNanos).toMillis();
    }
}
