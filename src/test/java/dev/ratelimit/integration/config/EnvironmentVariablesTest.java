package dev.ratelimit.integration.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatNoException;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.ratelimit.RateLimited;
import dev.ratelimit.core.Band;
import dev.ratelimit.core.BucketLimits;
import dev.ratelimit.core.ClientIdSecret;
import dev.ratelimit.core.FailureMode;
import dev.ratelimit.core.Leasing;
import dev.ratelimit.core.RateLimitPolicy;
import dev.ratelimit.integration.http.ClientIdSource;
import dev.ratelimit.integration.http.MissingClientIdRule;
import dev.ratelimit.integration.http.TierSource;
import io.smallrye.config.EnvConfigSource;
import io.smallrye.config.SmallRyeConfigBuilder;
import java.net.URI;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.eclipse.microprofile.config.Config;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Every key of the library set by its environment variable alone, as containers set them: no YAML, no
 * other source. The variables go through SmallRye Config's own environment source, so they are found by
 * MicroProfile Config's mapping (non-alphanumerics as '_', upper case), and the unknown-key check sees
 * them under those names.
 */
class EnvironmentVariablesTest {

    static class Shop {
        @RateLimited("search")
        public void search() {}

        @RateLimited(capacity = 10)
        public void browse() {}
    }

    private static final List<Endpoint> ENDPOINTS = List.of(endpoint("search"), endpoint("browse"));

    private static Endpoint endpoint(String method) {
        return Endpoints.of(Shop.class, method);
    }

    /** Only environment variables; unless they name a key of the search policy, it gets its capacity there. */
    private static RateLimitConfiguration read(Map<String, String> environment) {
        Map<String, String> withPolicy = new HashMap<>(environment);
        if (environment.keySet().stream().noneMatch(name -> name.startsWith("RATELIMIT_POLICIES_SEARCH_"))) {
            withPolicy.put("RATELIMIT_POLICIES_SEARCH_CAPACITY", "20");
        }
        Config config = new SmallRyeConfigBuilder()
                .withSources(new EnvConfigSource(withPolicy, EnvConfigSource.ORDINAL))
                .build();
        return RateLimitConfiguration.read(config, ENDPOINTS, withPolicy);
    }

    private static EndpointPolicy search(Map<String, String> environment) {
        return read(environment)
                .endpointPolicies()
                .of(Shop.class, endpoint("search").method())
                .get(0);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(
            delimiter = '|',
            value = {
                "RATELIMIT_REDIS_URL             | redis://10.0.0.1:6380/2",
                "RATELIMIT_REDIS_CONNECT_TIMEOUT | PT2S",
                "RATELIMIT_REDIS_COMMAND_TIMEOUT | PT0.3S",
                "RATELIMIT_REDIS_POOL_SIZE       | 7",
                "RATELIMIT_REDIS_SHIELD_MAX_ENTRIES | 500",
                "RATELIMIT_REDIS_LEASE_MAX_BUCKETS | 600",
                "RATELIMIT_REDIS_KEY_PREFIX      | from-env:",
                "RATELIMIT_REDIS_BREAKER_WINDOW  | 30",
                "RATELIMIT_REDIS_BREAKER_FAILURE_RATE | 20",
                "RATELIMIT_REDIS_BREAKER_OPEN_FOR | PT3S",
                "RATELIMIT_INSTANCES             | 4",
                "RATELIMIT_LOCAL_MAX_CLIENTS     | 900",
                "RATELIMIT_IPV6_PREFIX_LENGTH    | 56",
                "RATELIMIT_RELOAD_INTERVAL       | PT30S",
            })
    void eachRedisSettingIsReadFromItsVariable(String variable, String value) {
        Map<String, Function<RateLimitConfiguration, Object>> readBack = Map.ofEntries(
                Map.entry("RATELIMIT_REDIS_URL", c -> c.settings().redis().url()),
                Map.entry(
                        "RATELIMIT_REDIS_CONNECT_TIMEOUT",
                        c -> c.settings().redis().connectTimeout()),
                Map.entry(
                        "RATELIMIT_REDIS_COMMAND_TIMEOUT",
                        c -> c.settings().redis().commandTimeout()),
                Map.entry("RATELIMIT_REDIS_POOL_SIZE", c -> c.settings().redis().poolSize()),
                Map.entry(
                        "RATELIMIT_REDIS_SHIELD_MAX_ENTRIES",
                        c -> c.settings().redis().shieldSize()),
                Map.entry(
                        "RATELIMIT_REDIS_LEASE_MAX_BUCKETS",
                        c -> c.settings().redis().leasedBuckets()),
                Map.entry(
                        "RATELIMIT_REDIS_KEY_PREFIX", c -> c.settings().redis().keyPrefix()),
                Map.entry(
                        "RATELIMIT_REDIS_BREAKER_WINDOW",
                        c -> c.settings().redis().breakerWindow()),
                Map.entry(
                        "RATELIMIT_REDIS_BREAKER_FAILURE_RATE",
                        c -> c.settings().redis().breakerFailureRate()),
                Map.entry(
                        "RATELIMIT_REDIS_BREAKER_OPEN_FOR",
                        c -> c.settings().redis().breakerOpenFor()),
                Map.entry("RATELIMIT_INSTANCES", c -> c.settings().instances()),
                Map.entry("RATELIMIT_LOCAL_MAX_CLIENTS", c -> c.settings().maxLocalClients()),
                Map.entry("RATELIMIT_IPV6_PREFIX_LENGTH", c -> c.settings().ipv6PrefixLength()),
                Map.entry("RATELIMIT_RELOAD_INTERVAL", c -> c.settings().reloadInterval()));

        Object read = readBack.get(variable).apply(read(Map.of(variable, value)));

        assertThat(read)
                .hasToString(
                        switch (variable) {
                            case "RATELIMIT_REDIS_URL" -> URI.create(value).toString();
                            case "RATELIMIT_REDIS_CONNECT_TIMEOUT",
                                    "RATELIMIT_REDIS_COMMAND_TIMEOUT",
                                    "RATELIMIT_REDIS_BREAKER_OPEN_FOR",
                                    "RATELIMIT_RELOAD_INTERVAL" ->
                                Duration.parse(value).toString();
                            default -> value;
                        });
    }

    /** A method the deployment limits without an annotation of its own: the one the default policy was given to. */
    static class Catalogue {
        public void list() {}
    }

    @Test
    void theDefaultPolicyIsNamedByItsVariable() {
        Map<String, String> environment = Map.of(
                "RATELIMIT_DEFAULT_POLICY", "api",
                "RATELIMIT_POLICIES_API_CAPACITY", "5",
                "RATELIMIT_POLICIES_SEARCH_CAPACITY", "20");
        Config config = new SmallRyeConfigBuilder()
                .withSources(new EnvConfigSource(environment, EnvConfigSource.ORDINAL))
                .build();
        Endpoint list = Endpoints.of(Catalogue.class, "list");

        RateLimitConfiguration configuration =
                RateLimitConfiguration.read(config, List.of(endpoint("search"), endpoint("browse"), list), environment);

        assertThat(configuration.defaultPolicy()).contains("api");
        EndpointPolicy policy = configuration
                .endpointPolicies()
                .of(Catalogue.class, list.method())
                .get(0);
        assertThat(policy.policy().name()).isEqualTo("api");
        assertThat(policy.policy().limits().capacity()).isEqualTo(5);
        assertThat(configuration.endpointPolicies().methodsPerPolicy())
                .containsEntry("api", 1L)
                .containsEntry("search", 1L);
    }

    @Test
    void aDefaultPolicyThatIsNoNameFailsNamingItsVariable() {
        assertThatThrownBy(() -> read(Map.of("RATELIMIT_DEFAULT_POLICY", "api policy")))
                .isInstanceOf(InvalidRateLimitConfigException.class)
                .hasMessageContaining("RATELIMIT_DEFAULT_POLICY=api policy: not a policy name");
    }

    @Test
    void theHotKeyShieldIsTurnedOffByItsVariable() {
        assertThat(read(Map.of()).settings().redis().shieldSize()).isPositive();
        assertThat(read(Map.of("RATELIMIT_REDIS_SHIELD_ENABLED", "false"))
                        .settings()
                        .redis()
                        .shieldSize())
                .isZero();
    }

    @Test
    void readinessIsFreedFromRedisByItsVariable() {
        assertThat(read(Map.of()).settings().readinessRequiresRedis()).isTrue();
        assertThat(read(Map.of("RATELIMIT_HEALTH_READINESS_REQUIRES_REDIS", "false"))
                        .settings()
                        .readinessRequiresRedis())
                .isFalse();
    }

    @Test
    void reloadingIsTurnedOffByItsVariable() {
        assertThat(read(Map.of("RATELIMIT_RELOAD_INTERVAL", "off")).settings().reloadInterval())
                .isZero();
    }

    @Test
    void trustedProxiesAreReadFromTheirVariable() {
        RateLimitConfiguration configuration = read(Map.of("RATELIMIT_TRUSTED_PROXIES", "10.0.0.0/8,192.0.2.1"));

        assertThat(configuration.settings().trustedProxies().clientAddress("192.0.2.1", List.of("203.0.113.5")))
                .isEqualTo("203.0.113.5");
    }

    @Test
    void theClientIdSecretIsReadFromItsVariable() {
        String secret = "client-id-secret-from-the-environment-0123";

        RateLimitConfiguration configuration = read(Map.of("RATELIMIT_CLIENT_ID_SECRET", secret));

        assertThat(configuration.settings().clientIdSecret())
                .get()
                .extracting(key -> key.idOf("alice@example.com"))
                .isEqualTo(ClientIdSecret.of(secret).idOf("alice@example.com"));
    }

    @Test
    void everyPolicyPropertyIsReadFromItsVariable() {
        EndpointPolicy search = search(Map.ofEntries(
                Map.entry("RATELIMIT_POLICIES_SEARCH_CAPACITY", "60"),
                Map.entry("RATELIMIT_POLICIES_SEARCH_REFILL_TOKENS", "3"),
                Map.entry("RATELIMIT_POLICIES_SEARCH_REFILL_PERIOD", "1m"),
                Map.entry("RATELIMIT_POLICIES_SEARCH_COST", "2"),
                Map.entry("RATELIMIT_POLICIES_SEARCH_FAILURE_MODE", "closed"),
                Map.entry("RATELIMIT_POLICIES_SEARCH_CLIENT_ID", "principal"),
                Map.entry("RATELIMIT_POLICIES_SEARCH_MISSING_CLIENT_ID", "anonymous"),
                Map.entry("RATELIMIT_POLICIES_SEARCH_MODE", "shadow"),
                Map.entry("RATELIMIT_POLICIES_SEARCH_LEASE", "250ms"),
                Map.entry("RATELIMIT_POLICIES_SEARCH_LEASE_SHARE", "0.05")));

        assertThat(search.policy().limits().capacity()).isEqualTo(60);
        assertThat(search.policy().limits().refillTokens()).isEqualTo(3);
        assertThat(search.policy().limits().refillPeriod()).isEqualTo(Duration.ofMinutes(1));
        assertThat(search.policy().cost()).isEqualTo(2);
        assertThat(search.policy().failureMode()).isEqualTo(FailureMode.CLOSED);
        assertThat(search.clientIdSource()).isEqualTo(ClientIdSource.PRINCIPAL);
        assertThat(search.missingClientId()).isEqualTo(MissingClientIdRule.ANONYMOUS);
        assertThat(search.mode()).isEqualTo(Mode.SHADOW);
        assertThat(search.policy().leasing()).isEqualTo(new Leasing(Duration.ofMillis(250), 0.05));
    }

    @Test
    void bandsAndTheGlobalModeAreReadFromTheirVariables() {
        EndpointPolicy search = search(Map.of(
                "RATELIMIT_POLICIES_SEARCH_CAPACITY", "20",
                "RATELIMIT_POLICIES_SEARCH_BANDS_HOURLY_CAPACITY", "1000",
                "RATELIMIT_POLICIES_SEARCH_BANDS_HOURLY_REFILL_PERIOD", "1h",
                "RATELIMIT_POLICIES_SEARCH_BANDS_DAILY_CAPACITY", "5000",
                "RATELIMIT_POLICIES_SEARCH_BANDS_DAILY_REFILL_TOKENS", "200",
                "RATELIMIT_POLICIES_SEARCH_BANDS_DAILY_REFILL_PERIOD", "1d",
                "RATELIMIT_MODE", "shadow"));

        assertThat(search.policy().extraBands())
                .containsExactly(
                        new Band("daily", new BucketLimits(5000, 200, Duration.ofDays(1))),
                        new Band("hourly", new BucketLimits(1000, 1000, Duration.ofHours(1))));
        assertThat(search.mode()).isEqualTo(Mode.SHADOW);
    }

    @Test
    void everyDefaultIsReadFromItsVariable() {
        EndpointPolicy search = search(Map.of(
                "RATELIMIT_POLICIES_SEARCH_MODE", "shadow",
                "RATELIMIT_DEFAULTS_CAPACITY", "40",
                "RATELIMIT_DEFAULTS_REFILL_TOKENS", "4",
                "RATELIMIT_DEFAULTS_REFILL_PERIOD", "2s",
                "RATELIMIT_DEFAULTS_COST", "3",
                "RATELIMIT_DEFAULTS_FAILURE_MODE", "closed",
                "RATELIMIT_DEFAULTS_CLIENT_ID", "remote-address",
                "RATELIMIT_DEFAULTS_MISSING_CLIENT_ID", "anonymous"));
        EndpointPolicy browse = read(Map.of("RATELIMIT_DEFAULTS_MODE", "off"))
                .endpointPolicies()
                .of(Shop.class, endpoint("browse").method())
                .get(0);

        assertThat(search.policy().limits().capacity()).isEqualTo(40);
        assertThat(search.policy().limits().refillTokens()).isEqualTo(4);
        assertThat(search.policy().limits().refillPeriod()).isEqualTo(Duration.ofSeconds(2));
        assertThat(search.policy().cost()).isEqualTo(3);
        assertThat(search.policy().failureMode()).isEqualTo(FailureMode.CLOSED);
        assertThat(search.clientIdSource()).isEqualTo(ClientIdSource.REMOTE_ADDRESS);
        assertThat(search.missingClientId()).isEqualTo(MissingClientIdRule.ANONYMOUS);
        assertThat(browse.mode()).isEqualTo(Mode.OFF);
    }

    @Test
    void methodAndClassKeysAreReadFromTheirVariables() {
        String method = ConfigKeys.envForm(Shop.class.getName() + "/browse/RateLimited/capacity");
        String type = ConfigKeys.envForm(Shop.class.getName() + "/RateLimited/cost");

        EndpointPolicy browse = read(Map.of(method, "30", type, "5"))
                .endpointPolicies()
                .of(Shop.class, endpoint("browse").method())
                .get(0);

        assertThat(browse.policy().limits().capacity()).isEqualTo(30);
        assertThat(browse.policy().cost()).isEqualTo(5);
    }

    @Test
    void unusedPoliciesAreAllowedByTheVariableOfTheSwitch() {
        assertThatNoException()
                .isThrownBy(() -> read(Map.of(
                        "RATELIMIT_ALLOW_UNUSED_POLICIES", "true",
                        "RATELIMIT_POLICIES_BILLING_CAPACITY", "5")));
        assertThat(catchThrowableOfType(
                                InvalidRateLimitConfigException.class,
                                () -> read(Map.of("RATELIMIT_POLICIES_BILLING_CAPACITY", "5")))
                        .problems())
                .singleElement()
                .asString()
                .containsIgnoringCase("policy 'billing' is configured")
                .contains("RATELIMIT_POLICIES_BILLING_CAPACITY");
    }

    @Test
    void tiersAndExemptionsAreReadFromTheirVariables() {
        EndpointPolicy search = search(Map.ofEntries(
                Map.entry("RATELIMIT_POLICIES_SEARCH_CAPACITY", "20"),
                Map.entry("RATELIMIT_POLICIES_SEARCH_TIER", "header:X-Plan"),
                Map.entry("RATELIMIT_POLICIES_SEARCH_TIERS_PREMIUM_CAPACITY", "200"),
                Map.entry("RATELIMIT_POLICIES_SEARCH_TIERS_PREMIUM_REFILL_TOKENS", "50"),
                Map.entry("RATELIMIT_POLICIES_SEARCH_TIERS_PREMIUM_REFILL_PERIOD", "1m"),
                Map.entry("RATELIMIT_POLICIES_SEARCH_TIERS_PREMIUM_COST", "2"),
                Map.entry("RATELIMIT_POLICIES_SEARCH_TIERS_PREMIUM_BANDS_DAILY_CAPACITY", "9000"),
                Map.entry("RATELIMIT_POLICIES_SEARCH_TIERS_INTERNAL_UNLIMITED", "true"),
                Map.entry("RATELIMIT_POLICIES_SEARCH_EXEMPT_CLIENTS", "probe"),
                Map.entry("RATELIMIT_POLICIES_SEARCH_EXEMPT_NETWORKS", "10.0.0.0/8")));

        Tiering tiering = search.tiering();
        assertThat(tiering.source()).isEqualTo(TierSource.parse("header:X-Plan"));
        assertThat(tiering.tiers()).extracting(Tier::name).containsExactly("internal", "premium");
        RateLimitPolicy premium =
                tiering.tierNamed("premium").orElseThrow().limitedBy().orElseThrow();
        assertThat(premium.limits()).isEqualTo(new BucketLimits(200, 50, Duration.ofMinutes(1)));
        assertThat(premium.cost()).isEqualTo(2);
        assertThat(premium.extraBands())
                .containsExactly(new Band("daily", new BucketLimits(9000, 9000, Duration.ofSeconds(1))));
        assertThat(tiering.tierNamed("internal").orElseThrow().unlimited()).isTrue();
        assertThat(tiering.exemptClients()).containsExactly("probe");
        assertThat(tiering.exemptNetworks().contains("10.1.2.3")).isTrue();
    }

    @Test
    void aMisspeltTierPropertyInAVariableIsAnUnknownKey() {
        InvalidRateLimitConfigException e = catchThrowableOfType(
                InvalidRateLimitConfigException.class,
                () -> read(Map.of(
                        "RATELIMIT_POLICIES_SEARCH_TIER", "role",
                        "RATELIMIT_POLICIES_SEARCH_CAPACITY", "20",
                        "RATELIMIT_POLICIES_SEARCH_TIERS_GOLD_CAPACTY", "5")));

        assertThat(e.problems())
                .singleElement()
                .asString()
                .contains("unknown key RATELIMIT_POLICIES_SEARCH_TIERS_GOLD_CAPACTY");
    }

    @Test
    void aMisspeltPolicyInAVariableFailsNamingTheClosestPolicy() {
        InvalidRateLimitConfigException e = catchThrowableOfType(
                InvalidRateLimitConfigException.class, () -> read(Map.of("RATELIMIT_POLICIES_SERACH_CAPACITY", "5")));

        assertThat(e.problems())
                .singleElement()
                .asString()
                .contains("RATELIMIT_POLICIES_SERACH_CAPACITY", "the closest policy in use is 'search'");
    }

    @Test
    void aValueThatCannotWorkIsNamedByTheVariableThatHoldsIt() {
        InvalidRateLimitConfigException e = catchThrowableOfType(
                InvalidRateLimitConfigException.class,
                () -> read(Map.of(
                        "RATELIMIT_POLICIES_SEARCH_CAPACITY", "20",
                        "RATELIMIT_POLICIES_SEARCH_COST", "0",
                        "RATELIMIT_REDIS_POOL_SIZE", "none",
                        "RATELIMIT_MODE", "partial")));

        assertThat(e.problems())
                .containsExactlyInAnyOrder(
                        "Invalid rate limit configuration: RATELIMIT_REDIS_POOL_SIZE=none: not a whole number",
                        "Invalid rate limit configuration: RATELIMIT_MODE=partial: must be enforce, shadow or off",
                        "Invalid rate limit configuration for " + Shop.class.getName() + "#search:"
                                + " RATELIMIT_POLICIES_SEARCH_COST=0: cost must be at least 1, was 0");
    }
}
