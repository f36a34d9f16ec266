package dev.ratelimit.it;

import static dev.ratelimit.it.Http.CLIENT_ID;
import static org.assertj.core.api.Assertions.assertThat;

import dev.ratelimit.testsupport.TcpProxy;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URL;
import java.net.http.HttpResponse;
import java.util.Map;
import org.jboss.arquillian.container.test.api.Deployment;
import org.jboss.arquillian.container.test.api.RunAsClient;
import org.jboss.arquillian.junit5.ArquillianExtension;
import org.jboss.arquillian.test.api.ArquillianResource;
import org.jboss.shrinkwrap.api.spec.WebArchive;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The application starts while Redis is down: it deploys (the limiter opens no connection at start), answers
 * by the failure modes, and decides exactly as soon as Redis comes up, with no restart.
 */
@ExtendWith(ArquillianExtension.class)
@RunAsClient
class RedisDownAtDeploymentIT {

    @Deployment(testable = false)
    static WebArchive deployment() {
        try {
            DemoDeployment.redisProxy().mode(TcpProxy.Mode.REFUSE);
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
        assertThat(Http.get(base, "api/probe/open", CLIENT_ID, "early").statusCode())
                .isEqualTo(200);
        assertThat(Http.get(base, "api/probe/closed", CLIENT_ID, "early").statusCode())
                .isEqualTo(503);

        DemoDeployment.redisProxy().mode(TcpProxy.Mode.FORWARD);

        HttpResponse<String> decided = Http.get(base, "api/probe/limited", CLIENT_ID, "early");
        assertThat(decided.statusCode()).isEqualTo(200);
        assertThat(decided.headers().firstValue("RateLimit")).get().asString().matches("\"probe\";r=2;t=[0-9]+");
    }
}
