package dev.ratelimit.config;

import dev.ratelimit.RateLimited;
import dev.ratelimit.limiter.BucketLimits;
import dev.ratelimit.limiter.ClientKeySource;
import dev.ratelimit.limiter.FailureMode;
import dev.ratelimit.limiter.InvalidLimitException;
import dev.ratelimit.limiter.MissingClientIdRule;
import dev.ratelimit.limiter.RateLimitPolicy;
import org.eclipse.microprofile.config.Config;

import java.lang.reflect.Method;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Turns a {@code @RateLimited} method and MicroProfile Config into its {@link RateLimitPolicy}. Each
 * property is looked up, first found wins, in:
 * <ol>
 *     <li>{@code <fully.qualified.Class>/<method>/RateLimited/<property>}</li>
 *     <li>{@code <fully.qualified.Class>/RateLimited/<property>}</li>
 *     <li>{@code ratelimit.policies.<name>.<property>}, when the annotation names a policy</li>
 *     <li>the annotation's inline value</li>
 *     <li>{@code ratelimit.defaults.<property>}</li>
 *     <li>the built-in default</li>
 * </ol>
 * Every error names the method and the key whose value is wrong.
 */
public final class PolicyResolver {

    public static final String POLICIES_PREFIX = "ratelimit.policies.";
    public static final String DEFAULTS_PREFIX = "ratelimit.defaults.";

    static final String CAPACITY = "capacity";
    static final String REFILL_TOKENS = "refill-tokens";
    static final String REFILL_PERIOD = "refill-period";
    static final String COST = "cost";
    static final String FAILURE_MODE = "failure-mode";
    static final String KEY = "key";
    static final String MISSING_KEY = "missing-key";
    static final String ENABLED = "enabled";
    static final List<String> PROPERTIES =
            List.of(CAPACITY, REFILL_TOKENS, REFILL_PERIOD, COST, FAILURE_MODE, KEY, MISSING_KEY, ENABLED);

    private static final String HEADER_KEY_PREFIX = "header:";

    private final Config config;

    public PolicyResolver(Config config) {
        this.config = config;
    }

    /**
     * @param beanClass the class whose instance is called: its {@code @RateLimited} applies when the
     *                  method has none, and its name is the {@code <fully.qualified.Class>} of the keys
     */
    public RateLimitPolicy resolve(Class<?> beanClass, Method method) {
        RateLimited annotation = method.isAnnotationPresent(RateLimited.class)
                ? method.getAnnotation(RateLimited.class)
                : beanClass.getAnnotation(RateLimited.class);
        if (annotation == null) {
            throw new IllegalArgumentException(method + " is not @RateLimited, nor is " + beanClass);
        }
        return new MethodLookup(beanClass, method, annotation).policy();
    }

    /** A value and the key (or annotation member, or default) it came from. */
    private record Setting(String source, String value) {
        @Override
        public String toString() {
            return source + "=" + value;
        }
    }

    private final class MethodLookup {

        private final String endpoint;
        private final RateLimited annotation;
        private final String policyName;
        private final List<String> prefixes = new ArrayList<>();
        private final Map<String, Setting> used = new HashMap<>();

        MethodLookup(Class<?> beanClass, Method method, RateLimited annotation) {
            String className = beanClass.getName();
            this.endpoint = className + "#" + method.getName();
            this.annotation = annotation;
            String annotationName = RateLimited.class.getSimpleName();
            prefixes.add(className + "/" + method.getName() + "/" + annotationName + "/");
            prefixes.add(className + "/" + annotationName + "/");
            if (annotation.value().isEmpty()) {
                policyName = className + "/" + method.getName();
            } else {
                policyName = annotation.value();
                prefixes.add(POLICIES_PREFIX + policyName + ".");
            }
            used.put("name", new Setting(annotation.value().isEmpty() ? "policy name" : "@RateLimited(value)",
                    policyName));
        }

        RateLimitPolicy policy() {
            if (!annotation.value().isEmpty() && PROPERTIES.stream()
                    .noneMatch(property -> value(POLICIES_PREFIX + policyName + "." + property).isPresent())) {
                throw new InvalidRateLimitConfigException("Invalid rate limit configuration for " + endpoint
                        + ": @RateLimited(\"" + policyName + "\") names an unknown policy: no "
                        + POLICIES_PREFIX + policyName + ".* key is configured");
            }
            Setting capacity = find(CAPACITY, inline(annotation.capacity()), "capacity")
                    .orElseThrow(this::missingCapacity);
            Setting refillTokens = find(REFILL_TOKENS, inline(annotation.refillTokens()), "refillTokens")
                    .orElse(capacity);
            Setting refillPeriod = find(REFILL_PERIOD, annotation.refillPeriod(), "refillPeriod")
                    .orElse(builtIn("1s"));
            Setting cost = find(COST, inline(annotation.cost()), "cost").orElse(builtIn("1"));
            Setting failureMode = find(FAILURE_MODE).orElse(builtIn("open"));
            Setting key = find(KEY).orElse(builtIn(HEADER_KEY_PREFIX + "X-Client-Id"));
            Setting missingKey = find(MISSING_KEY).orElse(builtIn("reject"));
            Setting enabled = find(ENABLED).orElse(builtIn("true"));
            used.putAll(Map.of(CAPACITY, capacity, REFILL_TOKENS, refillTokens, REFILL_PERIOD, refillPeriod,
                    COST, cost, KEY, key));
            try {
                BucketLimits limits = new BucketLimits(asLong(capacity), asLong(refillTokens), asDuration(refillPeriod));
                return new RateLimitPolicy(policyName, limits, asLong(cost), asFailureMode(failureMode),
                        asKeySource(key), asMissingKeyRule(missingKey), asBoolean(enabled));
            } catch (InvalidLimitException e) {
                throw invalid(used.get(e.property()), e.getMessage());
            }
        }

        private Optional<Setting> find(String property) {
            return find(property, null, null);
        }

        private Optional<Setting> find(String property, String inlineValue, String annotationMember) {
            for (String prefix : prefixes) {
                Optional<Setting> configured = value(prefix + property).map(v -> new Setting(prefix + property, v));
                if (configured.isPresent()) {
                    return configured;
                }
            }
            if (inlineValue != null && !inlineValue.isEmpty()) {
                return Optional.of(new Setting("@RateLimited(" + annotationMember + ")", inlineValue));
            }
            return value(DEFAULTS_PREFIX + property).map(v -> new Setting(DEFAULTS_PREFIX + property, v));
        }

        private InvalidRateLimitConfigException missingCapacity() {
            String where = annotation.value().isEmpty()
                    ? prefixes.get(0) + CAPACITY
                    : POLICIES_PREFIX + policyName + "." + CAPACITY;
            return new InvalidRateLimitConfigException("Invalid rate limit configuration for " + endpoint
                    + ": no capacity is configured for policy '" + policyName + "': set " + where
                    + ", @RateLimited(capacity = ...) or " + DEFAULTS_PREFIX + CAPACITY);
        }

        private InvalidRateLimitConfigException invalid(Setting setting, String problem) {
            return new InvalidRateLimitConfigException("Invalid rate limit configuration for " + endpoint + ": "
                    + setting + ": " + problem);
        }

        private long asLong(Setting setting) {
            try {
                return Long.parseLong(setting.value().trim());
            } catch (NumberFormatException e) {
                throw invalid(setting, "not a whole number");
            }
        }

        private Duration asDuration(Setting setting) {
            try {
                return Durations.parse(setting.value());
            } catch (IllegalArgumentException e) {
                throw invalid(setting, e.getMessage());
            }
        }

        private boolean asBoolean(Setting setting) {
            return switch (normalised(setting)) {
                case "true" -> true;
                case "false" -> false;
                default -> throw invalid(setting, "must be true or false");
            };
        }

        private FailureMode asFailureMode(Setting setting) {
            return switch (normalised(setting)) {
                case "open" -> FailureMode.OPEN;
                case "closed" -> FailureMode.CLOSED;
                default -> throw invalid(setting, "must be open or closed");
            };
        }

        private MissingClientIdRule asMissingKeyRule(Setting setting) {
            return switch (normalised(setting)) {
                case "reject" -> MissingClientIdRule.REJECT;
                case "anonymous" -> MissingClientIdRule.ANONYMOUS;
                default -> throw invalid(setting, "must be reject or anonymous");
            };
        }

        private ClientKeySource asKeySource(Setting setting) {
            String value = setting.value().trim();
            String normalised = normalised(setting);
            if (normalised.startsWith(HEADER_KEY_PREFIX)
                    && !value.substring(HEADER_KEY_PREFIX.length()).isBlank()) {
                return ClientKeySource.header(value.substring(HEADER_KEY_PREFIX.length()).trim());
            }
            return switch (normalised) {
                case "principal" -> ClientKeySource.PRINCIPAL;
                case "remote-address" -> ClientKeySource.REMOTE_ADDRESS;
                default -> throw invalid(setting, "must be header:<Header-Name>, principal or remote-address");
            };
        }
    }

    private Optional<String> value(String key) {
        return config.getOptionalValue(key, String.class);
    }

    private static String inline(long annotationValue) {
        return annotationValue == RateLimited.UNSET ? null : Long.toString(annotationValue);
    }

    private static Setting builtIn(String value) {
        return new Setting("built-in default", value);
    }

    private static String normalised(Setting setting) {
        return setting.value().trim().toLowerCase(Locale.ROOT);
    }
}
