package dev.ratelimit.it;

import static dev.ratelimit.it.Http.CLIENT_ID;
import static org.assertj.core.api.Assertions.assertThat;

import java.net.URL;
import java.net.http.HttpResponse;
import java.util.UUID;
import org.jboss.arquillian.container.test.api.Deployment;
import org.jboss.arquillian.container.test.api.RunAsClient;
import org.jboss.arquillian.junit5.ArquillianExtension;
import org.jboss.arquillian.test.api.ArquillianResource;
import org.jboss.shrinkwrap.api.spec.WebArchive;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The demo WAR on a real Liberty, deciding with a real Redis. */
@ExtendWith(ArquillianExtension.class)
@RunAsClient
class RateLimitedEndpointsIT {

    @Deployment(testable = false)
    static WebArchive deployment() {
        return DemoDeployment.withProbes();
    }

    @ArquillianResource
    URL base;

    private static String newClient() {
        return "client-" + UUID.randomUUID();
    }

    @Test
    void callsOverTheLimitGet429WithRateLimitHeadersAndAProblemBody() {
        String client = newClient();
        for (int remaining = 2; remaining >= 0; remaining--) {
            HttpResponse<String> allowed = Http.get(base, "api/probe/limited", CLIENT_ID, client);
            assertThat(allowed.statusCode()).isEqualTo(200);
            assertThat(allowed.headers().firstValue("RateLimit-Policy")).hasValue("\"probe\";q=3;w=10800");
            assertThat(allowed.headers().firstValue("RateLimit"))
                    .get()
                    .asString()
                    .startsWith("\"probe\";r=" + remaining + ";t=");
        }

        HttpResponse<String> refused = Http.get(base, "api/probe/limited", CLIENT_ID, client);

        assertThat(refused.statusCode()).isEqualTo(429);
        assertThat(refused.headers().firstValue("Retry-After")).get().asString().matches("[1-9][0-9]*");
        assertThat(Long.parseLong(refused.headers().firstValue("Retry-After").orElseThrow()))
                .isBetween(3500L, 3600L);
        assertThat(refused.headers().firstValue("RateLimit-Policy")).hasValue("\"probe\";q=3;w=10800");
        assertThat(refused.headers().firstValue("RateLimit")).get().asString().matches("\"probe\";r=0;t=10[0-9]{3}");
        assertThat(refused.headers().firstValue("Content-Type")).hasValue("application/problem+json");
        assertThat(refused.headers().firstValue("Cache-Control")).hasValue("no-store");
        assertThat(refused.body())
                .contains(
                        "\"status\":429",
                        "\"title\":\"Too Many Requests\"",
                        "\"policy\":\"probe\"",
                        "\"retryAfter\":"
                                + refused.headers().firstValue("Retry-After").orElseThrow());
    }

    @Test
    void aRefusedCallDoesNotRunTheMethod() {
        String client = newClient();
        for (int i = 0; i < 3; i++) {
            assertThat(Http.get(base, "api/probe/limited", CLIENT_ID, client).statusCode())
                    .isEqualTo(200);
        }
        int runsBefore =
                Integer.parseInt(Http.get(base, "api/probe/limited/runs").body());

        assertThat(Http.get(base, "api/probe/limited", CLIENT_ID, client).statusCode())
                .isEqualTo(429);
        assertThat(Http.get(base, "api/probe/limited", CLIENT_ID, client).statusCode())
                .isEqualTo(429);

        assertThat(Integer.parseInt(Http.get(base, "api/probe/limited/runs").body()))
                .isEqualTo(runsBefore);
    }

    @Test
    void eachClientHasItsOwnBucket() {
        String alice = newClient();
        String bob = newClient();
        for (int i = 0; i < 3; i++) {
            Http.get(base, "api/probe/limited", CLIENT_ID, alice);
        }

        assertThat(Http.get(base, "api/probe/limited", CLIENT_ID, alice).statusCode())
                .isEqualTo(429);
        assertThat(Http.get(base, "api/probe/limited", CLIENT_ID, bob).statusCode())
                .isEqualTo(200);
    }

    @Test
    void eachEndpointGetsTheLimitsOfItsPolicyInTheYaml() {
        HttpResponse<String> catalog = Http.get(base, "api/catalog");

        assertThat(catalog.statusCode()).isEqualTo(200);
        // capacity 20, refilled 10 per second: full again 2 s after empty
        assertThat(catalog.headers().firstValue("RateLimit-Policy")).hasValue("\"catalog\";q=20;w=2");
        assertThat(catalog.headers().firstValue("RateLimit")).get().asString().startsWith("\"catalog\";r=");
    }

    @Test
    void environmentVariablesAndSystemPropertiesOverrideTheYaml() {
        String client = newClient();
        // In the server's environment only: RATELIMIT_POLICIES_SEARCH_CAPACITY=4 beats the YAML's 10, and the
        // method-level DEV_RATELIMIT_DEMO_SEARCHRESOURCE_SEARCH_RATELIMITED_COST=1 beats the YAML's cost 2.
        HttpResponse<String> firstSearch = Http.get(base, "api/search?q=anvil", CLIENT_ID, client);
        assertThat(firstSearch.headers().firstValue("RateLimit-Policy"))
                .hasValue("\"search\";q=4;w=4, \"search.hourly\";q=200;w=3600");
        assertThat(firstSearch.headers().firstValue("RateLimit"))
                .get()
                .asString()
                .startsWith("\"search\";r=3;");

        // -Dratelimit.policies.orders.capacity=2 on the server's JVM beats the YAML's 5.
        assertThat(Http.post(base, "api/orders", "anvil", CLIENT_ID, client).statusCode())
                .isEqualTo(201);
        HttpResponse<String> secondOrder = Http.post(base, "api/orders", "anvil", CLIENT_ID, client);
        assertThat(secondOrder.statusCode()).isEqualTo(201);
        assertThat(secondOrder.headers().firstValue("RateLimit-Policy")).hasValue("\"orders\";q=2;w=24");
        assertThat(Http.post(base, "api/orders", "anvil", CLIENT_ID, client).statusCode())
                .isEqualTo(429);
    }

    @Test
    void aMethodLevelConfigKeyOverridesTheAnnotationsInlineValue() {
        String client = newClient();
        String policy = "\"" + ProbeResource.class.getName() + "/inline\"";

        HttpResponse<String> first = Http.get(base, "api/probe/inline", CLIENT_ID, client);
        assertThat(first.headers().firstValue("RateLimit-Policy")).hasValue(policy + ";q=2;w=7200");
        assertThat(Http.get(base, "api/probe/inline", CLIENT_ID, client).statusCode())
                .isEqualTo(200);
        assertThat(Http.get(base, "api/probe/inline", CLIENT_ID, client).statusCode())
                .isEqualTo(429);
    }

    @Test
    void aClassLevelAnnotationGivesEachMethodItsOwnBucket() {
        String client = newClient();
        assertThat(Http.get(base, "api/probe-class/first", CLIENT_ID, client).statusCode())
                .isEqualTo(200);
        assertThat(Http.get(base, "api/probe-class/first", CLIENT_ID, client).statusCode())
                .isEqualTo(200);
        assertThat(Http.get(base, "api/probe-class/first", CLIENT_ID, client).statusCode())
                .isEqualTo(429);

        HttpResponse<String> second = Http.get(base, "api/probe-class/second", CLIENT_ID, client);
        assertThat(second.statusCode()).isEqualTo(200);
        assertThat(second.headers().firstValue("RateLimit-Policy"))
                .hasValue("\"" + ClassLimitedProbeResource.class.getName() + "/second\";q=2;w=7200");
    }

    @Test
    void resourcesInheritingOneMethodLimitItUnderTheirOwnClassLevelPolicies() {
        String client = newClient();
        HttpResponse<String> first = Http.get(base, "api/probe-inherit-first/items", CLIENT_ID, client);
        HttpResponse<String> second = Http.get(base, "api/probe-inherit-second/items", CLIENT_ID, client);

        assertThat(first.headers().firstValue("RateLimit-Policy"))
                .hasValue("\"" + FirstInheritingProbe.class.getName() + "/items\";q=1;w=3600");
        // SecondInheritingProbe/RateLimited/capacity=3 beats its inline capacity 2
        assertThat(second.headers().firstValue("RateLimit-Policy"))
                .hasValue("\"" + SecondInheritingProbe.class.getName() + "/items\";q=3;w=3600");
        assertThat(Http.get(base, "api/probe-inherit-first/items", CLIENT_ID, client)
                        .statusCode())
                .isEqualTo(429);
        assertThat(Http.get(base, "api/probe-inherit-second/items", CLIENT_ID, client)
                        .statusCode())
                .isEqualTo(200);
    }

    @Test
    void aShadowPolicyLetsEveryCallThroughWithoutHeadersAndCountsWhatItWouldHaveRefused() {
        String client = "shadow-" + UUID.randomUUID();
        double before = shadowBlocked(Http.applicationMetrics(base));

        for (int i = 0; i < 3; i++) {
            HttpResponse<String> response = Http.get(base, "api/probe/shadow", CLIENT_ID, client);
            assertThat(response.statusCode())
                    .as("call %d of a bucket of 1", i + 1)
                    .isEqualTo(200);
            assertThat(response.headers().map()).doesNotContainKeys("RateLimit", "RateLimit-Policy", "Retry-After");
        }

        assertThat(shadowBlocked(Http.applicationMetrics(base)) - before).isEqualTo(2.0);
    }

    @Test
    void aPolicyOfTwoBandsListsBothAndRefusesOnceTheSmallerIsEmpty() {
        String client = "bands-" + UUID.randomUUID();
        HttpResponse<String> first = Http.get(base, "api/probe/bands", CLIENT_ID, client);
        HttpResponse<String> second = Http.get(base, "api/probe/bands", CLIENT_ID, client);
        HttpResponse<String> third = Http.get(base, "api/probe/bands", CLIENT_ID, client);

        assertThat(first.headers().firstValue("RateLimit-Policy"))
                .hasValue("\"probe-bands\";q=3;w=1, \"probe-bands.hourly\";q=2;w=3600");
        assertThat(first.headers().firstValue("RateLimit")).hasValue("\"probe-bands.hourly\";r=1;t=1800");
        assertThat(second.headers().firstValue("RateLimit")).hasValue("\"probe-bands.hourly\";r=0;t=3600");
        assertThat(third.statusCode()).isEqualTo(429);
        assertThat(third.headers().firstValue("RateLimit")).hasValue("\"probe-bands.hourly\";r=0;t=3600");
        assertThat(Long.parseLong(third.headers().firstValue("Retry-After").orElseThrow()))
                .isBetween(1790L, 1800L);
    }

    private static double shadowBlocked(String prometheusText) {
        return prometheusText
                .lines()
                .filter(line -> line.startsWith("ratelimit_decisions_total{")
                        && line.contains("outcome=\"shadow_blocked\"")
                        && line.contains("policy=\"probe-shadow\""))
                .findFirst()
                .map(line -> Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1)))
                .orElseThrow(() -> new AssertionError("no shadow_blocked series of probe-shadow at /metrics"));
    }

    @Test
    void aPolicyInModeOffLetsEveryCallThroughUndecided() {
        for (int i = 0; i < 3; i++) {
            HttpResponse<String> response = Http.get(base, "api/probe/disabled");
            assertThat(response.statusCode()).isEqualTo(200);
            assertThat(response.headers().firstValue("RateLimit")).isEmpty();
        }
    }

    @Test
    void aRequestWithoutClientIdGets400WithTheReason() {
        int runsBefore =
                Integer.parseInt(Http.get(base, "api/probe/limited/runs").body());

        HttpResponse<String> response = Http.get(base, "api/probe/limited");

        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(response.headers().firstValue("Content-Type")).hasValue("application/problem+json");
        assertThat(response.body()).contains("\"status\":400", "X-Client-Id", "\"policy\":\"probe\"");
        assertThat(Integer.parseInt(Http.get(base, "api/probe/limited/runs").body()))
                .isEqualTo(runsBefore);
    }

    @Test
    void underTheAnonymousRuleCallersWithoutIdShareOneBucket() {
        assertThat(Http.get(base, "api/probe/anonymous").statusCode()).isEqualTo(200);
        assertThat(Http.get(base, "api/probe/anonymous").statusCode()).isEqualTo(200);
        assertThat(Http.get(base, "api/probe/anonymous").statusCode()).isEqualTo(429);
        assertThat(Http.get(base, "api/probe/anonymous", CLIENT_ID, newClient()).statusCode())
                .isEqualTo(200);
    }

    @Test
    void withoutTrustedProxiesXForwardedForCannotPickAnotherBucket() {
        // Every call here comes from 127.0.0.1: one bucket, whatever the header claims.
        assertThat(Http.get(base, "api/probe/by-address", "X-Forwarded-For", "203.0.113.1")
                        .statusCode())
                .isEqualTo(200);
        assertThat(Http.get(base, "api/probe/by-address", "X-Forwarded-For", "203.0.113.2")
                        .statusCode())
                .isEqualTo(429);
    }

    @Test
    void aBadRequestToTheDemoGets400WithTheReason() {
        HttpResponse<String> response = Http.get(base, "api/search", CLIENT_ID, newClient());

        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(response.body()).isEqualTo("the query parameter q is required");
    }

    @Test
    void anEndpointWithoutTheAnnotationIsNotLimited() {
        for (int i = 0; i < 30; i++) {
            HttpResponse<String> status = Http.get(base, "api/status");
            assertThat(status.statusCode()).isEqualTo(200);
            assertThat(status.headers().firstValue("RateLimit")).isEmpty();
        }
    }
}
