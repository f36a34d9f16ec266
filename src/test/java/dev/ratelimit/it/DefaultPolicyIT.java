package dev.ratelimit.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URL;
import java.net.http.HttpResponse;
import java.util.Map;
import org.jboss.arquillian.container.test.api.Deployment;
import org.jboss.arquillian.container.test.api.RunAsClient;
import org.jboss.arquillian.junit5.ArquillianExtension;
import org.jboss.arquillian.test.api.ArquillianResource;
import org.jboss.shrinkwrap.api.spec.WebArchive;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * {@code ratelimit.default-policy} on a deployment whose resource methods
 * are mostly not annotated: a method without {@code @RateLimited} gets the default policy's limit, an opted-out one
 * runs unlimited, and a resource class without a scope is covered as well.
 */
@ExtendWith(ArquillianExtension.class)
@RunAsClient
class DefaultPolicyIT {

    private static final int CAPACITY = 2;

    @Deployment(testable = false)
    static WebArchive deployment() {
        return DemoDeployment.withProbes(
                "ratelimiter-default-policy",
                Map.of(
                        "ratelimit.default-policy", "probe-default",
                        "ratelimit.policies.probe-default.capacity", Integer.toString(CAPACITY),
                        "ratelimit.policies.probe-default.refill-period", "1h"),
                DefaultPolicyProbeResource.class,
                UnscopedProbeResource.class);
    }

    @ArquillianResource
    URL base;

    @Test
    void aMethodWithoutAnnotationHasTheDefaultPolicy() {
        for (int call = 0; call < CAPACITY; call++) {
            HttpResponse<String> admitted = Http.get(base, "api/default-policy/covered", Http.CLIENT_ID, "covered");
            assertThat(admitted.statusCode()).as(admitted.body()).isEqualTo(200);
            assertThat(admitted.headers().firstValue("RateLimit-Policy"))
                    .get()
                    .asString()
                    .startsWith("\"probe-default\";q=" + CAPACITY);
        }

        HttpResponse<String> refused = Http.get(base, "api/default-policy/covered", Http.CLIENT_ID, "covered");

        assertThat(refused.statusCode()).isEqualTo(429);
        assertThat(refused.body()).contains("'probe-default'");
    }

    @Test
    void anOptedOutMethodRunsUnlimited() {
        for (int call = 0; call < CAPACITY + 3; call++) {
            HttpResponse<String> response = Http.get(base, "api/default-policy/opted-out", Http.CLIENT_ID, "opted-out");
            assertThat(response.statusCode()).isEqualTo(200);
            assertThat(response.headers().firstValue("RateLimit-Policy")).isEmpty();
        }
    }

    /**
     * Open Liberty makes every root resource class a CDI bean, scope or not: the default policy covers it, and the
     * startup check names no method as out of the interceptor's reach.
     */
    @Test
    void aResourceWithoutScopeIsCoveredToo() throws Exception {
        for (int call = 0; call < CAPACITY; call++) {
            assertThat(Http.get(base, "api/unscoped", Http.CLIENT_ID, "unscoped")
                            .statusCode())
                    .isEqualTo(200);
        }

        assertThat(Http.get(base, "api/unscoped", Http.CLIENT_ID, "unscoped").statusCode())
                .isEqualTo(429);
        assertThat(ServerLog.fromStart().sinceMark())
                .contains("probe-default 4 (the default policy, given to 4)")
                .doesNotContain(UnscopedProbeResource.class.getName() + "#unscoped is not rate limited");
    }
}
