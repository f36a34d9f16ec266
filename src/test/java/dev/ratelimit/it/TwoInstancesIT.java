package dev.ratelimit.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ratelimit.testsupport.RedisFixture;
import java.net.URL;
import java.time.Duration;
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
 * Two Liberty servers, the integration-test server and a second one this test starts, run the same WAR against
 * one Redis: flooded at once by the same client, together they admit what one bucket allows and no more, and
 * a second client flooded at the same time gets its own full allowance.
 */
@ExtendWith(ArquillianExtension.class)
@RunAsClient
class TwoInstancesIT {

    private static final int THREADS_PER_SERVER_PER_CLIENT = 16;
    private static final Duration FLOODING = Duration.ofSeconds(8);
    private static final double AT_LEAST = 0.95;

    private static WebArchive war;

    @Deployment(testable = false)
    static synchronized WebArchive deployment() {
        if (war == null) {
            war = FloodedPolicy.deployment("ratelimiter-two", Map.of());
        }
        return war;
    }

    @ArquillianResource
    URL base;

    @Test
    void twoServersFloodedByTwoClientsAdmitEachClientExactlyItsOneBucket() throws Exception {
        try (SecondLibertyServer second = SecondLibertyServer.start("it-second", deployment(), "api/status");
                RedisClient clock = RedisFixture.shared().client()) {
            List<URL> servers = List.of(base, second.applicationUrl(deployment()));

            System.out.println(
                    "TwoInstancesIT warm-up: " + FloodedPolicy.warmUp(servers, THREADS_PER_SERVER_PER_CLIENT));

            long startedAt = RedisFixture.redisTimeMillis(clock);
            long deadline = System.nanoTime() + FLOODING.toNanos();
            Flood first =
                    Flood.start(servers, FloodedPolicy.PATH, "first-client", THREADS_PER_SERVER_PER_CLIENT, FLOODING);
            Flood other =
                    Flood.start(servers, FloodedPolicy.PATH, "other-client", THREADS_PER_SERVER_PER_CLIENT, FLOODING);
            first.awaitFullStrength();
            other.awaitFullStrength();
            long fullStrengthAt = RedisFixture.redisTimeMillis(clock);
            TimeUnit.NANOSECONDS.sleep(Math.max(0, deadline - System.nanoTime()));
            // The lower bound counts only the time both floods asked at full strength; the upper bound all of it.
            long floodedMillis = RedisFixture.redisTimeMillis(clock) - fullStrengthAt;
            Flood.Tally firstTally = first.await();
            Flood.Tally otherTally = other.await();
            long endedMillis = RedisFixture.redisTimeMillis(clock) - startedAt;

            System.out.printf(
                    "TwoInstancesIT: bucket allows at least %d (%d ms at full strength), at most %d (%d ms "
                            + "in all) on Redis' clock%n",
                    FloodedPolicy.allowance(floodedMillis),
                    floodedMillis,
                    FloodedPolicy.allowance(endedMillis),
                    endedMillis);
            System.out.println("TwoInstancesIT first-client: " + firstTally);
            System.out.println("TwoInstancesIT other-client: " + otherTally);
            for (Flood.Tally tally : List.of(firstTally, otherTally)) {
                assertThat(tally.serverErrors()).as("5xx").isZero();
                assertThat(tally.failures()).as("requests without an answer").isZero();
                assertThat(tally.tooMany())
                        .as("429s: the flood outran the bucket")
                        .isPositive();
                assertThat(tally.decided())
                        .as("decided 2xx")
                        .isLessThanOrEqualTo(FloodedPolicy.allowance(endedMillis))
                        .isGreaterThanOrEqualTo((long) Math.floor(AT_LEAST * FloodedPolicy.allowance(floodedMillis)));
            }
        }
    }
}
