package dev.ratelimit.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.ratelimit.core.BucketLimits;
import dev.ratelimit.core.ClientId;
import dev.ratelimit.core.FailureMode;
import dev.ratelimit.core.FailureReason;
import dev.ratelimit.core.LimiterUnavailableException;
import dev.ratelimit.core.RateLimitPolicy;
import dev.ratelimit.testsupport.RedisClusterProcess;
import dev.ratelimit.testsupport.RedisFixture;
import dev.ratelimit.testsupport.RedisSentinelSet;
import dev.ratelimit.testsupport.RedisServerProcess;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@link RedisRateLimiter#probe()} against real redis-servers: a PING of each node that holds keys, bounded by
 * the timeouts a decision has, beside each node's breaker, and outside the breakers.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class RedisProbeIT {

    private static final Duration TIMEOUT = Duration.ofMillis(200);
    /** A connection's handshake, then a reply, each within the timeout; the margin tells a bounded wait from a hang. */
    private static final Duration LONGEST_PROBE = TIMEOUT.multipliedBy(3).plusSeconds(1);

    private static final RateLimitPolicy POLICY =
            new RateLimitPolicy("probe", new BucketLimits(1000, 1000, Duration.ofSeconds(1)), 1, FailureMode.CLOSED);

    private Path executable;
    private RedisServerProcess server;
    private RedisRateLimiter limiter;

    @BeforeEach
    void startRedis() throws Exception {
        executable = Objects.requireNonNullElseGet(RedisFixture.redisServerOnPath(), RedisFixture::embeddedBinary);
        server = RedisServerProcess.start(executable, RedisServerProcess.freePort());
        limiter = RedisRateLimiter.connect(RedisSettings.builder()
                .url("redis://127.0.0.1:" + server.port())
                .connectTimeout(TIMEOUT)
                .commandTimeout(TIMEOUT)
                .breakerWindow(2)
                .breakerOpenFor(Duration.ofMinutes(1))
                .build());
    }

    @AfterEach
    void stopRedis() {
        limiter.close();
        server.close();
    }

    private String node() {
        return "127.0.0.1:" + server.port();
    }

    @Test
    void aRedisThatAnswersIsReachableWithItsBreakerClosed() {
        RedisProbe probe = limiter.probe();

        assertThat(probe.reachable()).isTrue();
        assertThat(probe.topology()).isEqualTo(RedisTopology.STANDALONE);
        assertThat(probe.nodes()).containsExactly(new RedisProbe.Node(node(), BreakerState.CLOSED, Optional.empty()));
    }

    @Test
    void aStoppedRedisIsUnreachableAtOnceAndReachableAgainOnceRestarted() throws Exception {
        assertThat(limiter.probe().reachable()).isTrue();
        server.signal("KILL");

        RedisProbe down = timed(limiter::probe);

        assertThat(down.reachable()).isFalse();
        assertThat(down.nodes())
                .containsExactly(
                        new RedisProbe.Node(node(), BreakerState.CLOSED, Optional.of(FailureReason.CONNECTION)));

        server = RedisServerProcess.start(executable, server.port());
        // The pooled connection broke with the old process: the first probe after the restart must not say so.
        assertThat(limiter.probe().reachable()).isTrue();
    }

    @Test
    void aFrozenRedisIsUnreachableWithinTheCommandTimeout() throws Exception {
        assertThat(limiter.probe().reachable()).isTrue();
        server.signal("STOP");
        try {
            RedisProbe frozen = timed(limiter::probe);

            assertThat(frozen.reachable()).isFalse();
            assertThat(frozen.nodes())
                    .singleElement()
                    .extracting(RedisProbe.Node::failure)
                    .isEqualTo(Optional.of(FailureReason.TIMEOUT));
        } finally {
            server.signal("CONT");
        }
    }

    @Test
    void probesCountInNoBreakerAndShowTheBreakersView() throws Exception {
        server.signal("KILL");
        for (int i = 0; i < 5; i++) {
            assertThat(limiter.probe().reachable()).isFalse();
        }
        assertThat(limiter.breakerStates())
                .as("5 failed probes, window of 2")
                .containsExactly(Map.entry(node(), BreakerState.CLOSED));

        for (int i = 0; i < 2; i++) {
            assertThatThrownBy(() -> limiter.acquire(POLICY, ClientId.of("c")))
                    .isInstanceOf(LimiterUnavailableException.class);
        }
        assertThat(limiter.breakerStates()).containsExactly(Map.entry(node(), BreakerState.OPEN));
        assertThat(limiter.probe().nodes())
                .containsExactly(new RedisProbe.Node(node(), BreakerState.OPEN, Optional.of(FailureReason.CONNECTION)));

        server = RedisServerProcess.start(executable, server.port());
        // Redis answers the probe though its breaker still keeps decisions away for the rest of its open time.
        assertThat(limiter.probe().nodes())
                .containsExactly(new RedisProbe.Node(node(), BreakerState.OPEN, Optional.empty()));
        assertThat(limiter.breakerStates()).containsExactly(Map.entry(node(), BreakerState.OPEN));
    }

    @Test
    void everyMasterOfAClusterIsProbedAndASilentOneIsNamed() throws Exception {
        assumeTrue(RedisClusterProcess.available(), () -> "skipped: " + RedisClusterProcess.unavailableReason());
        try (RedisClusterProcess cluster = RedisClusterProcess.start(3, 0, List.of());
                RedisRateLimiter clustered = RedisRateLimiter.connect(RedisSettings.builder()
                        .url(cluster.seedUrl())
                        .connectTimeout(TIMEOUT)
                        .commandTimeout(TIMEOUT)
                        .build())) {
            List<String> masters = cluster.masterPorts().stream()
                    .map(port -> "127.0.0.1:" + port)
                    .toList();

            RedisProbe probe = clustered.probe();

            assertThat(probe.topology()).isEqualTo(RedisTopology.CLUSTER);
            assertThat(probe.reachable()).isTrue();
            assertThat(probe.nodes()).extracting(RedisProbe.Node::name).containsExactlyInAnyOrderElementsOf(masters);

            int killed = cluster.masterPorts().get(0);
            cluster.kill(killed);
            RedisProbe oneDown = timed(clustered::probe);

            assertThat(oneDown.reachable()).isFalse();
            assertThat(oneDown.nodes())
                    .filteredOn(node -> !node.reachable())
                    .extracting(RedisProbe.Node::name)
                    .containsExactly("127.0.0.1:" + killed);
            assertThat(oneDown.nodes()).hasSize(3);
        }
    }

    @Test
    void theSentinelsPrimaryIsProbedAndUnreachableSentinelsAreNamed() throws Exception {
        assumeTrue(RedisSentinelSet.available(), () -> "skipped: " + RedisSentinelSet.unavailableReason());
        try (RedisSentinelSet sentinels = RedisSentinelSet.start("probe-primary");
                RedisRateLimiter sentineled = RedisRateLimiter.connect(RedisSettings.builder()
                        .url(sentinels.url())
                        .connectTimeout(TIMEOUT)
                        .commandTimeout(TIMEOUT)
                        .build())) {
            RedisProbe probe = sentineled.probe();

            assertThat(probe.topology()).isEqualTo(RedisTopology.SENTINEL);
            assertThat(probe.nodes())
                    .containsExactly(new RedisProbe.Node(
                            "127.0.0.1:" + sentinels.primaryPort(), BreakerState.CLOSED, Optional.empty()));
        }
        int nobody = RedisServerProcess.freePort();
        try (RedisRateLimiter lost = RedisRateLimiter.connect(RedisSettings.builder()
                .url("redis-sentinel://127.0.0.1:" + nobody + "#probe-primary")
                .connectTimeout(TIMEOUT)
                .commandTimeout(TIMEOUT)
                .build())) {
            RedisProbe probe = timed(lost::probe);

            assertThat(probe.reachable()).isFalse();
            assertThat(probe.nodes())
                    .singleElement()
                    .extracting(RedisProbe.Node::name)
                    .asString()
                    .contains("127.0.0.1:" + nobody);
        }
    }

    private static RedisProbe timed(Supplier<RedisProbe> probe) {
        long started = System.nanoTime();
        RedisProbe probed = probe.get();
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(LONGEST_PROBE);
        return probed;
    }
}
