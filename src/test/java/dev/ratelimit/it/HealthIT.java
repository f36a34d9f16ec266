package dev.ratelimit.it;

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
 * MicroProfile Health in the real server: {@code /health/ready} follows Redis, {@code /health/live} stays UP
 * through a Redis outage, and the readiness probes count in neither the breaker nor the metrics. A deployment
 * of its own, so that its metrics hold no other test's failures.
 */
@ExtendWith(ArquillianExtension.class)
@RunAsClient
class HealthIT {

    /**
     * A PING waits as a decision does, with the default 500 ms timeouts; this bound only tells a bounded
     * wait from a hang.
     */
    private static final Duration BOUNDED = Duration.ofSeconds(5);

    private static final String UP = "\"status\"\\s*:\\s*\"UP\"";
    private static final String DOWN = "\"status\"\\s*:\\s*\"DOWN\"";

    @Deployment(testable = false)
    static WebArchive deployment() {
        return DemoDeployment.withProbes("ratelimiter-health-it", Map.of());
    }

    @ArquillianResource
    URL base;

    @AfterEach
    void restoreRedis() throws Exception {
        DemoDeployment.redisProxy().mode(TcpProxy.Mode.FORWARD);
    }

    @Test
    void readinessFollowsRedisWhileLivenessStaysUp() throws Exception {
        String node = "127.0.0.1:" + DemoDeployment.redisProxy().port();
        HttpResponse<String> ready = timedGet("/health/ready");
        assertThat(ready.statusCode()).as(ready.body()).isEqualTo(200);
        assertThat(ready.body())
                .containsPattern(UP)
                .doesNotContainPattern(DOWN)
                .containsPattern("\"name\"\\s*:\\s*\"ratelimit-redis\"")
                .containsPattern("\"topology\"\\s*:\\s*\"standalone\"")
                .containsPattern("\"" + node + "\\.reachable\"\\s*:\\s*true")
                .containsPattern("\"" + node + "\\.breaker\"\\s*:\\s*\"closed\"");
        assertLive();

        for (TcpProxy.Mode outage : new TcpProxy.Mode[] {TcpProxy.Mode.REFUSE, TcpProxy.Mode.HANG}) {
            DemoDeployment.redisProxy().mode(outage);
            for (int i = 0; i < 3; i++) {
                HttpResponse<String> down = timedGet("/health/ready");
                assertThat(down.statusCode()).as(outage + ": " + down.body()).isEqualTo(503);
                assertThat(down.body())
                        .containsPattern(DOWN)
                        .doesNotContainPattern(UP)
                        .contains("ratelimit-redis")
                        .containsPattern("\"" + node + "\\.reachable\"\\s*:\\s*false")
                        .containsPattern("\"" + node + "\\.failure\"\\s*:\\s*\""
                                + (outage == TcpProxy.Mode.REFUSE ? "connection" : "timeout") + "\"");
                assertLive();
            }
        }
        assertThat(Http.applicationMetrics(base))
                .as("no probe counts as a decision nor in the breaker")
                .doesNotContainPattern("(?m)^ratelimit_redis_failures_total\\{[^}]*} [1-9]")
                .containsPattern("(?m)^ratelimit_redis_breaker_opened_total\\{[^}]*} 0")
                .containsPattern("(?m)^ratelimit_redis_breaker_state\\{[^}]*state=\"closed\"[^}]*} 1");

        DemoDeployment.redisProxy().mode(TcpProxy.Mode.FORWARD);

        HttpResponse<String> back = timedGet("/health/ready");
        assertThat(back.statusCode()).as(back.body()).isEqualTo(200);
        assertThat(back.body()).containsPattern(UP).doesNotContainPattern(DOWN);
    }

    private void assertLive() {
        HttpResponse<String> live = timedGet("/health/live");
        assertThat(live.statusCode()).as(live.body()).isEqualTo(200);
        assertThat(live.body())
                .containsPattern(UP)
                .doesNotContainPattern(DOWN)
                .containsPattern("\"name\"\\s*:\\s*\"ratelimit\"");
    }

    private HttpResponse<String> timedGet(String path) {
        long started = System.nanoTime();
        HttpResponse<String> response = Http.get(base, path);
        assertThat(Duration.ofNanos(System.nanoTime() - started)).as(path).isLessThan(BOUNDED);
        return response;
    }
}
