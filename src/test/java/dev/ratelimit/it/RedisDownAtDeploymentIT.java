package dev.ratelimit.it;

import static dev.ratelimit.it.Http.CLIENT_ID;
import static org.assertj.core.api.Assertions.assertThat;

import dev.ratelimit.testsupport.TcpProxy;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URL;
import java.net.http.HttpResponse;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.jboss.arquillian.container.test.api.Deployment;
import org.jboss.arquillian.container.test.api.RunAsClient;
import org.jboss.arquillian.junit5.ArquillianExtension;
import org.jboss.arquillian.test.api.ArquillianResource;
import org.jboss.shrinkwrap.api.spec.WebArchive;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The application starts while Redis is down: it deploys, says so once at WARNING, answers by the failure modes with
 * outages logged without stack traces, and decides exactly as soon as Redis comes up, with no restart; the failures
 * from before never open the breaker.
 */
@ExtendWith(ArquillianExtension.class)
@RunAsClient
class RedisDownAtDeploymentIT {

    /** What the server logged from just before this deployment on. */
    private static ServerLog sinceDeployment;

    @Deployment(testable = false)
    static WebArchive deployment() {
        try {
            DemoDeployment.redisProxy().mode(TcpProxy.Mode.REFUSE);
            sinceDeployment = ServerLog.mark();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return DemoDeployment.withProbes("ratelimiter-redis-down", Map.of());
    }

    @ArquillianResource
    URL base;

    @AfterAll
    static void restoreRedis() throws IOException {
        DemoDeployment.redisProxy().mode(TcpProxy.Mode.FORWARD);
    }

    @Test
    void deployedWhileRedisIsDownItFollowsTheFailureModesThenDecidesOnceRedisIsUp() throws Exception {
        String redis = "127.0.0.1:" + DemoDeployment.redisProxy().port();
        assertThat(awaitLogged("Redis cannot be reached at startup: " + redis + " (connection)"))
                .as("said once, at startup, before any request")
                .contains(" W ");
        for (int call = 0; call < 3; call++) {
            assertThat(Http.get(base, "api/probe/open", CLIENT_ID, "early").statusCode())
                    .isEqualTo(200);
            assertThat(Http.get(base, "api/probe/closed", CLIENT_ID, "early").statusCode())
                    .isEqualTo(503);
        }

        DemoDeployment.redisProxy().mode(TcpProxy.Mode.FORWARD);

        HttpResponse<String> decided = Http.get(base, "api/probe/limited", CLIENT_ID, "early");
        assertThat(decided.statusCode()).isEqualTo(200);
        assertThat(decided.headers().firstValue("RateLimit")).get().asString().matches("\"probe\";r=2;t=[0-9]+");
        for (int call = 0; call < 20; call++) {
            assertThat(Http.get(base, "api/probe/open", CLIENT_ID, "later-" + call)
                            .headers()
                            .firstValue("RateLimit"))
                    .as("call %d once Redis answers is decided", call)
                    .isPresent();
        }
        String log = sinceDeployment.sinceMark();
        assertThat(log)
                .as("the outage's reports, without a stack trace")
                .contains("Redis could not decide for policy 'probe-open' (connection)")
                .doesNotContain("\tat ", "-> OPEN");
        assertThat(Http.applicationMetrics(base))
                .containsPattern("(?m)^ratelimit_redis_breaker_opened_total\\{[^}]*} 0");
    }

    /** The first line of the log since the deployment holding the text, waiting for it a few seconds. */
    private static String awaitLogged(String text) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() - deadline < 0) {
            Optional<String> line = sinceDeployment
                    .sinceMark()
                    .lines()
                    .filter(logged -> logged.contains(text))
                    .findFirst();
            if (line.isPresent()) {
                return line.get();
            }
            TimeUnit.MILLISECONDS.sleep(100);
        }
        throw new AssertionError("not logged within 10 s: " + text);
    }
}
