package dev.ratelimit.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ratelimit.testsupport.RedisFixture;
import dev.ratelimit.testsupport.RedisServerProcess;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URL;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.jboss.arquillian.container.test.api.Deployment;
import org.jboss.arquillian.container.test.api.RunAsClient;
import org.jboss.arquillian.junit5.ArquillianExtension;
import org.jboss.arquillian.test.api.ArquillianResource;
import org.jboss.shrinkwrap.api.spec.WebArchive;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import redis.clients.jedis.RedisClient;

/**
 * A soak, not a test CI runs ({@code ./mvnw -Psoak verify}, see the profile): the two servers of
 * {@link TwoInstancesIT} under load for {@code soak.duration} (default 3 minutes), while their Redis is killed
 * and started again empty at a quarter of the run, and frozen (SIGSTOP, then SIGCONT) at half of it. It prints
 * the requests served, 5xx (must be none), over-admissions of a known client (must be none: its decided 2xx
 * against what its bucket can admit, one more full bucket per restart that emptied Redis) and the latency.
 */
@ExtendWith(ArquillianExtension.class)
@RunAsClient
class TwoInstancesSoak {

    private static final Duration SOAK = Duration.parse(System.getProperty("soak.duration", "PT3M"));
    private static final Duration OUTAGE = Duration.ofSeconds(5);
    private static final int THREADS_PER_SERVER_PER_CLIENT = 8;

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
                throw new UncheckedIOException("cannot start the soak's redis-server", e);
            }
            // The default timeouts, measured for a saturated host, bound what an outage adds to a call.
            war = FloodedPolicy.deployment(
                    "ratelimiter-soak", Map.of("ratelimit.redis.url", redisUrl().toString()));
        }
        return war;
    }

    @ArquillianResource
    URL base;

    @Test
    void twoServersUnderLoadThroughARedisRestartAndPause() throws Exception {
        try (SecondLibertyServer second = SecondLibertyServer.start("soak-second", deployment(), "api/status")) {
            List<URL> servers = List.of(base, second.applicationUrl(deployment()));
            System.out.println(
                    "TwoInstancesSoak warm-up: " + FloodedPolicy.warmUp(servers, THREADS_PER_SERVER_PER_CLIENT));

            long startedAt = redisTimeMillis();
            long started = System.nanoTime();
            Flood known = Flood.start(servers, FloodedPolicy.PATH, "known-client", THREADS_PER_SERVER_PER_CLIENT, SOAK);
            Flood others =
                    Flood.start(servers, FloodedPolicy.PATH, "other-client", THREADS_PER_SERVER_PER_CLIENT, SOAK);
            int emptyingRestarts = 0;
            try {
                waitUntil(started, SOAK.dividedBy(4));
                log("killing Redis for " + OUTAGE);
                redis.close();
                TimeUnit.MILLISECONDS.sleep(OUTAGE.toMillis());
                redis = RedisServerProcess.start(RedisFixture.localRedisServer(), redisPort);
                emptyingRestarts++;
                log("Redis started again, empty");

                waitUntil(started, SOAK.dividedBy(2));
                log("pausing Redis (SIGSTOP) for " + OUTAGE);
                redis.signal("STOP");
                try {
                    TimeUnit.MILLISECONDS.sleep(OUTAGE.toMillis());
                } finally {
                    redis.signal("CONT");
                }
                log("Redis resumed (SIGCONT)");
            } finally {
                Flood.Tally knownTally = known.await();
                Flood.Tally othersTally = others.await();
                long elapsedMillis = redisTimeMillis() - startedAt;
                report(knownTally, othersTally, elapsedMillis, emptyingRestarts);
            }
        } finally {
            redis.close();
        }
    }

    private static void report(Flood.Tally known, Flood.Tally others, long elapsedMillis, int emptyingRestarts) {
        long bound = FloodedPolicy.allowance(elapsedMillis) + FloodedPolicy.CAPACITY * emptyingRestarts;
        long overAdmissions = Math.max(0, known.decided() - bound);
        long served = known.requests() + others.requests();
        long serverErrors = known.serverErrors() + others.serverErrors();
        long medianMicros = known.latencyMicros().getValueAtPercentile(50);
        long maxMicros = Math.max(
                known.latencyMicros().getMaxValue(), others.latencyMicros().getMaxValue());
        System.out.printf(
                "TwoInstancesSoak over %d ms of Redis time, 2 servers x %d threads x 2 clients:%n",
                elapsedMillis, THREADS_PER_SERVER_PER_CLIENT);
        System.out.println("  known-client: " + known);
        System.out.println("  other-client: " + others);
        System.out.printf(
                "  requests served %d, 5xx %d, known client's decided 2xx %d of at most %d "
                        + "(over-admissions %d), undecided 2xx (fail-open passes) %d, max added latency %.1f ms%n",
                served,
                serverErrors,
                known.decided(),
                bound,
                overAdmissions,
                known.undecided() + others.undecided(),
                (maxMicros - medianMicros) / 1000.0);

        assertThat(serverErrors).as("5xx").isZero();
        assertThat(known.failures() + others.failures())
                .as("requests without an answer")
                .isZero();
        assertThat(overAdmissions).as("over-admissions of the known client").isZero();
    }

    private static void waitUntil(long started, Duration offset) throws InterruptedException {
        long remaining = started + offset.toNanos() - System.nanoTime();
        if (remaining > 0) {
            TimeUnit.NANOSECONDS.sleep(remaining);
        }
    }

    private static long redisTimeMillis() {
        try (RedisClient client = RedisClient.create(redisUrl())) {
            return RedisFixture.redisTimeMillis(client);
        }
    }

    private static URI redisUrl() {
        return URI.create("redis://127.0.0.1:" + redisPort);
    }

    private static void log(String event) {
        System.out.println("TwoInstancesSoak " + Instant.now() + ": " + event);
    }
}
