package dev.ratelimit.integration.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.assertThatNoException;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.ratelimit.RateLimited;
import dev.ratelimit.core.Band;
import dev.ratelimit.core.BucketLimits;
import dev.ratelimit.core.FailureMode;
import dev.ratelimit.core.Leasing;
import dev.ratelimit.core.RateLimitPolicy;
import dev.ratelimit.integration.http.ClientIdSource;
import dev.ratelimit.integration.http.MissingClientIdRule;
import dev.ratelimit.integration.http.TierSource;
import io.smallrye.config.PropertiesConfigSource;
import io.smallrye.config.SmallRyeConfigBuilder;
import java.lang.reflect.Method;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Stream;
import org.eclipse.microprofile.config.Config;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/** PolicyResolver over a real MicroProfile Config implementation (SmallRye Config). */
class PolicyResolverTest {

    // ---- resources under test ----------------------------------------------------------------------------------

    static class Orders {
        @RateLimited("orders")
        public void create() {}

        @RateLimited(value = "orders", capacity = 7, refillTokens = 3, refillPeriod = "1m", cost = 2)
        public void bulk() {}

        @RateLimited(value = "orders", refillPeriod = "soon")
        public void badInlinePeriod() {}

        @RateLimited(value = "orders", capacity = 0)
        public void zeroInlineCapacity() {}

        public void unlimited() {}
    }

    @RateLimited("catalog")
    static class Catalog {
        public void list() {}

        @RateLimited("orders")
        public void order() {}
    }

    /** Stands in for a CDI proxy or subclass of the annotated bean class. */
    static class CatalogSubclass extends Catalog {}

    static class Unknown {
        @RateLimited("nosuch")
        public void call() {}
    }

    static class BadName {
        @RateLimited("orders:v2")
        public void call() {}
    }

    /** Unnamed policy on a nested class: its default name holds the '$' of Class.getName(). */
    static class Nested {
        @RateLimited(capacity = 3)
        public void find() {}
    }

    static class Search {
        @RateLimited("per-user")
        @RateLimited("overall")
        public void both() {}

        @RateLimited("per-user")
        @RateLimited
        public void oneUnnamed() {}

        @RateLimited("per-user")
        @RateLimited("per-user")
        public void twice() {}
    }

    private static final String ORDERS = Orders.class.getName();
    private static final String CATALOG = Catalog.class.getName();
    private static final String UNNAMED = PolicyResolverTestResource.class.getName();

    // ---- helpers ------------------------------------------------------------------------------------------------

    static Config config(Map<String, String> values) {
        return new SmallRyeConfigBuilder()
                .withSources(new PropertiesConfigSource(values, "test", 100))
                .build();
    }

    private static Method method(Class<?> type, String name) {
        try {
            return type.getMethod(name);
        } catch (NoSuchMethodException e) {
            throw new AssertionError(e);
        }
    }

    /** A resolver of the configuration, under no global cap and with no environment variables. */
    private static PolicyResolver resolver(Config config) {
        return new PolicyResolver(config, new WrittenKeys(Map.of()), Mode.ENFORCE, Optional.empty());
    }

    private static EndpointPolicy resolve(Map<String, String> values, Class<?> type, String methodName) {
        return resolver(config(values))
                .resolve(new Endpoint(type, method(type, methodName)))
                .get(0);
    }

    private static InvalidRateLimitConfigException failure(
            Map<String, String> values, Class<?> type, String methodName) {
        InvalidRateLimitConfigException e =
                catchThrowableOfType(InvalidRateLimitConfigException.class, () -> resolve(values, type, methodName));
        assertThat(e)
                .as("InvalidRateLimitConfigException for %s#%s with %s", type.getName(), methodName, values)
                .isNotNull();
        return e;
    }

    private static String endpoint(Class<?> type, String methodName) {
        return type.getName() + "#" + methodName;
    }

    // ---- precedence ---------------------------------------------------------------------------------------------

    enum Level {
        METHOD,
        CLASS,
        POLICY,
        INLINE,
        DEFAULTS,
        BUILT_IN
    }

    private static String key(Level level, String methodName, String property) {
        return switch (level) {
            case METHOD -> ORDERS + "/" + methodName + "/RateLimited/" + property;
            case CLASS -> ORDERS + "/RateLimited/" + property;
            case POLICY -> "ratelimit.policies.orders." + property;
            case DEFAULTS -> "ratelimit.defaults." + property;
            case INLINE, BUILT_IN -> throw new IllegalArgumentException(level + " has no key");
        };
    }

    /**
     * A property, a value to set at the level under test ({@code winner}), a different value to set at every level
     * below it ({@code loser}), what {@code Orders#bulk} sets inline (null: no inline member) and the built-in
     * default, all written as {@code read} shows them.
     */
    record Property(
            String name,
            String winner,
            String loser,
            String inline,
            String builtIn,
            Function<EndpointPolicy, String> read) {
        @Override
        public String toString() {
            return name;
        }
    }

    private static final List<Property> PROPERTIES = List.of(
            new Property(
                    "capacity",
                    "11",
                    "5",
                    "7",
                    null,
                    p -> Long.toString(p.policy().limits().capacity())),
            new Property(
                    "refill-tokens",
                    "4",
                    "1",
                    "3",
                    "20",
                    p -> Long.toString(p.policy().limits().refillTokens())),
            new Property(
                    "refill-period",
                    "PT2M",
                    "PT5S",
                    "PT1M",
                    "PT1S",
                    p -> p.policy().limits().refillPeriod().toString()),
            new Property(
                    "cost", "3", "1", "2", "1", p -> Long.toString(p.policy().cost())),
            new Property(
                    "failure-mode",
                    "closed",
                    "open",
                    null,
                    "open",
                    p -> p.policy().failureMode().name().toLowerCase(Locale.ROOT)),
            new Property(
                    "client-id",
                    "principal",
                    "remote-address",
                    null,
                    "header:X-Client-Id",
                    p -> p.clientIdSource().toString()),
            new Property(
                    "missing-client-id",
                    "anonymous",
                    "reject",
                    null,
                    "reject",
                    p -> p.missingClientId().name().toLowerCase(Locale.ROOT)),
            new Property(
                    "mode",
                    "shadow",
                    "off",
                    null,
                    "enforce",
                    p -> p.mode().name().toLowerCase(Locale.ROOT)));

    static Stream<Arguments> propertyAtLevel() {
        List<Arguments> cases = new ArrayList<>();
        for (Property property : PROPERTIES) {
            for (Level level : Level.values()) {
                boolean noInline = property.inline() == null && level == Level.INLINE;
                boolean noBuiltIn = property.builtIn() == null && level == Level.BUILT_IN;
                if (!noInline && !noBuiltIn) {
                    cases.add(Arguments.of(property, level));
                }
            }
        }
        return cases.stream();
    }

    /**
     * Sets the property at one level and a different value at every level below it: the resolved policy must hold
     * the value of that level, so each level beats all the levels under it.
     */
    @ParameterizedTest(name = "{0} from {1}")
    @MethodSource("propertyAtLevel")
    void eachLevelBeatsEveryLevelBelowIt(Property property, Level level) {
        // Orders#bulk has inline values, which sit between the policy's keys and the defaults; Orders#create has none.
        boolean inlineBelowOrAt = property.inline() != null && level.compareTo(Level.INLINE) <= 0;
        String methodName = inlineBelowOrAt ? "bulk" : "create";
        Map<String, String> values = new HashMap<>();
        values.put("ratelimit.defaults.capacity", "20");
        // Keeps 'orders' a known policy when nothing is set under ratelimit.policies.orders
        values.put(
                property.name().equals("mode")
                        ? "ratelimit.policies.orders.missing-client-id"
                        : "ratelimit.policies.orders.mode",
                property.name().equals("mode") ? "reject" : "enforce");
        for (Level lower : Level.values()) {
            if (lower.compareTo(level) > 0 && lower != Level.INLINE && lower != Level.BUILT_IN) {
                values.put(key(lower, methodName, property.name()), property.loser());
            }
        }
        String expected = switch (level) {
            case INLINE -> property.inline();
            case BUILT_IN -> property.builtIn();
            default -> {
                values.put(key(level, methodName, property.name()), property.winner());
                yield property.winner();
            }
        };

        EndpointPolicy policy = resolve(values, Orders.class, methodName);

        assertThat(property.read().apply(policy)).isEqualTo(expected);
    }

    @Test
    void methodKeysOfOneMethodDoNotApplyToAnother() {
        Map<String, String> values =
                Map.of("ratelimit.policies.orders.capacity", "5", ORDERS + "/bulk/RateLimited/capacity", "50");

        assertThat(resolve(values, Orders.class, "create").policy().limits().capacity())
                .isEqualTo(5);
        assertThat(resolve(values, Orders.class, "bulk").policy().limits().capacity())
                .isEqualTo(50);
    }

    @Test
    void classKeysApplyToEveryMethodOfTheClass() {
        Map<String, String> values =
                Map.of("ratelimit.policies.orders.capacity", "5", ORDERS + "/RateLimited/capacity", "40");

        assertThat(resolve(values, Orders.class, "create").policy().limits().capacity())
                .isEqualTo(40);
        assertThat(resolve(values, Orders.class, "bulk").policy().limits().capacity())
                .isEqualTo(40);
        // ... but not to another class naming the same policy
        assertThat(resolve(values, Catalog.class, "order").policy().limits().capacity())
                .isEqualTo(5);
    }

    @Test
    void aPolicyWithOnlyItsCapacityGetsEveryBuiltInDefault() {
        EndpointPolicy policy = resolve(Map.of("ratelimit.policies.orders.capacity", "5"), Orders.class, "create");

        assertThat(policy)
                .isEqualTo(new EndpointPolicy(
                        new RateLimitPolicy(
                                "orders", new BucketLimits(5, 5, Duration.ofSeconds(1)), 1, FailureMode.OPEN),
                        ClientIdSource.header("X-Client-Id"),
                        MissingClientIdRule.REJECT,
                        Mode.ENFORCE,
                        Tiering.NONE));
    }

    @Test
    void aFullyConfiguredPolicy() {
        EndpointPolicy policy = resolve(
                Map.of(
                        "ratelimit.policies.orders.capacity", "100",
                        "ratelimit.policies.orders.refill-tokens", "10",
                        "ratelimit.policies.orders.refill-period", "PT1M",
                        "ratelimit.policies.orders.cost", "4",
                        "ratelimit.policies.orders.failure-mode", "closed",
                        "ratelimit.policies.orders.client-id", "header:X-Api-Key",
                        "ratelimit.policies.orders.missing-client-id", "anonymous",
                        "ratelimit.policies.orders.mode", "shadow"),
                Orders.class,
                "create");

        assertThat(policy)
                .isEqualTo(new EndpointPolicy(
                        new RateLimitPolicy(
                                "orders", new BucketLimits(100, 10, Duration.ofMinutes(1)), 4, FailureMode.CLOSED),
                        ClientIdSource.header("X-Api-Key"),
                        MissingClientIdRule.ANONYMOUS,
                        Mode.SHADOW,
                        Tiering.NONE));
    }

    // ---- refill-tokens defaulting to capacity --------------------------------------------------------------------

    @Test
    void refillTokensDefaultsToTheCapacityWhereverTheCapacityComesFrom() {
        assertThat(resolve(Map.of(), PolicyResolverTestResource.class, "find")
                        .policy()
                        .limits()
                        .refillTokens())
                .isEqualTo(5);
        assertThat(resolve(Map.of("ratelimit.defaults.capacity", "8"), PolicyResolverTestResource.class, "bare")
                        .policy()
                        .limits()
                        .refillTokens())
                .isEqualTo(8);
        assertThat(resolve(
                                Map.of(
                                        ORDERS + "/create/RateLimited/capacity",
                                        "6",
                                        "ratelimit.policies.orders.mode",
                                        "enforce"),
                                Orders.class,
                                "create")
                        .policy()
                        .limits()
                        .refillTokens())
                .isEqualTo(6);
    }

    @Test
    void refillTokensDefaultsToTheCapacityEvenWhenADefaultsCapacityIsOverridden() {
        EndpointPolicy policy = resolve(
                Map.of(
                        "ratelimit.defaults.capacity", "8",
                        "ratelimit.policies.orders.capacity", "30"),
                Orders.class,
                "create");

        assertThat(policy.policy().limits().refillTokens()).isEqualTo(30);
    }

    // ---- which annotation applies ----------------------------------------------------------------------------------

    @Test
    void classLevelAnnotationAppliesToItsMethods() {
        EndpointPolicy policy = resolve(
                Map.of(
                        "ratelimit.policies.catalog.capacity", "20",
                        "ratelimit.policies.orders.capacity", "5"),
                Catalog.class,
                "list");

        assertThat(policy.policy().name()).isEqualTo("catalog");
        assertThat(policy.policy().limits().capacity()).isEqualTo(20);
    }

    @Test
    void methodLevelAnnotationWinsOverTheClassLevelOne() {
        EndpointPolicy policy = resolve(
                Map.of(
                        "ratelimit.policies.catalog.capacity", "20",
                        "ratelimit.policies.orders.capacity", "5"),
                Catalog.class,
                "order");

        assertThat(policy.policy().name()).isEqualTo("orders");
        assertThat(policy.policy().limits().capacity()).isEqualTo(5);
    }

    @Test
    void classLevelAnnotationIsFoundThroughASubclassOfTheBeanClass() {
        PolicyResolver resolver = resolver(config(Map.of("ratelimit.policies.catalog.capacity", "20")));

        EndpointPolicy policy = resolver.resolve(new Endpoint(CatalogSubclass.class, method(Catalog.class, "list")))
                .get(0);

        assertThat(policy.policy().name()).isEqualTo("catalog");
    }

    @Test
    void methodAndClassKeysAreNamedAfterTheBeanClassNotTheDeclaringOne() {
        Map<String, String> values = Map.of(
                "ratelimit.policies.catalog.capacity",
                "20",
                CATALOG + "/RateLimited/capacity",
                "21",
                CatalogSubclass.class.getName() + "/RateLimited/capacity",
                "22");

        EndpointPolicy inherited = resolver(config(values))
                .resolve(new Endpoint(CatalogSubclass.class, method(Catalog.class, "list")))
                .get(0);

        assertThat(inherited.policy().limits().capacity()).isEqualTo(22);
    }

    @Test
    void aMethodWithoutAnyAnnotationIsRefused() {
        PolicyResolver resolver = resolver(config(Map.of()));

        assertThatIllegalArgumentException()
                .isThrownBy(() -> resolver.resolve(new Endpoint(Orders.class, method(Orders.class, "unlimited")))
                        .get(0))
                .withMessageContaining("unlimited")
                .withMessageContaining("is not @RateLimited");
    }

    @Test
    void twoMethodsNamingOnePolicyGetTheSamePolicy() {
        Map<String, String> values = Map.of("ratelimit.policies.orders.capacity", "5");

        assertThat(resolve(values, Orders.class, "create")).isEqualTo(resolve(values, Catalog.class, "order"));
    }

    // ---- unnamed policies ---------------------------------------------------------------------------------------

    @Test
    void unnamedPolicyIsNamedAfterClassAndMethod() {
        EndpointPolicy policy = resolve(Map.of(), PolicyResolverTestResource.class, "find");

        assertThat(policy.policy().name())
                .isEqualTo("dev.ratelimit.integration.config.PolicyResolverTestResource/find");
        assertThat(policy.policy().limits().capacity()).isEqualTo(5);
    }

    @Test
    void unnamedPolicyReadsMethodAndClassKeys() {
        assertThat(resolve(Map.of(UNNAMED + "/RateLimited/capacity", "40"), PolicyResolverTestResource.class, "find")
                        .policy()
                        .limits()
                        .capacity())
                .isEqualTo(40);
        assertThat(resolve(
                                Map.of(
                                        UNNAMED + "/RateLimited/capacity",
                                        "40",
                                        UNNAMED + "/find/RateLimited/capacity",
                                        "41"),
                                PolicyResolverTestResource.class,
                                "find")
                        .policy()
                        .limits()
                        .capacity())
                .isEqualTo(41);
    }

    @Test
    void unnamedPolicyIgnoresPolicyKeysUnderItsGeneratedName() {
        EndpointPolicy policy = resolve(
                Map.of("ratelimit.policies." + UNNAMED + "/find.capacity", "99"),
                PolicyResolverTestResource.class,
                "find");

        assertThat(policy.policy().limits().capacity()).isEqualTo(5);
    }

    @Test
    void unnamedPolicyTakesInlineValuesThenDefaults() {
        EndpointPolicy policy = resolve(
                Map.of(
                        "ratelimit.defaults.capacity", "100",
                        "ratelimit.defaults.cost", "1",
                        "ratelimit.defaults.failure-mode", "closed"),
                PolicyResolverTestResource.class,
                "inline");

        assertThat(policy.policy().limits()).isEqualTo(new BucketLimits(10, 2, Duration.ofSeconds(30)));
        assertThat(policy.policy().cost()).isEqualTo(3);
        assertThat(policy.policy().failureMode()).isEqualTo(FailureMode.CLOSED);
    }

    @ParameterizedTest
    @CsvSource({"open, OPEN", "CLOSED, CLOSED", "local, LOCAL", "Local, LOCAL"})
    void eachFailureModeIsReadInAnyCase(String text, FailureMode mode) {
        EndpointPolicy policy =
                resolve(Map.of("ratelimit.defaults.failure-mode", text), PolicyResolverTestResource.class, "inline");

        assertThat(policy.policy().failureMode()).isEqualTo(mode);
    }

    @Test
    void classLevelUnnamedAnnotationMakesOnePolicyPerMethod() {
        EndpointPolicy a = resolve(Map.of(), PolicyResolverTestClassLevel.class, "a");
        EndpointPolicy b = resolve(Map.of(), PolicyResolverTestClassLevel.class, "b");

        assertThat(a.policy().name()).isEqualTo("dev.ratelimit.integration.config.PolicyResolverTestClassLevel/a");
        assertThat(b.policy().name()).isEqualTo("dev.ratelimit.integration.config.PolicyResolverTestClassLevel/b");
        assertThat(a.policy().limits().capacity()).isEqualTo(4);
    }

    @Test
    void unnamedPolicyWithoutCapacityNamesItsMethodKey() {
        InvalidRateLimitConfigException e = failure(Map.of(), PolicyResolverTestResource.class, "bare");

        assertThat(e)
                .hasMessage("Invalid rate limit configuration for " + UNNAMED + "#bare: no capacity is configured"
                        + " for policy '" + UNNAMED + "/bare': set " + UNNAMED + "/bare/RateLimited/capacity,"
                        + " @RateLimited(capacity = ...) or ratelimit.defaults.capacity");
    }

    @Test
    void unnamedPolicyOnANestedClassResolves() {
        EndpointPolicy policy = resolve(Map.of(), Nested.class, "find");

        assertThat(policy.policy().name()).startsWith(Nested.class.getName()).endsWith("/find");
        assertThat(policy.policy().limits().capacity()).isEqualTo(3);
    }

    // ---- value syntax ---------------------------------------------------------------------------------------------

    @Test
    void readsEnumsBooleansAndNumbersIgnoringCaseAndSurroundingSpace() {
        EndpointPolicy policy = resolve(
                Map.of(
                        "ratelimit.policies.orders.capacity", " 12 ",
                        "ratelimit.policies.orders.refill-tokens", "\t3",
                        "ratelimit.policies.orders.refill-period", " 2S ",
                        "ratelimit.policies.orders.cost", "+2",
                        "ratelimit.policies.orders.failure-mode", " CLOSED ",
                        "ratelimit.policies.orders.missing-client-id", "Anonymous",
                        "ratelimit.policies.orders.mode", " SHADOW "),
                Orders.class,
                "create");

        assertThat(policy.policy().limits()).isEqualTo(new BucketLimits(12, 3, Duration.ofSeconds(2)));
        assertThat(policy.policy().cost()).isEqualTo(2);
        assertThat(policy.policy().failureMode()).isEqualTo(FailureMode.CLOSED);
        assertThat(policy.missingClientId()).isEqualTo(MissingClientIdRule.ANONYMOUS);
        assertThat(policy.mode()).isEqualTo(Mode.SHADOW);
    }

    @ParameterizedTest(name = "refill-period ''{0}''")
    @CsvSource(
            delimiter = '|',
            value = {"500ms | PT0.5S", "1s | PT1S", "1m | PT1M", "1h | PT1H", "1d | PT24H", "PT1M | PT1M"})
    void readsEveryDurationForm(String value, String expected) {
        EndpointPolicy policy = resolve(
                Map.of("ratelimit.policies.orders.capacity", "5", "ratelimit.policies.orders.refill-period", value),
                Orders.class,
                "create");

        assertThat(policy.policy().limits().refillPeriod()).isEqualTo(Duration.parse(expected));
    }

    // ---- invalid values ---------------------------------------------------------------------------------------------

    @ParameterizedTest(name = "{0}={1}")
    @CsvSource(
            delimiter = '|',
            value = {
                "capacity      | 0          | capacity must be at least 1, was 0",
                "capacity      | -3         | capacity must be at least 1, was -3",
                "capacity      | five       | not a whole number",
                "capacity      | 1.5        | not a whole number",
                "capacity      | 99999999999999999999 | not a whole number",
                "refill-tokens | 0          | refill-tokens must be at least 1, was 0",
                "refill-tokens | -1         | refill-tokens must be at least 1, was -1",
                "refill-tokens | many       | not a whole number",
                "refill-period | soon       | 'soon' is not a duration",
                "refill-period | 0          | '0' is not a duration",
                "refill-period | 0s         | refill-period must be at least 1ms",
                "refill-period | 0ms        | refill-period must be at least 1ms",
                "refill-period | PT-1S      | refill-period must be at least 1ms",
                "refill-period | PT0.0005S  | refill-period must be at least 1ms",
                "cost          | 0          | cost must be at least 1, was 0",
                "cost          | -2         | cost must be at least 1, was -2",
                "cost          | 6          | cost must not exceed capacity 5, was 6",
                "cost          | x          | not a whole number",
                "failure-mode  | sideways   | must be open, closed or local",
                "failure-mode  | fail-open  | must be open, closed or local",
                "missing-client-id | ignore | must be reject or anonymous",
                "client-id     | header:    | must be header:<Header-Name>, principal, remote-address or none",
                "client-id     | 'header:  '| must be header:<Header-Name>, principal, remote-address or none",
                "client-id     | cookie:id  | must be header:<Header-Name>, principal, remote-address or none",
                "client-id     | ip         | must be header:<Header-Name>, principal, remote-address or none",
                "client-id     | X-Client-Id | must be header:<Header-Name>, principal, remote-address or none",
                "mode          | enabled    | must be enforce, shadow or off",
                "mode          | false      | must be enforce, shadow or off",
                "mode          | dry-run    | must be enforce, shadow or off",
                "lease         | soon       | 'soon' is not a duration",
                "lease         | 2m         | must be off, or from 1ms to 1m",
                "lease         | PT0.0005S  | must be off, or from 1ms to 1m",
                "lease-share   | 0          | must be above 0 and at most 1 (100%)",
                "lease-share   | 150%       | must be above 0 and at most 1 (100%)",
                "lease-share   | half       | not a fraction: write e.g. 0.1 or 10%",
            })
    void everyInvalidValueNamesItsKeyAndTheMethod(String property, String value, String problem) {
        String key = "ratelimit.policies.orders." + property;
        Map<String, String> values = new HashMap<>(Map.of("ratelimit.policies.orders.capacity", "5"));
        values.put(key, value);

        InvalidRateLimitConfigException e = failure(values, Orders.class, "create");

        assertThat(e.getMessage())
                .startsWith("Invalid rate limit configuration for " + endpoint(Orders.class, "create") + ": " + key
                        + "=" + value + ": ")
                .contains(problem);
    }

    // ---- bands ------------------------------------------------------------------------------------------------

    @Test
    void aPolicyOfOneBandHasNoExtraBands() {
        assertThat(resolve(Map.of("ratelimit.policies.orders.capacity", "5"), Orders.class, "create")
                        .policy()
                        .extraBands())
                .isEmpty();
    }

    @Test
    void bandsAreReadInTheOrderOfTheirNamesWithRefillTokensAndPeriodDefaultingAsForThePolicy() {
        EndpointPolicy policy = resolve(
                Map.of(
                        "ratelimit.policies.orders.capacity", "20",
                        "ratelimit.policies.orders.bands.hourly.capacity", "1000",
                        "ratelimit.policies.orders.bands.hourly.refill-period", "1h",
                        "ratelimit.policies.orders.bands.daily.capacity", "5000",
                        "ratelimit.policies.orders.bands.daily.refill-tokens", "100",
                        "ratelimit.policies.orders.bands.daily.refill-period", "1d",
                        "ratelimit.policies.orders.bands.burst2.capacity", "30"),
                Orders.class,
                "create");

        assertThat(policy.policy().extraBands())
                .containsExactly(
                        new Band("burst2", new BucketLimits(30, 30, Duration.ofSeconds(1))),
                        new Band("daily", new BucketLimits(5000, 100, Duration.ofDays(1))),
                        new Band("hourly", new BucketLimits(1000, 1000, Duration.ofHours(1))));
    }

    @Test
    void theBandsOfTheMethodReplaceThoseOfItsPolicyAsAWhole() {
        EndpointPolicy policy = resolve(
                Map.of(
                        "ratelimit.policies.orders.capacity",
                        "20",
                        "ratelimit.policies.orders.bands.hourly.capacity",
                        "1000",
                        ORDERS + "/create/RateLimited/bands.daily.capacity",
                        "50",
                        ORDERS + "/create/RateLimited/bands.daily.refill-period",
                        "1d"),
                Orders.class,
                "create");

        assertThat(policy.policy().extraBands())
                .containsExactly(new Band("daily", new BucketLimits(50, 50, Duration.ofDays(1))));
    }

    @ParameterizedTest(name = "{0}={1}")
    @CsvSource(
            delimiter = '|',
            value = {
                "ratelimit.policies.orders.bands.hourly.capacity      | 0    | ratelimit.policies.orders.bands.hourly.capacity=0: capacity must be at least 1",
                "ratelimit.policies.orders.bands.hourly.capacity      | many | ratelimit.policies.orders.bands.hourly.capacity=many: not a whole number",
                "ratelimit.policies.orders.bands.hourly.refill-period | soon | ratelimit.policies.orders.bands.hourly.refill-period=soon: ",
                "ratelimit.policies.orders.bands.hourly.refill-tokens | 0    | ratelimit.policies.orders.bands.hourly.refill-tokens=0: refill-tokens must be at least 1",
                "ratelimit.policies.orders.bands.abcdefghijklmnopqrstuvwxyz0123456.capacity | 10 | ratelimit.policies.orders.bands.abcdefghijklmnopqrstuvwxyz0123456.capacity: a band's name must be 1 to 32 lower-case letters or digits, was 'abcdefghijklmnopqrstuvwxyz0123456'",
                "ratelimit.policies.orders.bands.Hourly.capacity      | 10   | a band's name must be 1 to 32 lower-case letters or digits, was 'Hourly'",
                "ratelimit.policies.orders.bands.hourly.capacity      | 1    | ratelimit.policies.orders.cost=2: cost must not exceed band 'hourly''s capacity 1, was 2",
            })
    void everyInvalidBandNamesItsKeyAndTheMethod(String key, String value, String problem) {
        Map<String, String> values =
                new HashMap<>(Map.of("ratelimit.policies.orders.capacity", "5", "ratelimit.policies.orders.cost", "2"));
        if (!key.endsWith(".capacity")) {
            values.put("ratelimit.policies.orders.bands.hourly.capacity", "10");
        }
        values.put(key, value);
        InvalidRateLimitConfigException e = failure(values, Orders.class, "create");

        assertThat(e.getMessage())
                .startsWith("Invalid rate limit configuration for " + endpoint(Orders.class, "create"))
                .contains(problem);
    }

    private static final Map<String, String> TIERED_ORDERS = Map.of(
            "ratelimit.policies.orders.capacity", "10",
            "ratelimit.policies.orders.refill-tokens", "2",
            "ratelimit.policies.orders.refill-period", "1m",
            "ratelimit.policies.orders.cost", "2",
            "ratelimit.policies.orders.bands.daily.capacity", "100",
            "ratelimit.policies.orders.tier", "header:X-Plan",
            "ratelimit.policies.orders.tiers.premium.capacity", "50",
            "ratelimit.policies.orders.tiers.slow.refill-period", "1h",
            "ratelimit.policies.orders.tiers.internal.unlimited", "true");

    private static RateLimitPolicy limitsOf(EndpointPolicy endpoint, String tier) {
        return endpoint.tiering().tierNamed(tier).orElseThrow().limitedBy().orElseThrow();
    }

    @Test
    void aTierTakesWhatItDoesNotSetFromThePolicyAndItsCapacityAsItsRefill() {
        EndpointPolicy orders = resolve(TIERED_ORDERS, Orders.class, "create");

        assertThat(orders.tiering().source()).isEqualTo(TierSource.parse("header:X-Plan"));
        assertThat(orders.tiering().tiers())
                .as("unlimited first, then by capacity")
                .extracting(Tier::name)
                .containsExactly("internal", "premium", "slow");
        assertThat(orders.tiering().tierNamed(" Internal ").orElseThrow().unlimited())
                .isTrue();
        RateLimitPolicy premium = limitsOf(orders, "premium");
        assertThat(premium.name()).as("the policy's own bucket").isEqualTo("orders");
        assertThat(premium.limits()).isEqualTo(new BucketLimits(50, 50, Duration.ofMinutes(1)));
        assertThat(premium.cost()).isEqualTo(2);
        assertThat(premium.extraBands()).extracting(Band::name).containsExactly("daily");
        assertThat(limitsOf(orders, "slow").limits()).isEqualTo(new BucketLimits(10, 2, Duration.ofHours(1)));
        assertThat(orders.policy().limits())
                .as("the policy's own limits, for any other caller")
                .isEqualTo(new BucketLimits(10, 2, Duration.ofMinutes(1)));
    }

    @Test
    void aMethodSetsANumberOfADeclaredTierAndATierItsPolicyLacksIsRefusedWithTheClosest() {
        Map<String, String> values = new HashMap<>(TIERED_ORDERS);
        values.put(ORDERS + "/create/RateLimited/tiers.premium.capacity", "70");
        values.put(ORDERS + "/create/RateLimited/tiers.premium.bands.daily.capacity", "700");
        EndpointPolicy create = resolve(values, Orders.class, "create");
        assertThat(limitsOf(create, "premium").limits().capacity()).isEqualTo(70);
        assertThat(limitsOf(create, "premium").extraBands().get(0).limits().capacity())
                .isEqualTo(700);

        values.put(ORDERS + "/create/RateLimited/tiers.premuim.cost", "1");
        assertThat(failure(values, Orders.class, "create").getMessage())
                .contains(ORDERS + "/create/RateLimited/tiers.premuim.cost=1: policy 'orders' has no tier 'premuim'"
                        + " (its tiers: internal, premium, slow); did you mean 'premium'?");
    }

    @ParameterizedTest
    @CsvSource(
            delimiter = '|',
            value = {
                "ratelimit.policies.orders.tiers.premium.capacity | 0 | ratelimit.policies.orders.tiers.premium.capacity=0: tier 'premium' of policy 'orders': capacity must be at least 1",
                "ratelimit.policies.orders.tiers.premium.capacity | 1 | ratelimit.policies.orders.cost=2: tier 'premium' of policy 'orders': cost must not exceed capacity 1",
                "ratelimit.policies.orders.tiers.premium.refill-period | soon | ratelimit.policies.orders.tiers.premium.refill-period=soon: ",
                "ratelimit.policies.orders.tiers.Premium.capacity | 5 | a tier's name must be 1 to 32 lower-case letters or digits, was 'Premium'",
                "ratelimit.policies.orders.tiers.default.capacity | 5 | ratelimit.policies.orders.tiers.default.capacity: 'default' cannot name a tier",
                "ratelimit.policies.orders.tiers.exempt.capacity | 5 | 'exempt' cannot name a tier",
                "ratelimit.policies.orders.tiers.internal.unlimited | yes | ratelimit.policies.orders.tiers.internal.unlimited=yes: must be true or false",
                "ratelimit.policies.orders.tiers.internal.capacity | 5 | ratelimit.policies.orders.tiers.internal.capacity=5: tier 'internal' of policy 'orders' is unlimited (ratelimit.policies.orders.tiers.internal.unlimited=true), so it has no limits to set",
                "ratelimit.policies.orders.tier | sometimes | ratelimit.policies.orders.tier=sometimes: must be header:<Header-Name>, role, resolver or none",
                "ratelimit.policies.orders.tier | none | policy 'orders' has tiers (internal, premium, slow) but reads no caller's tier: set ratelimit.policies.orders.tier to header:<Header-Name>, role or resolver",
                "ratelimit.policies.orders.exempt-networks | 10.0.0.0/33 | ratelimit.policies.orders.exempt-networks=10.0.0.0/33: '10.0.0.0/33' has a prefix length outside 0..32",
                "ratelimit.policies.orders.client-id | none | ratelimit.policies.orders.exempt-clients=probe: policy 'orders' reads no client id (client-id: none)",
            })
    void everyInvalidTierOrExemptionNamesItsKeyAndTheMethod(String key, String value, String problem) {
        Map<String, String> values = new HashMap<>(TIERED_ORDERS);
        values.put("ratelimit.policies.orders.exempt-clients", "probe");
        values.put(key, value);

        assertThat(failure(values, Orders.class, "create").getMessage())
                .startsWith("Invalid rate limit configuration for " + endpoint(Orders.class, "create"))
                .contains(problem);
    }

    @Test
    void aMethodCannotGiveTiersToANamedPolicyThatDeclaresNone() {
        assertThat(failure(
                                Map.of(
                                        "ratelimit.policies.orders.capacity",
                                        "5",
                                        ORDERS + "/create/RateLimited/tier",
                                        "role",
                                        ORDERS + "/create/RateLimited/tiers.gold.capacity",
                                        "9"),
                                Orders.class,
                                "create")
                        .getMessage())
                .contains(ORDERS + "/create/RateLimited/tiers.gold.capacity=9: policy 'orders' has no tier 'gold' (it"
                        + " declares none under ratelimit.policies.orders.tiers.)");
    }

    @Test
    void anUnlimitedTierWithBandsIsRefused() {
        Map<String, String> values = new HashMap<>(TIERED_ORDERS);
        values.put("ratelimit.policies.orders.tiers.internal.bands.daily.capacity", "9");

        assertThat(failure(values, Orders.class, "create").getMessage())
                .contains("ratelimit.policies.orders.tiers.internal.bands.*: tier 'internal' of policy 'orders' is"
                        + " unlimited (ratelimit.policies.orders.tiers.internal.unlimited=true), so it has no bands");
    }

    @Test
    void aDefaultListOfExemptIdsIsIgnoredByAPolicyLimitedAsAWhole() {
        EndpointPolicy whole = resolve(
                Map.of(
                        "ratelimit.policies.orders.capacity", "5",
                        "ratelimit.policies.orders.client-id", "none",
                        "ratelimit.defaults.exempt-clients", "probe"),
                Orders.class,
                "create");

        assertThat(whole.tiering().exemptClients()).isEmpty();
    }

    @Test
    void exemptClientsAndNetworksAreReadAsLists() {
        Map<String, String> values = new HashMap<>(TIERED_ORDERS);
        values.put("ratelimit.policies.orders.exempt-clients", " probe-1, ,probe-2 ");
        values.put("ratelimit.defaults.exempt-networks", "10.0.0.0/8, 127.0.0.1");
        Tiering tiering = resolve(values, Orders.class, "create").tiering();

        assertThat(tiering.exemptClients()).containsExactly("probe-1", "probe-2");
        assertThat(tiering.exemptNetworks().contains("10.9.8.7")).isTrue();
        assertThat(tiering.exemptNetworks().contains("127.0.0.1")).isTrue();
        assertThat(tiering.exemptNetworks().contains("11.0.0.1")).isFalse();
        assertThat(resolve(Map.of("ratelimit.policies.orders.capacity", "5"), Orders.class, "create")
                        .tiering())
                .isEqualTo(Tiering.NONE);
    }

    @Test
    void anotherPolicysKeysThatStartLikeABandOfThisOneAreNotItsBands() {
        EndpointPolicy policy = resolve(
                Map.of(
                        "ratelimit.policies.orders.capacity", "5",
                        "ratelimit.policies.orders-bands-hour.capacity", "7",
                        "ratelimit.policies.orders.bands.daily.capacity", "50"),
                Orders.class,
                "create");

        assertThat(policy.policy().extraBands()).extracting(Band::name).containsExactly("daily");
    }

    @Test
    void aBandWithoutCapacityNamesTheKeyToSet() {
        assertThat(failure(
                                Map.of(
                                        "ratelimit.policies.orders.capacity",
                                        "5",
                                        "ratelimit.policies.orders.bands.hourly.refill-period",
                                        "1h"),
                                Orders.class,
                                "create")
                        .getMessage())
                .contains("no capacity is configured for band 'hourly' of policy 'orders': set"
                        + " ratelimit.policies.orders.bands.hourly.capacity");
    }

    @Test
    void moreThanEightBandsAreRefused() {
        Map<String, String> values = new HashMap<>(Map.of("ratelimit.policies.orders.capacity", "5"));
        for (int band = 1; band <= 8; band++) {
            values.put("ratelimit.policies.orders.bands.b" + band + ".capacity", "5");
        }

        assertThat(failure(values, Orders.class, "create").getMessage())
                .contains("a policy holds at most 8 bands, its own limits included; was given 9");
    }

    // ---- mode ---------------------------------------------------------------------------------------------------

    @Test
    void capacityTimesPeriodBeyondTwoToThe53NamesTheCapacityKey() {
        InvalidRateLimitConfigException e = failure(
                Map.of(
                        "ratelimit.policies.orders.capacity", "10000000000000",
                        "ratelimit.policies.orders.refill-period", "1d"),
                Orders.class,
                "create");

        assertThat(e.getMessage())
                .contains(endpoint(Orders.class, "create"))
                .contains("ratelimit.policies.orders.capacity=10000000000000")
                .contains("2^53");
    }

    @Test
    void refillTokensDefaultedFromAnInvalidCapacityBlamesTheCapacityKey() {
        InvalidRateLimitConfigException e =
                failure(Map.of("ratelimit.policies.orders.capacity", "0"), Orders.class, "create");

        assertThat(e.getMessage())
                .contains("ratelimit.policies.orders.capacity=0")
                .doesNotContain("refill-tokens");
    }

    static Stream<Arguments> invalidValueAtEachSource() {
        return Stream.of(
                Arguments.of(ORDERS + "/create/RateLimited/failure-mode"),
                Arguments.of(ORDERS + "/RateLimited/failure-mode"),
                Arguments.of("ratelimit.policies.orders.failure-mode"),
                Arguments.of("ratelimit.defaults.failure-mode"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("invalidValueAtEachSource")
    void theMessageNamesTheKeyTheBadValueCameFrom(String key) {
        Map<String, String> values = new HashMap<>(Map.of("ratelimit.policies.orders.capacity", "5"));
        values.put(key, "maybe");

        InvalidRateLimitConfigException e = failure(values, Orders.class, "create");

        assertThat(e)
                .hasMessage("Invalid rate limit configuration for " + endpoint(Orders.class, "create") + ": " + key
                        + "=maybe: must be open, closed or local");
    }

    @Test
    void anInvalidInlineValueNamesTheAnnotationMember() {
        InvalidRateLimitConfigException period =
                failure(Map.of("ratelimit.policies.orders.capacity", "5"), Orders.class, "badInlinePeriod");
        assertThat(period.getMessage())
                .contains(endpoint(Orders.class, "badInlinePeriod"))
                .contains("@RateLimited(refillPeriod)=soon");

        InvalidRateLimitConfigException capacity =
                failure(Map.of("ratelimit.policies.orders.mode", "enforce"), Orders.class, "zeroInlineCapacity");
        assertThat(capacity.getMessage())
                .contains(endpoint(Orders.class, "zeroInlineCapacity"))
                .contains("@RateLimited(capacity)=0");
    }

    @Test
    void anInlineCostAboveAConfiguredCapacityNamesTheInlineCost() {
        InvalidRateLimitConfigException e =
                failure(Map.of("ratelimit.policies.orders.capacity", "1"), Orders.class, "bulk");

        assertThat(e.getMessage())
                .contains(endpoint(Orders.class, "bulk"))
                .contains("@RateLimited(cost)=2")
                .contains("must not exceed capacity 1");
    }

    @Test
    void aNamedPolicyWithoutCapacityNamesThePolicyCapacityKey() {
        InvalidRateLimitConfigException e =
                failure(Map.of("ratelimit.policies.orders.cost", "1"), Orders.class, "create");

        assertThat(e)
                .hasMessage("Invalid rate limit configuration for " + endpoint(Orders.class, "create")
                        + ": no capacity is configured for policy 'orders': set ratelimit.policies.orders.capacity,"
                        + " @RateLimited(capacity = ...) or ratelimit.defaults.capacity");
    }

    @Test
    void anEmptyCapacityCountsAsMissing() {
        InvalidRateLimitConfigException e = failure(
                Map.of("ratelimit.policies.orders.capacity", "", "ratelimit.policies.orders.cost", "1"),
                Orders.class,
                "create");

        assertThat(e.getMessage()).contains("no capacity is configured").contains("ratelimit.policies.orders.capacity");
    }

    @Test
    void anUnknownPolicyNameIsRefusedNamingTheMethodAndThePolicyKeys() {
        InvalidRateLimitConfigException e = failure(
                Map.of(
                        "ratelimit.policies.orders.capacity", "5",
                        "ratelimit.defaults.capacity", "10"),
                Unknown.class,
                "call");

        assertThat(e)
                .hasMessage(
                        "Invalid rate limit configuration for " + endpoint(Unknown.class, "call")
                                + ": @RateLimited(\"nosuch\") names an unknown policy: no ratelimit.policies.nosuch.* key is configured");
    }

    @Test
    void aMisspelledPropertyDoesNotMakeAPolicyKnown() {
        InvalidRateLimitConfigException e = failure(
                Map.of("ratelimit.policies.nosuch.capcity", "5", "ratelimit.defaults.capacity", "10"),
                Unknown.class,
                "call");

        assertThat(e.getMessage()).contains("unknown policy").contains("ratelimit.policies.nosuch.");
    }

    @Test
    void methodOrClassKeysDoNotMakeAPolicyKnown() {
        String unknown = Unknown.class.getName();
        InvalidRateLimitConfigException e = failure(
                Map.of(
                        unknown + "/call/RateLimited/capacity", "5",
                        unknown + "/RateLimited/capacity", "5"),
                Unknown.class,
                "call");

        assertThat(e.getMessage()).contains("unknown policy");
    }

    @Test
    void aPolicyLeasesOnlyWhenItsLeaseIsSetAtSomeLayer() {
        EndpointPolicy plain = resolve(Map.of("ratelimit.policies.orders.capacity", "100"), Orders.class, "create");
        EndpointPolicy leasing = resolve(
                Map.of(
                        "ratelimit.policies.orders.capacity", "100",
                        "ratelimit.policies.orders.lease", "200ms",
                        "ratelimit.defaults.lease-share", "20%"),
                Orders.class,
                "create");

        assertThat(plain.policy().leasing()).isEqualTo(Leasing.OFF);
        assertThat(leasing.policy().leasing()).isEqualTo(new Leasing(Duration.ofMillis(200), 0.2));
        assertThat(leasing.policy().maxLeasedTokens()).isEqualTo(20);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(
            delimiter = '|',
            value = {
                "capacity | 5", "refill-tokens | 5", "refill-period | 1s", "cost | 1",
                "failure-mode | open", "client-id | principal", "missing-client-id | reject", "mode | enforce",
                "lease | 200ms", "lease-share | 0.2"
            })
    void anyOnePolicyPropertyMakesThePolicyKnown(String property, String value) {
        assertThatNoException()
                .isThrownBy(() -> resolve(
                        Map.of("ratelimit.policies.orders." + property, value, "ratelimit.defaults.capacity", "5"),
                        Orders.class,
                        "create"));
    }

    @Test
    void aPolicyNameOutsideTheCharsetIsRefusedNamingTheMethod() {
        InvalidRateLimitConfigException e =
                failure(Map.of("ratelimit.policies.orders:v2.capacity", "5"), BadName.class, "call");

        assertThat(e.getMessage())
                .startsWith("Invalid rate limit configuration for " + endpoint(BadName.class, "call") + ": ")
                .contains("@RateLimited(value)=orders:v2")
                .contains("name must be 1 to 200 of the characters");
    }

    @ParameterizedTest
    @ValueSource(strings = {"999999999999d", "P106751991168D"})
    void aRefillPeriodTooLongForMillisecondsNamesItsKey(String period) {
        InvalidRateLimitConfigException e = failure(
                Map.of("ratelimit.policies.orders.capacity", "1", "ratelimit.policies.orders.refill-period", period),
                Orders.class,
                "create");

        assertThat(e.getMessage())
                .contains(endpoint(Orders.class, "create"))
                .contains("ratelimit.policies.orders.refill-period=" + period);
    }

    // ---- from YAML ------------------------------------------------------------------------------------------------

    @Test
    void readsPoliciesAndFaultToleranceStyleKeysFromYaml() {
        String yaml = """
                ratelimit:
                  defaults:
                    failure-mode: closed
                  policies:
                    orders:
                      capacity: 5
                      refill-period: 1m
                "%s/create/RateLimited/capacity": 50
                """.formatted(ORDERS);
        Config config = new SmallRyeConfigBuilder()
                .withSources(new YamlConfigSource("test", yaml))
                .build();
        PolicyResolver resolver = resolver(config);

        EndpointPolicy create = resolver.resolve(new Endpoint(Orders.class, method(Orders.class, "create")))
                .get(0);
        EndpointPolicy order = resolver.resolve(new Endpoint(Catalog.class, method(Catalog.class, "order")))
                .get(0);

        assertThat(create.policy().limits()).isEqualTo(new BucketLimits(50, 50, Duration.ofMinutes(1)));
        assertThat(order.policy().limits()).isEqualTo(new BucketLimits(5, 5, Duration.ofMinutes(1)));
        assertThat(order.policy().failureMode()).isEqualTo(FailureMode.CLOSED);
    }

    // ---- several policies on one method -------------------------------------------------------------------------

    private static final Map<String, String> PER_USER_AND_OVERALL = Map.of(
            "ratelimit.policies.per-user.capacity", "20",
            "ratelimit.policies.overall.capacity", "500",
            "ratelimit.policies.overall.client-id", "none");

    @Test
    void aMethodOfSeveralPoliciesHasEachInTheOrderWritten() {
        List<EndpointPolicy> policies = resolver(config(PER_USER_AND_OVERALL))
                .resolve(new Endpoint(Search.class, method(Search.class, "both")));

        assertThat(policies).extracting(policy -> policy.policy().name()).containsExactly("per-user", "overall");
        assertThat(policies)
                .extracting(policy -> policy.policy().limits().capacity())
                .containsExactly(20L, 500L);
        assertThat(policies.get(1).clientIdSource().wholeEndpoint()).isTrue();
    }

    @Test
    void severalPoliciesOnOneMethodMustEachBeNamedOnce() {
        assertThat(failure(PER_USER_AND_OVERALL, Search.class, "oneUnnamed").getMessage())
                .contains(endpoint(Search.class, "oneUnnamed"), "must name each");
        assertThat(failure(PER_USER_AND_OVERALL, Search.class, "twice").getMessage())
                .contains("@RateLimited(\"per-user\") is written twice");
    }

    @Test
    void aMethodLevelBandOfAMethodOfSeveralPoliciesIsRefusedAsAmbiguous() {
        Map<String, String> values = new HashMap<>(PER_USER_AND_OVERALL);
        values.put(Search.class.getName() + "/both/RateLimited/bands.hourly.capacity", "7");

        assertThat(failure(values, Search.class, "both").getMessage())
                .contains(Search.class.getName() + "/both/RateLimited/bands.hourly.capacity", "[overall, per-user]");
    }

    @Test
    void aMethodOrClassKeyOfAMethodOfSeveralPoliciesIsRefusedAsAmbiguous() {
        Map<String, String> values = new HashMap<>(PER_USER_AND_OVERALL);
        values.put(Search.class.getName() + "/both/RateLimited/capacity", "7");

        assertThat(failure(values, Search.class, "both").getMessage())
                .contains(
                        Search.class.getName() + "/both/RateLimited/capacity=7",
                        "[overall, per-user]",
                        "ratelimit.policies.<policy>.capacity");
    }
}

/** A top-level resource, so that its unnamed policies get a name without '$'. */
class PolicyResolverTestResource {
    @RateLimited(capacity = 5)
    public void find() {}

    @RateLimited
    public void bare() {}

    @RateLimited(capacity = 10, refillTokens = 2, refillPeriod = "PT30S", cost = 3)
    public void inline() {}
}

@RateLimited(capacity = 4)
class PolicyResolverTestClassLevel {
    public void a() {}

    public void b() {}
}
