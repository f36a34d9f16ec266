package dev.ratelimit.it;

import static dev.ratelimit.it.Http.CLIENT_ID;
import static org.assertj.core.api.Assertions.assertThat;

import dev.ratelimit.testsupport.TcpProxy;
import java.net.URL;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import org.jboss.arquillian.container.test.api.Deployment;
import org.jboss.arquillian.container.test.api.RunAsClient;
import org.jboss.arquillian.junit5.ArquillianExtension;
import org.jboss.arquillian.test.api.ArquillianResource;
import org.jboss.shrinkwrap.api.spec.WebArchive;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A Redis outage opens the circuit breaker, which shows at /metrics and in the log once, and closes again
 * once Redis is back. A deployment of its own, so that no other test's failures count in its breaker.
 */
@ExtendWith(ArquillianExtension.class)
@RunAsClient
class CircuitBreakerIT {

    @Deployment(testable = false)
    static WebArchive deployment() {
        return DemoDeployment.withProbes("ratelimiter-breaker-it", Map.of());
    }

    @ArquillianResource
    URL base;

    @AfterEach
    void restoreRedis() throws Exception {
        DemoDeployment.redisProxy().mode(TcpProxy.Mode.FORWARD);
    }

    @Test
    void aLongOutageOpensTheBreakerWhichClosesOnceRedisIsBack() throws Exception {
        assertThat(awaitDecided("breaker-client").statusCode())
                .as("breaker closed before the outage")
                .isEqualTo(200);
        ServerLog log = ServerLog.mark();
        DemoDeployment.redisProxy().mode(TcpProxy.Mode.REFUSE);
        for (int i = 0; i < 12; i++) {
            assertThat(Http.get(base, "api/probe/closed", CLIENT_ID, "breaker-client")
                            .statusCode())
                    .isEqualTo(503);
        }
        String duringOutage = Http.applicationMetrics(base);
        assertThat(duringOutage)
                .containsPattern("(?m)^ratelimit_redis_breaker_state\\{[^}]*state=\"open\"[^}]*} 1")
                .containsPattern("(?m)^ratelimit_redis_breaker_opened_total\\{[^}]*} [1-9]")
                .containsPattern("(?m)^ratelimit_redis_failures_total\\{[^}]*reason=\"breaker_open\"[^}]*} [1-9]")
                .containsPattern("(?m)^ratelimit_redis_failures_total\\{[^}]*reason=\"connection\"[^}]*} [1-9]");

        DemoDeployment.redisProxy().mode(TcpProxy.Mode.FORWARD);

        // Until the breaker's open time is over, calls still get the failure mode; none may fail after that.
        HttpResponse<String> response = awaitDecided("breaker-client");
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("RateLimit")).isPresent();
        for (int i = 0; i < 5; i++) {
            assertThat(Http.get(base, "api/probe/closed", CLIENT_ID, "breaker-client")
                            .statusCode())
                    .isEqualTo(200);
        }
        assertThat(Http.applicationMetrics(base))
                .containsPattern("(?m)^ratelimit_redis_breaker_state\\{[^}]*state=\"closed\"[^}]*} 1");
        String logged = log.sinceMark();
        assertThat(logged.split("CLOSED -> OPEN", -1)).as("logged once").hasSize(2);
        assertThat(logged)
                .containsPattern("Redis circuit breaker of 127\\.0\\.0\\.1:\\d+ CLOSED -> OPEN")
                .containsPattern("Redis circuit breaker of 127\\.0\\.0\\.1:\\d+ HALF_OPEN -> CLOSED")
                .contains("(connection): cannot reach Redis at 127.0.0.1:");
    }

    /** Calls a fail-closed probe until it is decided again: the breaker's open time may have to run out. */
    private HttpResponse<String> awaitDecided(String client) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        HttpResponse<String> response = Http.get(base, "api/probe/closed", CLIENT_ID, client);
        while (response.statusCode() == 503 && System.nanoTime() < deadline) {
            Thread.sleep(100);
            response = Http.get(base, "api/probe/closed", CLIENT_ID, client);
        }
        return response;
    }
}
