package dev.ratelimit.integration.config;

import dev.ratelimit.RateLimited;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class UnknownKeysTest {

    static class Shop {
        @RateLimited("orders")
        public void order() {
        }

        @RateLimited("search-v2")
        public void search() {
        }

        @RateLimited(capacity = 3)
        public void own() {
        }
    }

    private static final String SHOP = Shop.class.getName();

    private static List<Endpoint> endpoints() {
        try {
            return List.of(new Endpoint(Shop.class, Shop.class.getMethod("order")),
                    new Endpoint(Shop.class, Shop.class.getMethod("search")),
                    new Endpoint(Shop.class, Shop.class.getMethod("own")));
        } catch (NoSuchMethodException e) {
            throw new AssertionError(e);
        }
    }

    private static List<String> problems(String... names) {
        return new UnknownKeys(endpoints()).among(List.of(names), false).stream()
                .map(InvalidRateLimitConfigException::getMessage).toList();
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "ratelimit.redis.url", "ratelimit.redis.connect-timeout", "ratelimit.redis.command-timeout",
            "ratelimit.redis.pool-size", "ratelimit.redis.key-prefix", "ratelimit.trusted-proxies",
            "ratelimit.config.file", "ratelimit.allow-unused-policies",
            "ratelimit.defaults.capacity", "ratelimit.defaults.missing-client-id",
            "ratelimit.policies.orders.refill-tokens", "ratelimit.policies.search-v2.client-id",
            "config_ordinal", "mp.metrics.tags", "REDIS_URL", "HOME"})
    void keysTheLimiterReadsOrDoesNotOwnAreFine(String key) {
        assertThat(problems(key)).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {
            // as an environment variable, the form MicroProfile Config maps every key to
            "RATELIMIT_REDIS_URL", "RATELIMIT_REDIS_KEY_PREFIX", "RATELIMIT_TRUSTED_PROXIES", "RATELIMIT_CONFIG_FILE",
            "RATELIMIT_ALLOW_UNUSED_POLICIES", "RATELIMIT_DEFAULTS_FAILURE_MODE",
            "RATELIMIT_POLICIES_SEARCH_V2_MISSING_CLIENT_ID", "RATELIMIT_POLICIES_ORDERS_CAPACITY",
            "ratelimit_policies_orders_refill_period",
            // as Open Liberty lists environment variables among the property names
            "ratelimit.policies.search.v2.failure.mode", "ratelimit.trusted.proxies", "ratelimit.redis.key.prefix",
    })
    void everyKeyMayBeSpeltAsItsEnvironmentVariable(String name) {
        assertThat(problems(name)).isEmpty();
    }

    @Test
    void methodAndClassKeysOfLimitedClassesAreKnownInEveryForm() {
        String methodKey = SHOP + "/order/RateLimited/capacity";
        String classKey = SHOP + "/RateLimited/cost";

        assertThat(problems(methodKey, classKey, UnknownKeys.envForm(methodKey), UnknownKeys.envForm(classKey),
                UnknownKeys.envForm(methodKey).toLowerCase().replace('_', '.'))).isEmpty();
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "ratelimit.policies.orders.refil-tokens  | ratelimit.policies.orders.refill-tokens",
            "ratelimit.redis.comand-timeout          | ratelimit.redis.command-timeout",
            "ratelimit.defaults.capcity              | ratelimit.defaults.capacity",
            "RATELIMIT_REDIS_POOLSIZE                | ratelimit.redis.pool-size",
    })
    void aMisspeltKeyIsReportedWithTheClosestKnownOne(String key, String closest) {
        assertThat(problems(key)).singleElement().asString()
                .startsWith("Invalid rate limit configuration: unknown key " + key + "; did you mean " + closest + "?");
    }

    @ParameterizedTest
    @ValueSource(strings = {"ratelimit.polices.orders.capacity", "ratelimit.redis", "ratelimit.enabled",
            "ratelimit.policies.orders.key",
            "/order/RateLimited/capacty", "/ordr/RateLimited/capacity"})
    void otherUnknownKeysAreReportedByName(String name) {
        String key = name.startsWith("/") ? SHOP + name : name;
        assertThat(problems(key)).singleElement().asString()
                .startsWith("Invalid rate limit configuration: unknown key " + key)
                .contains("policy properties are capacity, refill-tokens");
    }

    @Test
    void aPolicyNoMethodUsesFailsNamingItAndTheClosestPolicyInUse() {
        assertThat(problems("ratelimit.policies.serach-v2.capacity", "RATELIMIT_POLICIES_SERACH_V2_COST"))
                .singleElement().asString()
                .startsWith("Invalid rate limit configuration: policy 'serach-v2' is configured"
                        + " (ratelimit.policies.serach-v2.capacity, RATELIMIT_POLICIES_SERACH_V2_COST)"
                        + " but no @RateLimited method uses it; the closest policy in use is 'search-v2'")
                .endsWith("set ratelimit.allow-unused-policies=true");
    }

    @Test
    void aPolicyNameIsMatchedExactlyOutsideEnvironmentVariables() {
        assertThat(problems("ratelimit.policies.Orders.capacity")).singleElement().asString()
                .contains("policy 'Orders' is configured", "the closest policy in use is 'orders'");
    }

    @Test
    void keysOfAClassWithoutLimitedMethodsAreUnusedToo() {
        assertThat(problems("com.example.Other/RateLimited/capacity", "com.example.Other/find/RateLimited/cost"))
                .singleElement().asString()
                .contains("class com.example.Other is configured", "no @RateLimited method uses it");
    }

    @Test
    void withTheSwitchUnusedPoliciesAreAllowed() {
        assertThat(new UnknownKeys(endpoints()).among(List.of("ratelimit.policies.billing.capacity",
                "com.example.Other/RateLimited/capacity"), true)).isEmpty();
    }

    @Test
    void theSwitchDoesNotAllowMisspeltProperties() {
        assertThat(new UnknownKeys(endpoints()).among(List.of("ratelimit.policies.billing.capacty"), true))
                .singleElement().extracting(InvalidRateLimitConfigException::getMessage).asString()
                .contains("unknown key ratelimit.policies.billing.capacty");
    }

    @Test
    void otherLibrariesKeysOnLimitedClassesAreNotOurs() {
        assertThat(problems(SHOP + "/order/Retry/maxRetries", UnknownKeys.envForm(SHOP + "/order/Retry/maxRetries")))
                .isEmpty();
    }

    @Test
    void eachUnknownKeyIsReportedOnce() {
        assertThat(problems("ratelimit.a", "ratelimit.redis.url", "ratelimit.b")).hasSize(2);
    }

    @ParameterizedTest(name = "{0} / {1}")
    @CsvSource({"kitten, sitting, 3", "'', abc, 3", "abc, abc, 0", "flaw, lawn, 2", "a, b, 1"})
    void editDistanceIsLevenshteins(String a, String b, int distance) {
        assertThat(UnknownKeys.editDistance(a, b)).isEqualTo(distance);
        assertThat(UnknownKeys.editDistance(b, a)).isEqualTo(distance);
    }
}
