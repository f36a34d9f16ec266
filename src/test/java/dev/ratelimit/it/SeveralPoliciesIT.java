package dev.ratelimit.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.ratelimit.testsupport.RedisClusterProcess;
import java.net.URL;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.jboss.arquillian.container.test.api.Deployment;
import org.jboss.arquillian.container.test.api.RunAsClient;
import org.jboss.arquillian.junit5.ArquillianExtension;
import org.jboss.arquillian.test.api.ArquillianResource;
import org.jboss.shrinkwrap.api.spec.WebArchive;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * One method under a per-client policy (3 an hour) and an endpoint-wide one (10 an hour), called at once by many
 * clients: on one Redis, where both keys are decided by one script call, and on a 3-master cluster, where they lie in
 * different slots and are decided one after the other. Either way no client gets more than 3, the endpoint admits
 * exactly its 10, and each refusal names the policy that refused.
 */
@ExtendWith(ArquillianExtension.class)
@RunAsClient
class SeveralPoliciesIT {

    private static final String PATH = "api/several";
    private static final int CLIENTS = 8;
    private static final int CALLS_PER_CLIENT = 5;
    private static final int PER_CLIENT = 3;
    private static final int OVERALL = 10;

    @Deployment(testable = false)
    static WebArchive deployment() {
        return war("ratelimiter-several", Map.of());
    }

    private static WebArchive war(String name, Map<String, String> extraConfig) {
        Map<String, String> config = new HashMap<>(Map.of(
                "ratelimit.policies.probe-per-client.capacity", Integer.toString(PER_CLIENT),
                "ratelimit.policies.probe-per-client.refill-period", "1h",
                "ratelimit.policies.probe-overall.capacity", Integer.toString(OVERALL),
                "ratelimit.policies.probe-overall.refill-period", "1h",
                "ratelimit.policies.probe-overall.client-id", "none"));
        config.putAll(extraConfig);
        return DemoDeployment.withProbes(name, config, SeveralPoliciesProbeResource.class);
    }

    @ArquillianResource
    URL base;

    @Test
    void onOneRedisNeitherLimitIsExceeded() throws Exception {
        assertBothLimitsHold(base);
    }

    @Test
    void onAClusterWithTheKeysInDifferentSlotsNeitherLimitIsExceeded() throws Exception {
        assumeTrue(RedisClusterProcess.available(), () -> "skipped: " + RedisClusterProcess.unavailableReason());
        try (RedisClusterProcess cluster = RedisClusterProcess.start(3, 0, List.of())) {
            WebArchive onCluster = war(
                    "ratelimiter-several-cluster",
                    Map.of(
                            "ratelimit.redis.url",
                            cluster.seedUrl(),
                            "ratelimit.redis.key-prefix",
                            "it-several-" + UUID.randomUUID() + ":"));
            try (SecondLibertyServer server = SecondLibertyServer.start("it-several", onCluster, "api/status")) {
                assertBothLimitsHold(server.applicationUrl(onCluster));
            }
        }
    }

    private static void assertBothLimitsHold(URL base) throws Exception {
        ExecutorService callers = Executors.newFixedThreadPool(CLIENTS * 2);
        List<List<Future<HttpResponse<String>>>> byClient = new ArrayList<>();
        for (int client = 0; client < CLIENTS; client++) {
            String id = "several-" + client;
            List<Future<HttpResponse<String>>> calls = new ArrayList<>();
            for (int call = 0; call < CALLS_PER_CLIENT; call++) {
                calls.add(callers.submit(() -> Http.get(base, PATH, Http.CLIENT_ID, id)));
            }
            byClient.add(calls);
        }
        int admitted = 0;
        List<String> refusedBy = new ArrayList<>();
        HttpResponse<String> anAdmittedCall = null;
        for (List<Future<HttpResponse<String>>> calls : byClient) {
            int admittedOfClient = 0;
            for (Future<HttpResponse<String>> call : calls) {
                HttpResponse<String> response = call.get(60, TimeUnit.SECONDS);
                assertThat(response.statusCode()).as(response.body()).isIn(200, 429);
                if (response.statusCode() == 200) {
                    admittedOfClient++;
                    anAdmittedCall = response;
                } else {
                    refusedBy.add(response.body().contains("'probe-per-client'") ? "per-client" : "overall");
                    assertThat(response.body()).containsAnyOf("'probe-per-client'", "'probe-overall'");
                }
            }
            assertThat(admittedOfClient).as("one client's calls admitted").isLessThanOrEqualTo(PER_CLIENT);
            admitted += admittedOfClient;
        }
        callers.shutdown();

        System.out.println("SeveralPoliciesIT at " + base + ": " + admitted + " admitted, refused by " + refusedBy);
        assertThat(admitted).as("every call the endpoint admitted").isEqualTo(OVERALL);
        assertThat(refusedBy).contains("overall");
        assertThat(anAdmittedCall.headers().firstValue("RateLimit-Policy"))
                .get()
                .asString()
                .contains("\"probe-per-client\";q=3", "\"probe-overall\";q=10");
    }
}
