package dev.ratelimit.integration.config;

import dev.ratelimit.RateLimited;
import dev.ratelimit.core.Band;
import dev.ratelimit.core.BucketLimits;
import dev.ratelimit.core.FailureMode;
import dev.ratelimit.core.InvalidLimitException;
import dev.ratelimit.core.RateLimitPolicy;
import dev.ratelimit.integration.http.ClientIdSource;
import dev.ratelimit.integration.http.MissingClientIdRule;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.regex.Pattern;
import org.eclipse.microprofile.config.Config;

/**
 * Turns a {@code @RateLimited} method and MicroProfile Config into its {@link EndpointPolicy}. Each
 * property is looked up, first found wins, in:
 * <ol>
 *     <li>{@code <fully.qualified.Class>/<method>/RateLimited/<property>}</li>
 *     <li>{@code <fully.qualified.Class>/RateLimited/<property>}</li>
 *     <li>{@code ratelimit.policies.<name>.<property>}, when the annotation names a policy</li>
 *     <li>the annotation's inline value</li>
 *     <li>{@code ratelimit.defaults.<property>}</li>
 *     <li>the built-in default</li>
 * </ol>
 * Further bands, {@code bands.<band>.capacity}, {@code .refill-tokens} and {@code .refill-period}, come as a
 * set from the first of the first three layers that configures any. The global {@code ratelimit.mode} caps
 * every policy's {@code mode}. Every error names the method and the key whose value is wrong.
 */
final class PolicyResolver {

    static final String POLICIES_PREFIX = "ratelimit.policies.";
    static final String DEFAULTS_PREFIX = "ratelimit.defaults.";
    static final String ANNOTATION = RateLimited.class.getSimpleName();

    static final String CAPACITY = "capacity";
    static final String REFILL_TOKENS = "refill-tokens";
    static final String REFILL_PERIOD = "refill-period";
    static final String COST = "cost";
    static final String FAILURE_MODE = "failure-mode";
    static final String CLIENT_ID = "client-id";
    static final String MISSING_CLIENT_ID = "missing-client-id";
    static final String MODE = "mode";
    static final List<String> PROPERTIES =
            List.of(CAPACITY, REFILL_TOKENS, REFILL_PERIOD, COST, FAILURE_MODE, CLIENT_ID, MISSING_CLIENT_ID, MODE);
    /** {@code bands.<band>.}: the segment before each band's own properties. */
    static final String BANDS = "bands.";

    static final List<String> BAND_PROPERTIES = List.of(CAPACITY, REFILL_TOKENS, REFILL_PERIOD);
    /** How each band property's key ends in its environment-variable form, e.g. {@code _REFILL_TOKENS}. */
    private static final List<String> BAND_PROPERTY_ENV_SUFFIXES = BAND_PROPERTIES.stream()
            .map(property -> "_" + UnknownKeys.envForm(property))
            .toList();
    /** Caps every policy's mode: the switch that turns them all to shadow, or off. */
    static final String GLOBAL_MODE = "ratelimit.mode";

    private static final Pattern BAND_NAME = Pattern.compile("[a-z0-9]{1,32}");
    private static final Pattern ONE_SEGMENT = Pattern.compile("[A-Za-z0-9]+");

    private final Config config;
    /** Every configured name, in order, and its environment-variable form: made once for every method's band lookup. */
    private final Map<String, String> envFormByName = new LinkedHashMap<>();

    PolicyResolver(Config config) {
        this.config = config;
        PropertyNames.of(config).forEach(name -> envFormByName.put(name, UnknownKeys.envForm(name)));
    }

    /** {@code <fully.qualified.Class>/<method>/RateLimited/}: the prefix of one method's own keys. */
    static String methodPrefix(Endpoint endpoint) {
        return endpoint.beanClass().getName() + "/" + endpoint.method().getName() + "/" + ANNOTATION + "/";
    }

    /** {@code <fully.qualified.Class>/RateLimited/}: the prefix of keys for every method of a class. */
    static String classPrefix(Endpoint endpoint) {
        return endpoint.beanClass().getName() + "/" + ANNOTATION + "/";
    }

    /** The method's annotation, else its bean class's. */
    static RateLimited annotationOf(Endpoint endpoint) {
        RateLimited onMethod = endpoint.method().getAnnotation(RateLimited.class);
        RateLimited annotation =
                onMethod != null ? onMethod : endpoint.beanClass().getAnnotation(RateLimited.class);
        if (annotation == null) {
            throw new IllegalArgumentException(endpoint + " is not @RateLimited, nor is its class");
        }
        return annotation;
    }

    /** The policy the annotation names, configured under {@code ratelimit.policies.<name>.*}; empty when unnamed. */
    static Optional<String> namedPolicyOf(Endpoint endpoint) {
        return Optional.of(annotationOf(endpoint).value()).filter(name -> !name.isEmpty());
    }

    /** The policy's name: the one the annotation gives, else {@code <fully.qualified.Class>/<method>}. */
    static String policyNameOf(Endpoint endpoint) {
        return namedPolicyOf(endpoint)
                .orElse(endpoint.beanClass().getName() + "/" + endpoint.method().getName());
    }

    /** @throws InvalidRateLimitConfigException naming the method and the key at fault */
    EndpointPolicy resolve(Endpoint endpoint) {
        return new MethodLookup(endpoint).policy();
    }

    /** A value and the key (or annotation member, or default) it came from. */
    private record Setting(String source, String value) {
        @Override
        public String toString() {
            return source + "=" + value;
        }
    }

    private final class MethodLookup {

        private final Endpoint endpoint;
        private final RateLimited annotation;
        private final String policyName;
        /** Whether the annotation names the policy, so that ratelimit.policies.<name>.* keys apply. */
        private final boolean named;

        private final List<String> prefixes = new ArrayList<>();
        private final Map<String, Setting> used = new HashMap<>();

        MethodLookup(Endpoint endpoint) {
            this.endpoint = endpoint;
            this.annotation = annotationOf(endpoint);
            this.policyName = policyNameOf(endpoint);
            this.named = namedPolicyOf(endpoint).isPresent();
            prefixes.add(methodPrefix(endpoint));
            prefixes.add(classPrefix(endpoint));
            if (named) {
                prefixes.add(POLICIES_PREFIX + policyName + ".");
            }
            used.put("name", new Setting(named ? "@RateLimited(value)" : "policy name", policyName));
        }

        EndpointPolicy policy() {
            if (named
                    && PROPERTIES.stream()
                            .noneMatch(property -> value(POLICIES_PREFIX + policyName + "." + property)
                                    .isPresent())) {
                throw invalid("@RateLimited(\"" + policyName + "\") names an unknown policy: no " + POLICIES_PREFIX
                        + policyName + ".* key is configured");
            }
            Setting capacity =
                    find(CAPACITY, inline(annotation.capacity()), "capacity").orElseThrow(this::missingCapacity);
            Setting refillTokens = find(REFILL_TOKENS, inline(annotation.refillTokens()), "refillTokens")
                    .orElse(capacity);
            Setting refillPeriod = find(REFILL_PERIOD, annotation.refillPeriod(), "refillPeriod")
                    .orElse(builtIn("1s"));
            Setting cost = find(COST, inline(annotation.cost()), "cost").orElse(builtIn("1"));
            Setting failureMode = find(FAILURE_MODE).orElse(builtIn("open"));
            Setting clientId = find(CLIENT_ID).orElse(builtIn("header:X-Client-Id"));
            Setting missingClientId = find(MISSING_CLIENT_ID).orElse(builtIn("reject"));
            Setting mode = find(MODE).orElse(builtIn("enforce"));
            Setting globalMode = setting(GLOBAL_MODE).orElse(builtIn("enforce"));
            used.putAll(
                    Map.of(CAPACITY, capacity, REFILL_TOKENS, refillTokens, REFILL_PERIOD, refillPeriod, COST, cost));
            try {
                BucketLimits limits =
                        new BucketLimits(asLong(capacity), asLong(refillTokens), parse(refillPeriod, Durations::parse));
                RateLimitPolicy policy = new RateLimitPolicy(
                        policyName, limits, asLong(cost), parse(failureMode, PolicyResolver::failureMode), bands());
                return new EndpointPolicy(
                        policy,
                        parse(clientId, ClientIdSource::parse),
                        parse(missingClientId, MissingClientIdRule::parse),
                        parse(mode, Mode::parse).cappedBy(parse(globalMode, Mode::parse)));
            } catch (InvalidLimitException e) {
                Setting culprit = used.get(e.property());
                throw invalid(
                        (culprit != null ? culprit.toString() : "policy '" + policyName + "'") + ": " + e.getMessage());
            }
        }

        /** The bands of the first layer that configures any, in the order of their names. */
        private List<Band> bands() {
            for (String prefix : prefixes) {
                Set<String> names = bandNames(prefix);
                if (!names.isEmpty()) {
                    List<Band> bands = new ArrayList<>();
                    for (String name : names) {
                        bands.add(band(prefix + BANDS + name + ".", name));
                    }
                    return bands;
                }
            }
            return List.of();
        }

        /**
         * Band names under the prefix, however spelt: Open Liberty lists an environment variable as its lower-case
         * dotted form, and every spelling keeps the name's length and place, so the name is cut out by position.
         */
        private Set<String> bandNames(String prefix) {
            String bandsPrefix = UnknownKeys.envForm(prefix + BANDS);
            Set<String> names = new TreeSet<>();
            for (Map.Entry<String, String> named : envFormByName.entrySet()) {
                String key = named.getKey();
                String env = named.getValue();
                for (String suffix : BAND_PROPERTY_ENV_SUFFIXES) {
                    if (env.startsWith(bandsPrefix)
                            && env.endsWith(suffix)
                            && env.length() > bandsPrefix.length() + suffix.length()) {
                        String name = key.substring(bandsPrefix.length(), key.length() - suffix.length());
                        String spelt = key.equals(env) ? name.toLowerCase(Locale.ROOT) : name;
                        if (!ONE_SEGMENT.matcher(name).matches()
                                || BAND_PROPERTIES.stream()
                                        .noneMatch(band -> value(prefix + BANDS + spelt + "." + band)
                                                .isPresent())) {
                            // Another policy's key whose name starts like this one's (probe and probe-bands, api
                            // and api-bands-hour); or a name that is no band's, which the unknown-key check reports.
                            continue;
                        }
                        if (!BAND_NAME.matcher(spelt).matches()) {
                            throw invalid(key + ": a band's name must be 1 to 32 lower-case letters or digits,"
                                    + " was '" + name + "'");
                        }
                        names.add(spelt);
                    }
                }
            }
            return names;
        }

        private Band band(String bandPrefix, String name) {
            Setting capacity = setting(bandPrefix + CAPACITY)
                    .orElseThrow(() -> invalid("no capacity is configured for band '" + name + "' of policy '"
                            + policyName + "': set " + bandPrefix + CAPACITY));
            Setting refillTokens = setting(bandPrefix + REFILL_TOKENS).orElse(capacity);
            Setting refillPeriod = setting(bandPrefix + REFILL_PERIOD).orElse(builtIn("1s"));
            try {
                return new Band(
                        name,
                        new BucketLimits(
                                asLong(capacity), asLong(refillTokens), parse(refillPeriod, Durations::parse)));
            } catch (InvalidLimitException e) {
                Setting culprit = Map.of(CAPACITY, capacity, REFILL_TOKENS, refillTokens, REFILL_PERIOD, refillPeriod)
                        .get(e.property());
                throw invalid((culprit != null ? culprit : bandPrefix) + ": " + e.getMessage());
            }
        }

        private Optional<Setting> find(String property) {
            return find(property, null, null);
        }

        private Optional<Setting> find(String property, String inlineValue, String annotationMember) {
            for (String prefix : prefixes) {
                Optional<Setting> configured = setting(prefix + property);
                if (configured.isPresent()) {
                    return configured;
                }
            }
            if (inlineValue != null && !inlineValue.isEmpty()) {
                return Optional.of(new Setting("@RateLimited(" + annotationMember + ")", inlineValue));
            }
            return setting(DEFAULTS_PREFIX + property);
        }

        private InvalidRateLimitConfigException missingCapacity() {
            String where = named ? POLICIES_PREFIX + policyName + "." + CAPACITY : prefixes.get(0) + CAPACITY;
            return invalid("no capacity is configured for policy '" + policyName + "': set " + where
                    + ", @RateLimited(capacity = ...) or " + DEFAULTS_PREFIX + CAPACITY);
        }

        private InvalidRateLimitConfigException invalid(String problem) {
            return InvalidRateLimitConfigException.forEndpoint(endpoint, problem);
        }

        private long asLong(Setting setting) {
            return parse(setting, text -> {
                try {
                    return Long.parseLong(text);
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException("not a whole number");
                }
            });
        }

        private <T> T parse(Setting setting, Function<String, T> parser) {
            try {
                return parser.apply(setting.value().trim());
            } catch (IllegalArgumentException e) {
                throw invalid(setting + ": " + e.getMessage());
            }
        }
    }

    private Optional<String> value(String key) {
        return config.getOptionalValue(key, String.class);
    }

    private Optional<Setting> setting(String key) {
        return value(key).map(value -> new Setting(key, value));
    }

    private static String inline(long annotationValue) {
        return annotationValue == RateLimited.UNSET ? null : Long.toString(annotationValue);
    }

    private static Setting builtIn(String value) {
        return new Setting("built-in default", value);
    }

    private static FailureMode failureMode(String text) {
        return switch (text.toLowerCase(Locale.ROOT)) {
            case "open" -> FailureMode.OPEN;
            case "closed" -> FailureMode.CLOSED;
            case "local" -> FailureMode.LOCAL;
            default -> throw new IllegalArgumentException("must be open, closed or local");
        };
    }

    static boolean bool(String text) {
        return switch (text.trim().toLowerCase(Locale.ROOT)) {
            case "true" -> true;
            case "false" -> false;
            default -> throw new IllegalArgumentException("must be true or false");
        };
    }
}
