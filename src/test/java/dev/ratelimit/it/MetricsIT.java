package dev.ratelimit.it;

import static dev.ratelimit.it.Http.CLIENT_ID;
import static org.assertj.core.api.Assertions.assertThat;

import dev.ratelimit.testsupport.MetricLabels;
import dev.ratelimit.testsupport.TcpProxy;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.jboss.arquillian.container.test.api.Deployment;
import org.jboss.arquillian.container.test.api.RunAsClient;
import org.jboss.arquillian.junit5.ArquillianExtension;
import org.jboss.arquillian.test.api.ArquillianResource;
import org.jboss.shrinkwrap.api.spec.WebArchive;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The metrics at /metrics, in Prometheus format, against the responses the test saw. */
@ExtendWith(ArquillianExtension.class)
@RunAsClient
class MetricsIT {

    /** A sample of a tagged series: its name, its tags as written, and its value. */
    private static final Pattern SAMPLE = Pattern.compile("(?m)^(ratelimit_[a-z_]+)\\{([^}]*)} ([0-9.eE+-]+)$");

    private static final Pattern TAG = Pattern.compile("([a-z_]+)=\"([^\"]*)\"");

    /** A metric family of the Prometheus text: {@code # TYPE ratelimit_... counter}. */
    private static final Pattern TYPE = Pattern.compile("(?m)^# TYPE (ratelimit_[a-z_]+) ");

    /** A row of the operations guide's table of series: {@code | `ratelimit_...` | tags | meaning |}. */
    private static final Pattern GUIDE_ROW = Pattern.compile("(?m)^\\| `(ratelimit_[a-z_]+)` \\|");

    /** The probes, one of their policies with a tier: a deployment that registers every series the guide lists. */
    @Deployment(testable = false)
    static WebArchive deployment() {
        return DemoDeployment.withProbes(
                "ratelimiter-metrics",
                Map.of(
                        "ratelimit.policies.probe-bands.tier", "header:X-Plan",
                        "ratelimit.policies.probe-bands.tiers.premium.capacity", "6"));
    }

    @ArquillianResource
    URL base;

    @Test
    void decisionsByPolicyAndOutcomeTheirTimingsAndRedisFailuresMatchTheResponsesSeenAndStartAtZero() throws Exception {
        String beforeText = Http.applicationMetrics(base);
        Map<String, Double> before = samples(beforeText);
        for (String policy :
                List.of("probe", "probe-open", "probe-closed", "probe-shadow", "catalog", "orders", "search")) {
            for (String outcome : MetricLabels.OUTCOMES) {
                assertThat(before)
                        .as("registered at deployment")
                        .containsEntry("ratelimit_decisions_total|outcome=" + outcome + ",policy=" + policy, 0.0);
            }
            assertThat(before).containsEntry("ratelimit_decision_duration_seconds_count|policy=" + policy, 0.0);
        }
        for (String reason : MetricLabels.REASONS) {
            assertThat(before).containsEntry("ratelimit_redis_failures_total|reason=" + reason, 0.0);
        }
        assertThat(before)
                .containsEntry("ratelimit_redis_breaker_state|state=closed", 1.0)
                .containsEntry("ratelimit_redis_breaker_state|state=open", 0.0)
                .containsEntry("ratelimit_redis_breaker_opened_total|", 0.0)
                .containsEntry("ratelimit_redis_shield_answers_total|policy=probe", 0.0);

        String client = "metrics-" + UUID.randomUUID();
        Map<Integer, Integer> probeStatuses = new HashMap<>();
        for (int i = 0; i < 5; i++) {
            probeStatuses.merge(
                    Http.get(base, "api/probe/limited", CLIENT_ID, client).statusCode(), 1, Integer::sum);
        }
        probeStatuses.merge(Http.get(base, "api/probe/limited").statusCode(), 1, Integer::sum);
        Map<Integer, Integer> outageStatuses = new HashMap<>();
        DemoDeployment.redisProxy().mode(TcpProxy.Mode.REFUSE);
        try {
            for (int i = 0; i < 2; i++) {
                outageStatuses.merge(
                        Http.get(base, "api/probe/open", CLIENT_ID, client).statusCode(), 1, Integer::sum);
            }
            outageStatuses.merge(
                    Http.get(base, "api/probe/closed", CLIENT_ID, client).statusCode() + 1000, 1, Integer::sum);
        } finally {
            DemoDeployment.redisProxy().mode(TcpProxy.Mode.FORWARD);
        }

        assertThat(probeStatuses).containsOnly(Map.entry(200, 3), Map.entry(429, 2), Map.entry(400, 1));
        assertThat(outageStatuses).containsOnly(Map.entry(200, 2), Map.entry(1503, 1));
        String scraped = Http.applicationMetrics(base);
        Map<String, Double> after = samples(scraped);
        assertThat(after)
                .containsEntry("ratelimit_decisions_total|outcome=allowed,policy=probe", 3.0)
                .containsEntry("ratelimit_decisions_total|outcome=blocked,policy=probe", 2.0)
                .containsEntry("ratelimit_decisions_total|outcome=unidentified,policy=probe", 1.0)
                .containsEntry("ratelimit_decisions_total|outcome=fail_open,policy=probe-open", 2.0)
                .containsEntry("ratelimit_decisions_total|outcome=allowed,policy=probe-open", 0.0)
                .containsEntry("ratelimit_decisions_total|outcome=fail_closed,policy=probe-closed", 1.0)
                .containsEntry("ratelimit_redis_failures_total|reason=connection", 3.0)
                // Redis refused the first 429's bucket; the shield answered the second without asking it
                .containsEntry("ratelimit_redis_shield_answers_total|policy=probe", 1.0)
                // Every call a bucket or a failure mode decided is timed; the one without a client id was not.
                .containsEntry("ratelimit_decision_duration_seconds_count|policy=probe", 5.0)
                .containsEntry("ratelimit_decision_duration_seconds_count|policy=probe-open", 2.0);
        assertThat(after.get("ratelimit_decision_duration_seconds_sum|policy=probe"))
                .isPositive();
        assertThat(after)
                .as("p99 as a summary, and histogram buckets that PromQL can add up across instances")
                .containsKey("ratelimit_decision_duration_seconds|policy=probe,quantile=0.99")
                .containsKey("ratelimit_decision_duration_seconds_bucket|le=0.001,policy=probe")
                .containsKey("ratelimit_decision_duration_seconds_bucket|le=2.0,policy=probe")
                .containsEntry("ratelimit_decision_duration_seconds_bucket|le=+Inf,policy=probe", 5.0);
        assertThat(after.get("ratelimit_redis_pipeline_calls_count|")
                        - before.get("ratelimit_redis_pipeline_calls_count|"))
                .as("the 3 calls Redis decided and the refusal Redis made went in pipelines")
                .isGreaterThanOrEqualTo(4.0);
        assertThat(scraped).as("client ids never become tags").doesNotContain(client);
    }

    /** Each sample as {@code name|tag=value,...}, tags sorted by name and mp_scope left out, to its value. */
    private static Map<String, Double> samples(String prometheusText) {
        Map<String, Double> samples = new HashMap<>();
        Matcher sample = SAMPLE.matcher(prometheusText);
        while (sample.find()) {
            Map<String, String> tags = new TreeMap<>();
            Matcher tag = TAG.matcher(sample.group(2));
            while (tag.find()) {
                tags.put(tag.group(1), tag.group(2));
            }
            tags.remove("mp_scope");
            String id = tags.entrySet().stream()
                    .map(entry -> entry.getKey() + "=" + entry.getValue())
                    .collect(Collectors.joining(","));
            samples.put(sample.group(1) + "|" + id, Double.parseDouble(sample.group(3)));
        }
        return samples;
    }

    /**
     * The series the operations guide lists are the ones the application registers, no more and no fewer: a metric
     * added, renamed or removed fails here until the guide says so.
     */
    @Test
    void theOperationsGuideListsEverySeriesTheApplicationRegisters() throws Exception {
        Set<String> registered = new TreeSet<>();
        Matcher type = TYPE.matcher(Http.applicationMetrics(base));
        while (type.find()) {
            registered.add(type.group(1));
        }
        // A timer's or histogram's _max is part of its family, as the guide describes it
        registered.removeIf(name -> name.endsWith("_max") && registered.contains(name.substring(0, name.length() - 4)));
        Set<String> documented = new TreeSet<>();
        Matcher row = GUIDE_ROW.matcher(Files.readString(Path.of("docs/operations.md")));
        while (row.find()) {
            documented.add(row.group(1));
        }

        assertThat(registered).as("series at /metrics").isNotEmpty().isEqualTo(documented);
    }
}
