package dev.ratelimit.it;

import static dev.ratelimit.it.Http.CLIENT_ID;
import static org.assertj.core.api.Assertions.assertThat;

import dev.ratelimit.testsupport.TcpProxy;
import java.net.URL;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
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
 * Redis stopped (connections refused) or hung (requests swallowed) between Liberty and Redis: each policy
 * follows its failure mode, within a bounded time, and never answers 500.
 */
@ExtendWith(ArquillianExtension.class)
@RunAsClient
class RedisFailureIT {

    /**
     * The deployment's timeouts are the defaults, 500 ms; with Redis hung, a request waits for a pooled
     * connection and then a reply, or for a new connection's handshake and then a reply. This bound only
     * tells a bounded wait from a hang; RedisRateLimiterTest checks that the configured timeout is applied.
     */
    private static final Duration BOUNDED = Duration.ofSeconds(5);

    /** Two instances share each policy: a local bucket holds half of it. */
    @Deployment(testable = false)
    static WebArchive deployment() {
        return DemoDeployment.withProbes("ratelimiter-failure-it", Map.of("ratelimit.instances", "2"));
    }

    @ArquillianResource
    URL base;

    @AfterEach
    void restoreRedis() throws Exception {
        DemoDeployment.redisProxy().mode(TcpProxy.Mode.FORWARD);
    }

    @Test
    void withRedisStoppedAFailOpenPolicyLetsCallsThroughUndecided() throws Exception {
        DemoDeployment.redisProxy().mode(TcpProxy.Mode.REFUSE);

        for (int i = 0; i < 3; i++) {
            HttpResponse<String> response = Http.get(base, "api/probe/open", CLIENT_ID, "open-client");
            assertThat(response.statusCode()).isEqualTo(200);
            assertThat(response.body()).isEqualTo("ran");
            assertThat(response.headers().firstValue("RateLimit")).isEmpty();
        }
    }

    @Test
    void withRedisStoppedAFailClosedPolicyAnswers503() throws Exception {
        DemoDeployment.redisProxy().mode(TcpProxy.Mode.REFUSE);

        HttpResponse<String> response = Http.get(base, "api/probe/closed", CLIENT_ID, "closed-client");

        assertThat(response.statusCode()).isEqualTo(503);
        assertThat(response.headers().firstValue("Retry-After")).hasValue("1");
        assertThat(response.headers().firstValue("Cache-Control")).hasValue("no-store");
        assertThat(response.headers().firstValue("Content-Type")).hasValue("application/problem+json");
        assertThat(response.body()).contains("\"status\":503", "\"policy\":\"probe-closed\"");
    }

    @Test
    void aFailureModeSetOnlyAsAnEnvironmentVariableApplies() throws Exception {
        DemoDeployment.redisProxy().mode(TcpProxy.Mode.REFUSE);

        // RATELIMIT_POLICIES_SEARCH_FAILURE_MODE=closed in the server's environment; the YAML says nothing.
        HttpResponse<String> response = Http.get(base, "api/search?q=anvil", CLIENT_ID, "env-client");

        assertThat(response.statusCode()).isEqualTo(503);
        assertThat(response.body()).contains("\"policy\":\"search\"");
    }

    @Test
    void withRedisHungEachPolicyDecidesWithinTheCommandTimeout() throws Exception {
        DemoDeployment.redisProxy().mode(TcpProxy.Mode.HANG);

        for (int i = 0; i < 2; i++) {
            long started = System.nanoTime();
            HttpResponse<String> open = Http.get(base, "api/probe/open", CLIENT_ID, "hung-client");
            assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(BOUNDED);
            assertThat(open.statusCode()).isEqualTo(200);

            started = System.nanoTime();
            HttpResponse<String> closed = Http.get(base, "api/probe/closed", CLIENT_ID, "hung-client");
            assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(BOUNDED);
            assertThat(closed.statusCode()).isEqualTo(503);
        }
    }

    @Test
    void withRedisStoppedALocalPolicyLimitsWithThisInstancesShare() throws Exception {
        DemoDeployment.redisProxy().mode(TcpProxy.Mode.REFUSE);

        // Capacity 4 over 2 instances: 2 calls, then 429 until the local bucket refills.
        List<Integer> statuses = new ArrayList<>();
        HttpResponse<String> refused = null;
        for (int i = 0; i < 5; i++) {
            HttpResponse<String> response = Http.get(base, "api/probe/local", CLIENT_ID, "local-client");
            statuses.add(response.statusCode());
            if (response.statusCode() == 429) {
                refused = response;
            }
        }

        assertThat(statuses).containsExactly(200, 200, 429, 429, 429);
        assertThat(refused.headers().firstValue("Retry-After")).isPresent();
        assertThat(refused.body()).contains("\"policy\":\"probe-local\"");
        assertThat(Http.get(base, "api/probe/local", CLIENT_ID, "other-local-client")
                        .statusCode())
                .isEqualTo(200);
    }
}
