package dev.ratelimit.it;

import dev.ratelimit.testsupport.TcpProxy;
import org.jboss.arquillian.container.test.api.Deployment;
import org.jboss.arquillian.container.test.api.RunAsClient;
import org.jboss.arquillian.junit5.ArquillianExtension;
import org.jboss.arquillian.test.api.ArquillianResource;
import org.jboss.shrinkwrap.api.spec.WebArchive;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.net.URL;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static dev.ratelimit.it.Http.CLIENT_ID;
import static org.assertj.core.api.Assertions.assertThat;

/** The counters at /metrics, in Prometheus format, against the responses the test saw. */
@ExtendWith(ArquillianExtension.class)
@RunAsClient
class MetricsIT {

    private static final List<String> COUNTERS = List.of("ratelimit_requests_allowed_total",
            "ratelimit_requests_blocked_total", "ratelimit_requests_unidentified_total", "ratelimit_redis_errors_total",
            "ratelimit_failopen_events_total", "ratelimit_failclosed_rejections_total", "ratelimit_local_allowed_total",
            "ratelimit_local_blocked_total");
    private static final List<String> REASONS = List.of("timeout", "connection", "too_many_connections",
            "breaker_open", "pool_exhausted", "authentication", "no_permission", "out_of_memory", "wrong_type",
            "script_error", "error_reply");

    private static final Pattern SAMPLE =
            Pattern.compile("(?m)^(ratelimit_[a-z_]+_total)\\{mp_scope=\"application\",policy=\"([^\"]+)\",?} ([0-9.]+)$");

    @Deployment(testable = false)
    static WebArchive deployment() {
        return DemoDeployment.withProbes();
    }

    @ArquillianResource
    URL base;

    @Test
    void countersMatchTheResponsesSeenAndStartAtZero() throws Exception {
        String beforeText = Http.applicationMetrics(base);
        Map<String, Double> before = samples(beforeText);
        for (String policy : List.of("probe", "probe-open", "probe-closed", "catalog", "orders", "search")) {
            for (String counter : COUNTERS) {
                assertThat(before).as("registered at deployment").containsEntry(counter + "|" + policy, 0.0);
            }
        }
        for (String reason : REASONS) {
            assertThat(beforeText).containsPattern("(?m)^ratelimit_redis_failures_total\\{[^}]*reason=\"" + reason
                    + "\"[^}]*} 0");
        }
        assertThat(beforeText).containsPattern("(?m)^ratelimit_redis_breaker_state\\{[^}]*state=\"closed\"[^}]*} 1")
                .containsPattern("(?m)^ratelimit_redis_breaker_state\\{[^}]*state=\"open\"[^}]*} 0")
                .containsPattern("(?m)^ratelimit_redis_breaker_opened_total\\{[^}]*} 0");

        String client = "metrics-" + UUID.randomUUID();
        Map<Integer, Integer> probeStatuses = new HashMap<>();
        for (int i = 0; i < 5; i++) {
            probeStatuses.merge(Http.get(base, "api/probe/limited", CLIENT_ID, client).statusCode(), 1, Integer::sum);
        }
        probeStatuses.merge(Http.get(base, "api/probe/limited").statusCode(), 1, Integer::sum);
        Map<Integer, Integer> outageStatuses = new HashMap<>();
        DemoDeployment.redisProxy().mode(TcpProxy.Mode.REFUSE);
        try {
            for (int i = 0; i < 2; i++) {
                outageStatuses.merge(Http.get(base, "api/probe/open", CLIENT_ID, client).statusCode(), 1, Integer::sum);
            }
            outageStatuses.merge(Http.get(base, "api/probe/closed", CLIENT_ID, client).statusCode() + 1000, 1,
                    Integer::sum);
        } finally {
            DemoDeployment.redisProxy().mode(TcpProxy.Mode.FORWARD);
        }

        assertThat(probeStatuses).containsOnly(Map.entry(200, 3), Map.entry(429, 2), Map.entry(400, 1));
        assertThat(outageStatuses).containsOnly(Map.entry(200, 2), Map.entry(1503, 1));
        String scraped = Http.applicationMetrics(base);
        Map<String, Double> after = samples(scraped);
        assertThat(after.get("ratelimit_requests_allowed_total|probe")).isEqualTo(3.0);
        assertThat(after.get("ratelimit_requests_blocked_total|probe")).isEqualTo(2.0);
        assertThat(after.get("ratelimit_requests_unidentified_total|probe")).isEqualTo(1.0);
        assertThat(after.get("ratelimit_failopen_events_total|probe-open")).isEqualTo(2.0);
        assertThat(after.get("ratelimit_redis_errors_total|probe-open")).isEqualTo(2.0);
        assertThat(after.get("ratelimit_requests_allowed_total|probe-open")).isEqualTo(0.0);
        assertThat(after.get("ratelimit_failclosed_rejections_total|probe-closed")).isEqualTo(1.0);
        assertThat(after.get("ratelimit_redis_errors_total|probe-closed")).isEqualTo(1.0);
        assertThat(scraped).containsPattern("(?m)^ratelimit_redis_failures_total\\{[^}]*reason=\"connection\"[^}]*} 3");
        assertThat(scraped).as("client ids never become tags").doesNotContain(client);
    }

    private static Map<String, Double> samples(String prometheusText) {
        Map<String, Double> samples = new HashMap<>();
        Matcher matcher = SAMPLE.matcher(prometheusText);
        while (matcher.find()) {
            samples.put(matcher.group(1) + "|" + matcher.group(2), Double.parseDouble(matcher.group(3)));
        }
        return samples;
    }
}
