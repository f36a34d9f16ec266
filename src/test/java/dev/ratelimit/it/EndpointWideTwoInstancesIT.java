package dev.ratelimit.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ratelimit.testsupport.RedisFixture;
import java.net.URL;
import java.time.Duration;
import java.util.ArrayList;
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
 * An endpoint limited as a whole ({@code client-id: none}) on two Liberty servers sharing one Redis: flooded by many
 * clients at once through both, together they admit what the endpoint's one bucket allows and no more.
 */
@ExtendWith(ArquillianExtension.class)
@RunAsClient
class EndpointWideTwoInstancesIT {

    private static final int CLIENTS = 4;
    private static final int THREADS_PER_SERVER_PER_CLIENT = 4;
    private static final Duration FLOODING = Duration.ofSeconds(6);
    private static final double AT_LEAST = 0.95;

    private static WebArchive war;

    @Deployment(testable = false)
    static synchronized WebArchive deployment() {
        if (war == null) {
            war = FloodedPolicy.deployment(
                    "ratelimiter-endpoint-wide", Map.of("ratelimit.policies.probe-flood.client-id", "none"));
        }
        return war;
    }

    @ArquillianResource
    URL base;

    @Test
    void manyClientsThroughTwoServersShareTheEndpointsOneBucket() throws Exception {
        try (SecondLibertyServer second = SecondLibertyServer.start("it-endpoint-wide", deployment(), "api/status");
                RedisClient clock = RedisFixture.shared().client()) {
            List<URL> servers = List.of(base, second.applicationUrl(deployment()));
            System.out.println("EndpointWideTwoInstancesIT warm-up: "
                    + FloodedPolicy.warmUp(servers, THREADS_PER_SERVER_PER_CLIENT));

            long startedAt = RedisFixture.redisTimeMillis(clock);
            long deadline = System.nanoTime() + FLOODING.toNanos();
            List<Flood> floods = new ArrayList<>();
            for (int client = 0; client < CLIENTS; client++) {
                floods.add(Flood.start(
                        servers, FloodedPolicy.PATH, "client-" + client, THREADS_PER_SERVER_PER_CLIENT, FLOODING));
            }
            for (Flood flood : floods) {
                flood.awaitFullStrength();
            }
            long fullStrengthAt = RedisFixture.redisTimeMillis(clock);
            TimeUnit.NANOSECONDS.sleep(Math.max(0, deadline - System.nanoTime()));
            long floodedMillis = RedisFixture.redisTimeMillis(clock) - fullStrengthAt;
            long admitted = 0;
            for (Flood flood : floods) {
                Flood.Tally tally = flood.await();
                System.out.println("EndpointWideTwoInstancesIT " + tally);
                assertThat(tally.serverErrors()).as("5xx").isZero();
                assertThat(tally.failures()).as("requests without an answer").isZero();
                assertThat(tally.undecided()).as("undecided 2xx").isZero();
                assertThat(tally.tooMany()).as("429s").isPositive();
                admitted += tally.decided();
            }
            long endedMillis = RedisFixture.redisTimeMillis(clock) - startedAt;
            // The warm-up drained the bucket: while flooded, only the refill is sure to be there.
            long refilledWhileFlooded = FloodedPolicy.REFILL_PER_SECOND * floodedMillis / 1000;
            System.out.printf(
                    "EndpointWideTwoInstancesIT: %d admitted of %d clients; at most %d in %d ms, at least %d refilled"
                            + " in %d ms at full strength, on Redis' clock%n",
                    admitted,
                    CLIENTS,
                    FloodedPolicy.allowance(endedMillis),
                    endedMillis,
                    refilledWhileFlooded,
                    floodedMillis);
            assertThat(admitted)
                    .as("decided 2xx of every client together")
                    .isLessThanOrEqualTo(FloodedPolicy.allowance(endedMillis))
                    .isGreaterThanOrEqualTo((long) Math.floor(AT_LEAST * refilledWhileFlooded));
        }
    }
}
