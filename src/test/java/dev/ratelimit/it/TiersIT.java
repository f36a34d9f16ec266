package dev.ratelimit.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URL;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jboss.arquillian.container.test.api.Deployment;
import org.jboss.arquillian.container.test.api.RunAsClient;
import org.jboss.arquillian.junit5.ArquillianExtension;
import org.jboss.arquillian.test.api.ArquillianResource;
import org.jboss.shrinkwrap.api.spec.WebArchive;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Tiers and exemptions on Liberty: a tier read from a header, from the caller's roles (an application's Jakarta
 * Security login) and from the application's {@code TierResolver}; an unlimited tier; an exempt network; and a
 * client whose tier changes mid-stream, keeping its bucket.
 */
@ExtendWith(ArquillianExtension.class)
@RunAsClient
class TiersIT {

    private static final String PLAN = "X-Plan";
    private static final String DECISIONS = "ratelimit_decisions_total";
    private static final String TIER_DECISIONS = "ratelimit_tier_decisions_total";

    @Deployment(testable = false)
    static WebArchive deployment() {
        return DemoDeployment.withProbes(
                "ratelimiter-tiers",
                Map.ofEntries(
                        Map.entry("ratelimit.policies.probe-plan.capacity", "2"),
                        Map.entry("ratelimit.policies.probe-plan.refill-period", "1h"),
                        Map.entry("ratelimit.policies.probe-plan.tier", "header:" + PLAN),
                        Map.entry("ratelimit.policies.probe-plan.tiers.premium.capacity", "4"),
                        Map.entry("ratelimit.policies.probe-plan.tiers.internal.unlimited", "true"),
                        Map.entry("ratelimit.policies.probe-role.capacity", "1"),
                        Map.entry("ratelimit.policies.probe-role.refill-period", "1h"),
                        Map.entry("ratelimit.policies.probe-role.tier", "role"),
                        Map.entry("ratelimit.policies.probe-role.tiers.gold.capacity", "3"),
                        Map.entry("ratelimit.policies.probe-role.tiers.silver.capacity", "2"),
                        Map.entry("ratelimit.policies.probe-account.capacity", "1"),
                        Map.entry("ratelimit.policies.probe-account.refill-period", "1h"),
                        Map.entry("ratelimit.policies.probe-account.tier", "resolver"),
                        Map.entry("ratelimit.policies.probe-account.tiers.gold.capacity", "3"),
                        Map.entry("ratelimit.policies.probe-trusted.capacity", "1"),
                        Map.entry("ratelimit.policies.probe-trusted.refill-period", "1h"),
                        Map.entry("ratelimit.policies.probe-trusted.exempt-networks", "127.0.0.0/8, ::1")),
                TierProbeResource.class,
                OptionalBasicLogin.class,
                TierUsers.class,
                AccountTiers.class);
    }

    @ArquillianResource
    URL base;

    /** The statuses of {@code calls} calls, with these headers. */
    private List<Integer> statuses(String path, int calls, String... headers) {
        List<Integer> statuses = new ArrayList<>();
        for (int call = 0; call < calls; call++) {
            statuses.add(Http.get(base, path, headers).statusCode());
        }
        return statuses;
    }

    private static String client() {
        return "client-" + UUID.randomUUID();
    }

    private static String login(String user) {
        return "Basic " + Base64.getEncoder().encodeToString((user + ":" + user).getBytes(StandardCharsets.UTF_8));
    }

    /** A series of the probe-plan policy, as scraped now: the tests share the policy, so each reads a difference. */
    private double planSeries(String series, String outcome, String tier) {
        Matcher value = Pattern.compile("(?m)^" + series + "\\{[^}]*outcome=\"" + outcome
                        + "\",policy=\"probe-plan\"" + (tier.isEmpty() ? "" : ",tier=\"" + tier + "\"")
                        + "[^}]*} ([0-9.]+)$")
                .matcher(Http.applicationMetrics(base));
        assertThat(value.find())
                .as("%s{outcome=%s,tier=%s} is scraped", series, outcome, tier)
                .isTrue();
        return Double.parseDouble(value.group(1));
    }

    @Test
    void aTierNamedByAHeaderGetsItsOwnLimitsAndAnyOtherThePolicys() {
        double premiumAllowed = planSeries(TIER_DECISIONS, "allowed", "premium");
        double premiumBlocked = planSeries(TIER_DECISIONS, "blocked", "premium");
        String premium = client();
        HttpResponse<String> first = Http.get(base, "api/tiers/by-plan", Http.CLIENT_ID, premium, PLAN, "premium");
        assertThat(first.headers().firstValue("RateLimit-Policy"))
                .get()
                .asString()
                .startsWith("\"probe-plan\";q=4");
        assertThat(statuses("api/tiers/by-plan", 4, Http.CLIENT_ID, premium, PLAN, "Premium"))
                .containsExactly(200, 200, 200, 429);
        assertThat(statuses("api/tiers/by-plan", 3, Http.CLIENT_ID, client(), PLAN, "platinum"))
                .as("a tier the policy does not have")
                .containsExactly(200, 200, 429);
        HttpResponse<String> withoutPlan = Http.get(base, "api/tiers/by-plan", Http.CLIENT_ID, client());
        assertThat(withoutPlan.headers().firstValue("RateLimit-Policy"))
                .get()
                .asString()
                .startsWith("\"probe-plan\";q=2");

        assertThat(planSeries(TIER_DECISIONS, "allowed", "premium") - premiumAllowed)
                .isEqualTo(4.0);
        assertThat(planSeries(TIER_DECISIONS, "blocked", "premium") - premiumBlocked)
                .isEqualTo(1.0);
    }

    @Test
    void aClientWhoseTierChangesMidStreamKeepsItsBucket() {
        String client = client();
        assertThat(statuses("api/tiers/by-plan", 3, Http.CLIENT_ID, client, PLAN, "premium"))
                .containsExactly(200, 200, 200);

        assertThat(statuses("api/tiers/by-plan", 2, Http.CLIENT_ID, client))
                .as("the one token left of the premium 4, not a fresh bucket of 2")
                .containsExactly(200, 429);
    }

    @Test
    void anUnlimitedTierRunsEveryCallUndecided() {
        double exempt = planSeries(DECISIONS, "exempt", "");
        double exemptByTier = planSeries(TIER_DECISIONS, "exempt", "internal");
        for (int call = 0; call < 6; call++) {
            HttpResponse<String> response =
                    Http.get(base, "api/tiers/by-plan", Http.CLIENT_ID, "monitoring", PLAN, "internal");
            assertThat(response.statusCode()).isEqualTo(200);
            assertThat(response.headers().firstValue("RateLimit-Policy")).isEmpty();
        }

        assertThat(planSeries(DECISIONS, "exempt", "") - exempt).isEqualTo(6.0);
        assertThat(planSeries(TIER_DECISIONS, "exempt", "internal") - exemptByTier)
                .isEqualTo(6.0);
    }

    @Test
    void theCallersRolesPlaceItInTheMostGenerousTierItIsIn() {
        assertThat(statuses(
                        "api/tiers/by-role",
                        4,
                        Http.CLIENT_ID,
                        client(),
                        "Authorization",
                        login(TierUsers.GOLD_AND_SILVER)))
                .containsExactly(200, 200, 200, 429);
        assertThat(statuses("api/tiers/by-role", 3, Http.CLIENT_ID, client(), "Authorization", login(TierUsers.SILVER)))
                .containsExactly(200, 200, 429);
        assertThat(statuses(
                        "api/tiers/by-role", 2, Http.CLIENT_ID, client(), "Authorization", login(TierUsers.NO_ROLE)))
                .containsExactly(200, 429);
        assertThat(statuses("api/tiers/by-role", 2, Http.CLIENT_ID, client()))
                .as("anonymous")
                .containsExactly(200, 429);
    }

    @Test
    void theApplicationsTierResolverPlacesTheCaller() {
        assertThat(statuses("api/tiers/by-account", 4, Http.CLIENT_ID, "gold-" + UUID.randomUUID()))
                .containsExactly(200, 200, 200, 429);
        assertThat(statuses("api/tiers/by-account", 2, Http.CLIENT_ID, client()))
                .containsExactly(200, 429);
    }

    @Test
    void aCallerInAnExemptNetworkIsNeverLimitedAndNeedsNoClientId() {
        for (int call = 0; call < 4; call++) {
            HttpResponse<String> response = Http.get(base, "api/tiers/trusted");
            assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
            assertThat(response.headers().firstValue("RateLimit-Policy")).isEmpty();
        }
    }
}
