package dev.ratelimit.integration.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatNoException;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.ratelimit.RateLimited;
import io.smallrye.config.PropertiesConfigSource;
import io.smallrye.config.SmallRyeConfigBuilder;
import java.util.List;
import java.util.Map;
import org.eclipse.microprofile.config.Config;
import org.eclipse.microprofile.config.spi.ConfigSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Reading the whole configuration at once, as the deployment does: every problem together, or none. */
class RateLimitConfigurationTest {

    static class Orders {
        @RateLimited("orders")
        public void create() {}

        @RateLimited(value = "orders", cost = 2)
        public void bulk() {}
    }

    private static Endpoint endpoint(String method) {
        return Endpoints.of(Orders.class, method);
    }

    private static final List<Endpoint> ENDPOINTS = List.of(endpoint("create"), endpoint("bulk"));

    private static Config config(Map<String, String> properties, ConfigSource... more) {
        return new SmallRyeConfigBuilder()
                .withSources(new PropertiesConfigSource(properties, "test", 100))
                .withSources(more)
                .build();
    }

    private static List<String> problems(Config config) {
        InvalidRateLimitConfigException e = catchThrowableOfType(
                InvalidRateLimitConfigException.class, () -> RateLimitConfiguration.read(config, ENDPOINTS));
        assertThat(e).as("the configuration is refused").isNotNull();
        return e.problems();
    }

    @Test
    void methodsNamingOnePolicyShareItsLimitsAndKeepTheirOwnCosts() {
        RateLimitConfiguration configuration =
                RateLimitConfiguration.read(config(Map.of("ratelimit.policies.orders.capacity", "5")), ENDPOINTS);

        EndpointPolicy create = configuration
                .endpointPolicies()
                .of(Orders.class, endpoint("create").method())
                .get(0);
        EndpointPolicy bulk = configuration
                .endpointPolicies()
                .of(Orders.class, endpoint("bulk").method())
                .get(0);
        assertThat(create.policy().limits()).isEqualTo(bulk.policy().limits());
        assertThat(create.policy().cost()).isEqualTo(1);
        assertThat(bulk.policy().cost()).isEqualTo(2);
        assertThat(configuration.endpointPolicies().policyNames()).containsExactly("orders");
    }

    @Test
    void methodsNamingOnePolicyWithDifferentLimitsForATierAreRefused() {
        assertThat(problems(config(Map.of(
                        "ratelimit.policies.orders.capacity",
                        "5",
                        "ratelimit.policies.orders.tier",
                        "header:X-Plan",
                        "ratelimit.policies.orders.tiers.premium.capacity",
                        "50",
                        Orders.class.getName() + "/bulk/RateLimited/tiers.premium.capacity",
                        "70"))))
                .singleElement()
                .asString()
                .startsWith("Invalid rate limit configuration: policy 'orders' is shared by ")
                .endsWith("so give them the same capacity, refill, bands and tiers");
    }

    @Test
    void methodsNamingOnePolicyWithDifferentLimitsAreRefusedNamingBoth() {
        assertThat(problems(config(Map.of(
                        "ratelimit.policies.orders.capacity",
                        "5",
                        Orders.class.getName() + "/bulk/RateLimited/capacity",
                        "7"))))
                .singleElement()
                .asString()
                .startsWith("Invalid rate limit configuration: policy 'orders' is shared by ")
                .contains(
                        Orders.class.getName() + "#create",
                        Orders.class.getName() + "#bulk",
                        "give them the same capacity, refill, bands and tiers");
    }

    @Test
    void limitsWrittenDifferentlyButEqualAreTheSameLimits() {
        assertThatNoException()
                .isThrownBy(() -> RateLimitConfiguration.read(
                        config(Map.of(
                                "ratelimit.policies.orders.capacity",
                                "5",
                                Orders.class.getName() + "/create/RateLimited/refill-period",
                                "60s",
                                Orders.class.getName() + "/bulk/RateLimited/refill-period",
                                "1m")),
                        ENDPOINTS));
    }

    @Test
    void everyProblemIsReportedAtOnce() {
        assertThat(problems(config(Map.of(
                        "ratelimit.policies.orders.capacity", "0",
                        "ratelimit.redis.pool-size", "0",
                        "ratelimit.redis.comand-timeout", "1s",
                        "ratelimit.allow-unused-policies", "perhaps"))))
                .hasSize(5)
                .allSatisfy(problem -> assertThat(problem).startsWith("Invalid rate limit configuration"))
                .anySatisfy(problem -> assertThat(problem).contains("#create: ratelimit.policies.orders.capacity=0"))
                .anySatisfy(problem -> assertThat(problem).contains("#bulk: ratelimit.policies.orders.capacity=0"))
                .anySatisfy(problem -> assertThat(problem).contains("ratelimit.redis.pool-size=0"))
                .anySatisfy(problem -> assertThat(problem).contains("unknown key ratelimit.redis.comand-timeout"))
                .anySatisfy(problem -> assertThat(problem).contains("ratelimit.allow-unused-policies=perhaps"));
    }

    @Test
    void aBrokenYamlFileIsTheOnlyProblemReported() {
        YamlConfigSource broken = new YamlConfigSource("configs/rate_limits.yaml", "ratelimit:\n  policies: [\n");

        assertThat(problems(config(Map.of(), broken)))
                .singleElement()
                .asString()
                .startsWith("Invalid rate limit configuration: configs/rate_limits.yaml is not valid YAML")
                .contains("line 3, column 1");
    }

    @Test
    void anEndpointThatWasNotFoundAtDeploymentIsAnError() {
        RateLimitConfiguration configuration = RateLimitConfiguration.read(
                config(Map.of("ratelimit.policies.orders.capacity", "5")), List.of(endpoint("create")));

        assertThat(catchThrowableOfType(
                        IllegalStateException.class,
                        () -> configuration
                                .endpointPolicies()
                                .of(Orders.class, endpoint("bulk").method())
                                .get(0)))
                .hasMessageContaining(Orders.class.getName() + "#bulk");
    }

    @ParameterizedTest(name = "policy {0}, global {1}")
    @CsvSource(
            delimiter = '|',
            value = {
                "enforce | enforce | ENFORCE", "enforce | shadow | SHADOW", "enforce | off | OFF",
                "shadow  | enforce | SHADOW", "shadow  | shadow | SHADOW", "shadow  | off | OFF",
                "off     | enforce | OFF", "off     | shadow | OFF", "off     | off | OFF",
            })
    void theGlobalModeCapsEveryPolicysOwn(String own, String global, Mode expected) {
        RateLimitConfiguration configuration = RateLimitConfiguration.read(
                config(Map.of(
                        "ratelimit.policies.orders.capacity", "5",
                        "ratelimit.policies.orders.mode", own,
                        "ratelimit.mode", global)),
                ENDPOINTS);

        assertThat(configuration
                        .endpointPolicies()
                        .of(Orders.class, endpoint("create").method())
                        .get(0)
                        .mode())
                .isEqualTo(expected);
    }

    @Test
    void anInvalidGlobalModeIsOneProblemNamingItsKey() {
        assertThat(problems(config(Map.of("ratelimit.policies.orders.capacity", "5", "ratelimit.mode", "partial"))))
                .containsExactly(
                        "Invalid rate limit configuration: ratelimit.mode=partial: must be enforce, shadow or off");
    }
}
