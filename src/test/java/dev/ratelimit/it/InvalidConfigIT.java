package dev.ratelimit.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.jboss.arquillian.container.test.api.Deployer;
import org.jboss.arquillian.container.test.api.Deployment;
import org.jboss.arquillian.container.test.api.RunAsClient;
import org.jboss.arquillian.junit5.ArquillianExtension;
import org.jboss.arquillian.test.api.ArquillianResource;
import org.jboss.shrinkwrap.api.asset.StringAsset;
import org.jboss.shrinkwrap.api.spec.WebArchive;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Configuration that cannot work stops the deployment, with a message naming the key and the method. */
@ExtendWith(ArquillianExtension.class)
@RunAsClient
class InvalidConfigIT {

    private static final String ZERO_COST = "zero-cost";
    private static final String SHARED_POLICY_SPLIT = "shared-policy-split";

    @Deployment(name = ZERO_COST, managed = false, testable = false)
    static WebArchive deploymentWithZeroCost() {
        return DemoDeployment.withProbes(ZERO_COST, Map.of("ratelimit.policies.orders.cost", "0"));
    }

    @Deployment(name = SHARED_POLICY_SPLIT, managed = false, testable = false)
    static WebArchive deploymentGivingASharedPolicyTwoCapacities() {
        return DemoDeployment.withProbes(
                SHARED_POLICY_SPLIT, Map.of(ProbeResource.class.getName() + "/limitedAgain/RateLimited/capacity", "7"));
    }

    private static final String MISSPELT_KEY = "misspelt-key";
    private static final String TWO_RESOLVERS = "two-resolvers";

    @Deployment(name = MISSPELT_KEY, managed = false, testable = false)
    static WebArchive deploymentWithAMisspeltKey() {
        return DemoDeployment.withProbes(MISSPELT_KEY, Map.of("ratelimit.policies.orders.refil-tokens", "3"));
    }

    @Deployment(name = TWO_RESOLVERS, managed = false, testable = false)
    static WebArchive deploymentWithTwoClientIdResolvers() {
        return DemoDeployment.withProbes(
                TWO_RESOLVERS, Map.of(), TenantClientIdResolver.class, OtherClientIdResolver.class);
    }

    private static final String NO_TIER_RESOLVER = "no-tier-resolver";

    @Deployment(name = NO_TIER_RESOLVER, managed = false, testable = false)
    static WebArchive deploymentReadingTiersFromAResolverItLacks() {
        return DemoDeployment.withProbes(
                NO_TIER_RESOLVER,
                Map.of(
                        "ratelimit.policies.probe-plan.capacity", "2",
                        "ratelimit.policies.probe-role.capacity", "2",
                        "ratelimit.policies.probe-trusted.capacity", "2",
                        "ratelimit.policies.probe-account.capacity", "1",
                        "ratelimit.policies.probe-account.tier", "resolver",
                        "ratelimit.policies.probe-account.tiers.gold.capacity", "3"),
                TierProbeResource.class);
    }

    private static final String MISSPELT_POLICY = "misspelt-policy";
    private static final String BROKEN_YAML = "broken-yaml";

    @Deployment(name = MISSPELT_POLICY, managed = false, testable = false)
    static WebArchive deploymentConfiguringAPolicyNoMethodUses() {
        return DemoDeployment.withProbes(MISSPELT_POLICY, Map.of("ratelimit.policies.serach.capacity", "5"));
    }

    @Deployment(name = BROKEN_YAML, managed = false, testable = false)
    static WebArchive deploymentWithBrokenYaml() {
        return DemoDeployment.withProbes(BROKEN_YAML, Map.of())
                .addAsResource(
                        new StringAsset("ratelimit:\n  policies:\n    search: [capacity: 5\n"), "rate_limits.yaml");
    }

    @ArquillianResource
    Deployer deployer;

    @Test
    void aZeroCostFailsTheDeploymentNamingTheKeyAndTheMethod() throws Exception {
        assertThat(failedDeploymentLog(ZERO_COST))
                .contains("Invalid rate limit configuration for dev.ratelimit.demo.OrdersResource#create: "
                        + "ratelimit.policies.orders.cost=0: cost must be at least 1, was 0");
    }

    @Test
    void methodsSharingAPolicyWithDifferentLimitsFailTheDeployment() throws Exception {
        assertThat(failedDeploymentLog(SHARED_POLICY_SPLIT))
                .contains(
                        "Invalid rate limit configuration: policy 'probe' is shared by ",
                        ProbeResource.class.getName() + "#limited ",
                        ProbeResource.class.getName() + "#limitedAgain ",
                        "give them the same capacity, refill, bands and tiers");
    }

    @Test
    void aMisspeltKeyFailsTheDeploymentNamingItOnceWithTheClosestKnownKey() throws Exception {
        String problem = "Invalid rate limit configuration: unknown key ratelimit.policies.orders.refil-tokens; did you"
                + " mean ratelimit.policies.orders.refill-tokens?";
        String log = failedDeploymentLog(MISSPELT_KEY);

        // Liberty's own FFDC incident lines name the exception too; the report is the deployment's failure.
        assertThat(log.lines().filter(line -> line.contains(problem) && !line.contains("FFDC1015I")))
                .as("reported once, alone on its line")
                .singleElement()
                .asString()
                .contains("CWWKZ0002E")
                .endsWith(problem);
        assertThat(log).doesNotContain("ratelimit.redis.url");
    }

    @Test
    void twoClientIdResolversFailTheDeploymentNamingBoth() throws Exception {
        assertThat(failedDeploymentLog(TWO_RESOLVERS))
                .contains(
                        "several beans implement dev.ratelimit.ClientIdResolver",
                        OtherClientIdResolver.class.getName(),
                        TenantClientIdResolver.class.getName());
    }

    @Test
    void tiersReadFromATierResolverTheApplicationLacksFailTheDeployment() throws Exception {
        assertThat(failedDeploymentLog(NO_TIER_RESOLVER))
                .contains("policy 'probe-account' reads its callers' tiers from the application's"
                        + " dev.ratelimit.TierResolver (tier: resolver), and no bean implements it");
    }

    @Test
    void aPolicyNoMethodUsesFailsTheDeploymentNamingTheClosestPolicy() throws Exception {
        assertThat(failedDeploymentLog(MISSPELT_POLICY))
                .contains(
                        "Invalid rate limit configuration: policy 'serach' is configured (ratelimit.policies.serach.capacity)"
                                + " but no @RateLimited method uses it; the closest policy in use is 'search'");
    }

    @Test
    void aYamlSyntaxErrorFailsTheDeploymentNamingTheFileLineAndColumn() throws Exception {
        assertThat(failedDeploymentLog(BROKEN_YAML))
                .contains("Invalid rate limit configuration: rate_limits.yaml on the application's classpath")
                .contains("is not valid YAML")
                .containsPattern("line \\d+, column \\d+");
    }

    /**
     * Deploys, expecting a failure reported as Liberty reports one (CWWKZ0002E) with the configuration's problems in
     * its message and no stack trace, and returns what the server logged meanwhile.
     */
    private String failedDeploymentLog(String deployment) throws Exception {
        ServerLog log = ServerLog.mark();

        assertThatThrownBy(() -> deployer.deploy(deployment)).isInstanceOf(Exception.class);

        String logged = log.sinceMark();
        assertThat(logged).contains("CWWKZ0002E").doesNotContain("\tat ", "Exception List with");
        return logged;
    }
}
