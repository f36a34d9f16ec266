package dev.ratelimit.it;

import dev.ratelimit.testsupport.TcpProxy;
import org.jboss.arquillian.container.test.api.Deployment;
import org.jboss.arquillian.container.test.api.RunAsClient;
import org.jboss.arquillian.junit5.ArquillianExtension;
import org.jboss.arquillian.test.api.ArquillianResource;
import org.jboss.shrinkwrap.api.spec.WebArchive;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.net.URL;
import java.net.http.HttpResponse;
import java.time.Duration;

import static dev.ratelimit.it.Http.CLIENT_ID;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Redis stopped (connections refused) or hung (requests swallowed) between Liberty and Redis: each policy
 * follows its failure mode, within a bounded time, and never answers 500.
 */
@ExtendWith(ArquillianExtension.class)
@RunAsClient
class RedisFailureIT {

    /**
     * The deployment's timeouts are 1 s; with Redis hung, a request waits for one command on a pooled
     * connection, or for a connect and the first command of a new one. This bound only tells a bounded wait
     * from a hang; RedisRateLimiterTest checks that the configured timeout is the one applied.
     */
    private static final Duration BOUNDED = Duration.ofSeconds(5);

    @Deployment(testable = false)
    static WebArchive deployment() {
        return DemoDeployment.withProbes();
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
    void onceRedisIsBackCallsAreDecidedAgain() throws Exception {
        DemoDeployment.redisProxy().mode(TcpProxy.Mode.REFUSE);
        assertThat(Http.get(base, "api/probe/closed", CLIENT_ID, "back-client").statusCode()).isEqualTo(503);

        DemoDeployment.redisProxy().mode(TcpProxy.Mode.FORWARD);

        // Pooled connections broken by the outage fail once each before fresh ones replace them.
        HttpResponse<String> response = null;
        for (int attempt = 0; attempt < 40; attempt++) {
            response = Http.get(base, "api/probe/closed", CLIENT_ID, "back-client");
            if (response.statusCode() == 200) {
                break;
            }
        }
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("RateLimit")).isPresent();
    }
}
