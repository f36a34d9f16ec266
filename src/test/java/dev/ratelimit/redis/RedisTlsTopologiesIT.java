package dev.ratelimit.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.ratelimit.core.BucketLimits;
import dev.ratelimit.core.ClientId;
import dev.ratelimit.core.FailureMode;
import dev.ratelimit.core.FailureReason;
import dev.ratelimit.core.LimiterUnavailableException;
import dev.ratelimit.core.RateLimitPolicy;
import dev.ratelimit.testsupport.RedisClusterProcess;
import dev.ratelimit.testsupport.RedisSentinelSet;
import dev.ratelimit.testsupport.RedisServerProcess;
import dev.ratelimit.testsupport.TestCertificates;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.Jedis;

/**
 * The limiter over {@code rediss-cluster://} and {@code rediss-sentinel://} against real redis-server processes
 * that talk TLS to clients and to each other, with certificates made at test time: the nodes the deployment
 * announces are reached over TLS, and decisions stay exact. The servers keep a plain text port for the
 * fixtures' own set-up; the limiter is only given TLS ports.
 */
class RedisTlsTopologiesIT {

    private static final RateLimitPolicy THREE_PER_HOUR =
            new RateLimitPolicy("tls-topology", new BucketLimits(3, 3, Duration.ofHours(1)), 1, FailureMode.CLOSED);

    private static TestCertificates certificates;

    @BeforeAll
    static void makeCertificates() throws IOException {
        String missing = TestCertificates.unavailableReason();
        assumeTrue(missing == null, () -> "skipped: cannot make test certificates: " + missing);
        certificates = TestCertificates.shared();
    }

    private static RedisSettings.Builder settings(String url, String prefix) {
        return RedisSettings.builder()
                .url(url)
                .keyPrefix(prefix)
                .poolSize(2)
                .connectTimeout(Duration.ofSeconds(2))
                .commandTimeout(Duration.ofSeconds(2));
    }

    /** Settings trusting the test CA, as a {@code rediss...} URL needs. */
    private static RedisSettings trusting(String url, String prefix) {
        return settings(url, prefix)
                .truststore(certificates.pkcs12Truststore(), TestCertificates.TRUSTSTORE_PASSWORD.toCharArray(), null)
                .build();
    }

    private static String prefix() {
        return "ratelimit:" + UUID.randomUUID() + ":";
    }

    /** Each acquire's verdict, the first {@code firstCalls} on {@code limiter}, the others on {@code other}. */
    private static List<Boolean> allowedOver(
            RedisRateLimiter limiter, int firstCalls, RedisRateLimiter other, int otherCalls, ClientId client) {
        List<Boolean> allowed = new ArrayList<>();
        for (int i = 0; i < firstCalls + otherCalls; i++) {
            allowed.add((i < firstCalls ? limiter : other)
                    .acquire(THREE_PER_HOUR, client)
                    .allowed());
        }
        return allowed;
    }

    private static LimiterUnavailableException refusal(RedisSettings settings) {
        try (RedisRateLimiter limiter = RedisRateLimiter.connect(settings)) {
            LimiterUnavailableException e = catchThrowableOfType(
                    LimiterUnavailableException.class, () -> limiter.acquire(THREE_PER_HOUR, ClientId.of("refused")));
            assertThat(e).as("acquire refused with LimiterUnavailableException").isNotNull();
            return e;
        }
    }

    /** Skips when the redis-server at hand was built without TLS, which it says by refusing the tls-* options. */
    private static void assumeBuiltWithTls(IOException startFailure) {
        assumeTrue(
                !String.valueOf(startFailure.getMessage()).contains("Bad directive"),
                () -> "skipped: redis-server was built without TLS support: " + startFailure.getMessage());
    }

    /** The {@code redis...} URL of the same nodes as a {@code rediss...} one: plain text to the TLS ports. */
    private static String plainTextTo(String tlsUrl) {
        return tlsUrl.replaceFirst("^rediss-", "redis-");
    }

    /** Three masters without replicas, each serving clients over TLS and gossiping over TLS. */
    @Nested
    class Cluster {

        private static RedisClusterProcess cluster;

        @BeforeAll
        static void startCluster() throws IOException {
            assumeTrue(
                    RedisClusterProcess.available(),
                    () -> "skipped: no Redis Cluster can run here: " + RedisClusterProcess.unavailableReason());
            try {
                cluster = RedisClusterProcess.startTls(3, 0, certificates, List.of());
            } catch (IOException e) {
                assumeBuiltWithTls(e);
                throw e;
            }
        }

        @AfterAll
        static void stopCluster() {
            if (cluster != null) {
                cluster.close();
            }
        }

        @Test
        void decisionsAreExactForClientsOnEveryMasterReachedOnTheTlsPortsTheClusterAnnounces() throws IOException {
            String prefix = prefix();
            RedisSettings settings = trusting(cluster.tlsSeedUrl(), prefix);

            try (RedisRateLimiter limiter = RedisRateLimiter.connect(settings);
                    RedisRateLimiter other = RedisRateLimiter.connect(settings)) {
                for (int master : cluster.masterPorts()) {
                    ClientId client = ClusterClients.clientOn(cluster, master, THREE_PER_HOUR, prefix);
                    assertThat(allowedOver(limiter, 3, other, 2, client))
                            .as("client %s on master %d", client, master)
                            .containsExactly(true, true, true, false, false);
                    try (Jedis admin = admin(master)) {
                        assertThat(admin.exists(new BucketKeys(prefix).keyFor(THREE_PER_HOUR, client)))
                                .isTrue();
                    }
                }
                // Named after the nodes Jedis learnt from CLUSTER SLOTS: the TLS ports, though seeded with them only.
                Set<String> tlsMasters = cluster.masterPorts().stream()
                        .map(master -> "127.0.0.1:" + cluster.tlsPortOf(master))
                        .collect(Collectors.toSet());
                assertThat(limiter.breakerStates())
                        .containsOnlyKeys(tlsMasters)
                        .allSatisfy((node, state) -> assertThat(state).isEqualTo(BreakerState.CLOSED));
            }
        }

        @Test
        void aPlainTextClusterUrlToTheTlsPortsFailsRatherThanDeciding() {
            LimiterUnavailableException e = refusal(
                    settings(plainTextTo(cluster.tlsSeedUrl()), prefix()).build());

            assertThat(e.reason()).isEqualTo(FailureReason.CONNECTION);
        }

        private static Jedis admin(int port) {
            return RedisServerProcess.adminClient(port, Duration.ofSeconds(5));
        }
    }

    /** A primary and its replica, watched by three sentinels, all reached over TLS. */
    @Nested
    class Sentinel {

        private static RedisSentinelSet sentinels;

        @BeforeAll
        static void startSentinels() throws IOException {
            assumeTrue(RedisSentinelSet.available(), () -> "skipped: " + RedisSentinelSet.unavailableReason());
            try {
                sentinels = RedisSentinelSet.startTls("tls-primary", certificates);
            } catch (IOException e) {
                assumeBuiltWithTls(e);
                throw e;
            }
        }

        @AfterAll
        static void stopSentinels() {
            if (sentinels != null) {
                sentinels.close();
            }
        }

        @Test
        void decisionsAreExactOnThePrimaryTheTlsSentinelsName() throws IOException {
            RedisSettings settings = trusting(sentinels.tlsUrl(), prefix());

            try (RedisRateLimiter limiter = RedisRateLimiter.connect(settings);
                    RedisRateLimiter other = RedisRateLimiter.connect(settings)) {
                for (String name : List.of("alice", "bob")) {
                    assertThat(allowedOver(limiter, 3, other, 2, ClientId.of(name)))
                            .as(name)
                            .containsExactly(true, true, true, false, false);
                }
                assertThat(limiter.breakerStates()).containsOnlyKeys("127.0.0.1:" + sentinels.primaryPort());
            }
        }

        @Test
        void aPlainTextSentinelUrlToTheTlsPortsFailsRatherThanDeciding() {
            LimiterUnavailableException e =
                    refusal(settings(plainTextTo(sentinels.tlsUrl()), prefix()).build());

            assertThat(e.reason()).isEqualTo(FailureReason.CONNECTION);
        }
    }
}
