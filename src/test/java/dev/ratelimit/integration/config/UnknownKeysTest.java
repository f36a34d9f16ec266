package dev.ratelimit.integration.config;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ratelimit.RateLimited;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class UnknownKeysTest {

    static class Shop {
        @RateLimited("orders")
        public void order() {}

        @RateLimited("search-v2")
        public void search() {}

        @RateLimited(capacity = 3)
        public void own() {}
    }

    private static final String SHOP = Shop.class.getName();

    private static List<Endpoint> endpoints() {
        return List.of(
                Endpoints.of(Shop.class, "order"), Endpoints.of(Shop.class, "search"), Endpoints.of(Shop.class, "own"));
    }

    private static List<String> problems(String... names) {
        return new UnknownKeys(endpoints(), Optional.empty(), new WrittenKeys(Map.of()))
                .check(List.of(names), Set.of(), false).stream()
                        .map(InvalidRateLimitConfigException::getMessage)
                        .toList();
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "ratelimit.redis.url",
                "ratelimit.redis.connect-timeout",
                "ratelimit.redis.command-timeout",
                "ratelimit.redis.pool-size",
                "ratelimit.redis.key-prefix",
                "ratelimit.trusted-proxies",
                "ratelimit.redis.user",
                "ratelimit.redis.password",
                "ratelimit.redis.truststore",
                "ratelimit.redis.truststore-password",
                "ratelimit.redis.truststore-type",
                "ratelimit.config.file",
                "ratelimit.allow-unused-policies",
                "ratelimit.defaults.capacity",
                "ratelimit.defaults.missing-client-id",
                "ratelimit.mode",
                "ratelimit.policies.orders.bands.hourly.capacity",
                "ratelimit.policies.orders.bands.d1.refill-tokens",
                "ratelimit.policies.orders.tier",
                "ratelimit.policies.orders.exempt-networks",
                "ratelimit.defaults.exempt-clients",
                "ratelimit.policies.orders.tiers.premium.capacity",
                "ratelimit.policies.orders.tiers.internal.unlimited",
                "ratelimit.policies.orders.tiers.premium.bands.daily.refill-period",
                "RATELIMIT_POLICIES_ORDERS_TIERS_PREMIUM_REFILL_TOKENS",
                "ratelimit.policies.orders.tiers.premium.refill.tokens",
                "ratelimit.policies.orders.refill-tokens",
                "ratelimit.policies.search-v2.client-id",
                "config_ordinal",
                "mp.metrics.tags",
                "REDIS_URL",
                "HOME"
            })
    void keysTheLimiterReadsOrDoesNotOwnAreFine(String key) {
        assertThat(problems(key)).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "ratelimit.policies.orders.tiers.premium.refill_tokens",
                "ratelimit.policies.orders.tiers.premium.Capacity",
                "ratelimit.policies.orders.tiers.premium.refillXtokens",
                "ratelimit.policies.orders.tiers.premium.bands.daily.refill.period",
                "ratelimit.defaults.tiers.premium.capacity"
            })
    void aTierKeyInTheYamlFileIsKnownOnlyAsDocumented(String key) {
        assertThat(new UnknownKeys(endpoints(), Optional.empty(), new WrittenKeys(Map.of()))
                        .check(List.of(key), Set.of(key), false))
                .as("refused, naming the key")
                .singleElement()
                .asString()
                .contains(key);
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                // as an environment variable, the form MicroProfile Config maps every key to
                "RATELIMIT_REDIS_URL",
                "RATELIMIT_REDIS_KEY_PREFIX",
                "RATELIMIT_TRUSTED_PROXIES",
                "RATELIMIT_CONFIG_FILE",
                "RATELIMIT_ALLOW_UNUSED_POLICIES",
                "RATELIMIT_DEFAULTS_FAILURE_MODE",
                "RATELIMIT_POLICIES_SEARCH_V2_MISSING_CLIENT_ID",
                "RATELIMIT_POLICIES_ORDERS_CAPACITY",
                "ratelimit_policies_orders_refill_period",
                "RATELIMIT_REDIS_PASSWORD",
                "RATELIMIT_REDIS_TRUSTSTORE_PASSWORD",
                // as Open Liberty lists environment variables among the property names
                "ratelimit.policies.search.v2.failure.mode",
                "ratelimit.trusted.proxies",
                "ratelimit.redis.key.prefix",
                "ratelimit.redis.truststore.password",
                // a band's properties, and the global mode
                "RATELIMIT_POLICIES_ORDERS_BANDS_HOURLY_CAPACITY",
                "ratelimit.policies.search.v2.bands.daily.refill.period",
                "RATELIMIT_DEFAULTS_MODE",
                "RATELIMIT_MODE",
            })
    void everyKeyMayBeSpeltAsItsEnvironmentVariable(String name) {
        assertThat(problems(name)).isEmpty();
    }

    @Test
    void methodAndClassKeysOfLimitedClassesAreKnownInEveryForm() {
        String methodKey = SHOP + "/order/RateLimited/capacity";
        String classKey = SHOP + "/RateLimited/cost";

        String methodBandKey = SHOP + "/order/RateLimited/bands.hourly.capacity";

        assertThat(problems(
                        methodKey,
                        classKey,
                        ConfigKeys.envForm(methodKey),
                        ConfigKeys.envForm(classKey),
                        ConfigKeys.envForm(methodKey).toLowerCase(Locale.ROOT).replace('_', '.'),
                        methodBandKey,
                        ConfigKeys.envForm(methodBandKey)))
                .isEmpty();
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(
            delimiter = '|',
            value = {
                "ratelimit.policies.orders.refil-tokens  | ratelimit.policies.orders.refill-tokens",
                "ratelimit.redis.comand-timeout          | ratelimit.redis.command-timeout",
                "ratelimit.defaults.capcity              | ratelimit.defaults.capacity",
                "RATELIMIT_REDIS_POOLSIZE                | RATELIMIT_REDIS_POOL_SIZE",
                "RATELIMIT_REDIS_PASWORD                 | RATELIMIT_REDIS_PASSWORD",
                "RATELIMIT_POLICIES_ORDERS_REFIL_PERIOD  | RATELIMIT_POLICIES_ORDERS_REFILL_PERIOD",
                "ratelimit.redis.trust-store             | ratelimit.redis.truststore",
                "ratelimit.policies.orders.bands.hourly.capacty | ratelimit.policies.orders.bands.hourly.capacity",
                "RATELIMIT_POLICIES_ORDERS_BANDS_D1_REFIL_PERIOD | RATELIMIT_POLICIES_ORDERS_BANDS_D1_REFILL_PERIOD",
            })
    void aMisspeltKeyIsReportedWithTheClosestKnownOneInTheSameSpelling(String key, String closest) {
        assertThat(problems(key))
                .containsExactly(
                        "Invalid rate limit configuration: unknown key " + key + "; did you mean " + closest + "?");
    }

    @Test
    void aMisspeltVariableListedInBothSpellingsIsOneProblemNamingTheVariable() {
        assertThat(problems("RATELIMIT_POLICIES_ORDERS_REFIL_PERIOD", "ratelimit.policies.orders.refil.period"))
                .containsExactly("Invalid rate limit configuration: unknown key RATELIMIT_POLICIES_ORDERS_REFIL_PERIOD;"
                        + " did you mean RATELIMIT_POLICIES_ORDERS_REFILL_PERIOD?");
    }

    @Test
    void aVariableListedOnlyInTheDottedSpellingIsNamedAsTheEnvironmentWritesIt() {
        UnknownKeys unknownKeys = new UnknownKeys(
                endpoints(), Optional.empty(), new WrittenKeys(Map.of("RATELIMIT_POLICIES_ORDERS_REFIL_PERIOD", "1m")));

        assertThat(unknownKeys.check(List.of("ratelimit.policies.orders.refil.period"), Set.of(), false))
                .extracting(InvalidRateLimitConfigException::getMessage)
                .containsExactly("Invalid rate limit configuration: unknown key RATELIMIT_POLICIES_ORDERS_REFIL_PERIOD;"
                        + " did you mean RATELIMIT_POLICIES_ORDERS_REFILL_PERIOD?");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(
            delimiter = '|',
            value = {
                "ratelimit.policies.orders.key           | ratelimit.policies.orders.client-id",
                "RATELIMIT_POLICIES_ORDERS_MISSING_KEY   | RATELIMIT_POLICIES_ORDERS_MISSING_CLIENT_ID",
                "ratelimit.defaults.enabled              | ratelimit.defaults.mode (enabled: false is mode: off)",
                "RATELIMIT_POLICIES_ORDERS_ENABLED       | RATELIMIT_POLICIES_ORDERS_MODE (enabled: false is mode: off)",
                "ratelimit.key-prefix                    | ratelimit.redis.key-prefix",
                "RATELIMIT_KEY_PREFIX                    | RATELIMIT_REDIS_KEY_PREFIX",
            })
    void aRenamedKeyIsToldWhatReplacedIt(String key, String replacement) {
        assertThat(problems(key))
                .containsExactly("Invalid rate limit configuration: unknown key " + key + "; it was renamed: write "
                        + replacement);
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "ratelimit.polices.orders.capacity",
                "ratelimit.redis",
                "ratelimit.enabled",
                "/order/RateLimited/capacty",
                "/ordr/RateLimited/capacity"
            })
    void otherUnknownKeysAreReportedByNameAloneOnOneLine(String name) {
        String key = name.startsWith("/") ? SHOP + name : name;
        assertThat(problems(key))
                .singleElement()
                .asString()
                .startsWith("Invalid rate limit configuration: unknown key " + key)
                .doesNotContain("\n", "ratelimit.redis.url", "refill-tokens, ");
    }

    @Test
    void aPolicyNoMethodUsesFailsNamingItAndTheClosestPolicyInUse() {
        assertThat(problems("ratelimit.policies.serach-v2.capacity", "RATELIMIT_POLICIES_SERACH_V2_COST"))
                .singleElement()
                .asString()
                .startsWith("Invalid rate limit configuration: policy 'serach-v2' is configured"
                        + " (ratelimit.policies.serach-v2.capacity, RATELIMIT_POLICIES_SERACH_V2_COST)"
                        + " but no @RateLimited method uses it; the closest policy in use is 'search-v2'")
                .endsWith("set ratelimit.allow-unused-policies=true");
    }

    @Test
    void aPolicyNameIsMatchedExactlyOutsideEnvironmentVariables() {
        assertThat(problems("ratelimit.policies.Orders.capacity"))
                .singleElement()
                .asString()
                .contains("policy 'Orders' is configured", "the closest policy in use is 'orders'");
    }

    @Test
    void keysOfAClassWithoutLimitedMethodsAreUnusedToo() {
        assertThat(problems("com.example.Other/RateLimited/capacity", "com.example.Other/find/RateLimited/cost"))
                .singleElement()
                .asString()
                .contains("class com.example.Other is configured", "no @RateLimited method uses it");
    }

    @Test
    void withTheSwitchEachUnusedPolicyOrClassIsOneWarning() {
        UnknownKeys unknownKeys = new UnknownKeys(endpoints(), Optional.empty(), new WrittenKeys(Map.of()));

        assertThat(unknownKeys.check(
                        List.of(
                                "ratelimit.policies.billing.capacity",
                                "RATELIMIT_POLICIES_BILLING_COST",
                                "com.example.Other/RateLimited/capacity"),
                        Set.of(),
                        true))
                .isEmpty();

        List<String> warnings = unknownKeys.warnings();
        assertThat(warnings).hasSize(2);
        assertThat(warnings.get(0))
                .startsWith("policy 'billing' is configured (ratelimit.policies.billing.capacity,"
                        + " RATELIMIT_POLICIES_BILLING_COST)")
                .endsWith("allowed by ratelimit.allow-unused-policies");
        assertThat(warnings.get(1)).startsWith("class com.example.Other is configured");
    }

    @Test
    void theSwitchDoesNotAllowMisspeltProperties() {
        assertThat(new UnknownKeys(endpoints(), Optional.empty(), new WrittenKeys(Map.of()))
                        .check(List.of("ratelimit.policies.billing.capacty"), Set.of(), true))
                .singleElement()
                .extracting(InvalidRateLimitConfigException::getMessage)
                .asString()
                .contains("unknown key ratelimit.policies.billing.capacty");
    }

    @Test
    void otherLibrariesKeysOnLimitedClassesAreNotOurs() {
        assertThat(problems(SHOP + "/order/Retry/maxRetries", ConfigKeys.envForm(SHOP + "/order/Retry/maxRetries")))
                .isEmpty();
    }

    @Test
    void eachUnknownKeyIsReportedOnceAndKnownOnesNot() {
        assertThat(problems("ratelimit.a", "ratelimit.redis.url", "ratelimit.b"))
                .hasSize(2)
                .allSatisfy(problem -> assertThat(problem).doesNotContain("unknown key ratelimit.redis.url"));
    }

    @Test
    void bandKeysOfMethodsAndClassesAreKnownInTheYamlFileToo() {
        String methodBand = SHOP + "/order/RateLimited/bands.hourly.capacity";
        String classBand = SHOP + "/RateLimited/bands.daily.refill-period";

        assertThat(new UnknownKeys(endpoints(), Optional.empty(), new WrittenKeys(Map.of()))
                        .check(List.of(methodBand, classBand), Set.of(methodBand, classBand), false))
                .isEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {"ratelimit.defaults.bands.daily.capacity", "RATELIMIT_DEFAULTS_BANDS_DAILY_CAPACITY"})
    void bandsHaveNoDefaults(String name) {
        assertThat(problems(name)).singleElement().asString().contains("unknown key " + name);
    }

    @Test
    void aBandNameTheResolverRefusesIsNotAlsoAnUnknownKey() {
        // the resolver names the rule a band's name breaks; one report of the key is enough
        String upperCaseBand = "ratelimit.policies.orders.bands.Hourly.capacity";
        assertThat(new UnknownKeys(endpoints(), Optional.empty(), new WrittenKeys(Map.of()))
                        .check(List.of(upperCaseBand), Set.of(upperCaseBand), false))
                .isEmpty();
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "ratelimit.redis.key.prefix",
                "RATELIMIT_REDIS_URL",
                "ratelimit.policies.search.v2.capacity",
                "ratelimit.policies.orders.bands.hourly.refill.period"
            })
    void inTheYamlFileOnlyTheDocumentedSpellingCounts(String name) {
        assertThat(new UnknownKeys(endpoints(), Optional.empty(), new WrittenKeys(Map.of()))
                        .check(List.of(name), Set.of(name), false))
                .hasSize(1);
        assertThat(new UnknownKeys(endpoints(), Optional.empty(), new WrittenKeys(Map.of()))
                        .check(List.of(name), Set.of(), false))
                .isEmpty();
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "RATELIMIT_REDIS_SERVICE_HOST",
                "RATELIMIT_REDIS_SERVICE_PORT",
                "RATELIMIT_REDIS_PORT",
                "RATELIMIT_REDIS_PORT_6379_TCP",
                "RATELIMIT_REDIS_PORT_6379_TCP_ADDR",
                "ratelimit.redis.service.port.redis"
            })
    void variablesKubernetesAddsForAServiceAreNotOurs(String name) {
        assertThat(problems(name)).isEmpty();
        assertThat(new UnknownKeys(endpoints(), Optional.empty(), new WrittenKeys(Map.of()))
                        .check(List.of(name), Set.of(name), false))
                .as("the same name written in the YAML file")
                .hasSize(1);
    }

    @ParameterizedTest(name = "{0} / {1}")
    @CsvSource({"kitten, sitting, 3", "'', abc, 3", "abc, abc, 0", "flaw, lawn, 2", "a, b, 1"})
    void editDistanceIsLevenshteins(String a, String b, int distance) {
        assertThat(UnknownKeys.editDistance(a, b)).isEqualTo(distance);
        assertThat(UnknownKeys.editDistance(b, a)).isEqualTo(distance);
    }
}
