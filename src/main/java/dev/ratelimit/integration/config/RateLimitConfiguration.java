package dev.ratelimit.integration.config;

import dev.ratelimit.core.RateLimitPolicy;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import org.eclipse.microprofile.config.Config;
import org.eclipse.microprofile.config.spi.ConfigSource;

/**
 * Everything the limiter reads from MicroProfile Config, read and checked while the application deploys, and
 * again on each reload: the shared settings and the policy of every {@code @RateLimited} method.
 *
 * @param warnings      what was allowed but should be logged
 * @param defaultPolicy {@code ratelimit.default-policy}, read at deployment only: it decides which methods the
 *                      interceptor binds to
 */
public record RateLimitConfiguration(
        LimiterSettings settings,
        EndpointPolicies endpointPolicies,
        List<String> warnings,
        Optional<String> defaultPolicy) {

    /**
     * Reads and checks everything, collecting every problem before failing; keys are named as the process'
     * environment variables write them where a value came from one.
     *
     * @param endpoints every {@code @RateLimited} method the deployment holds
     * @throws InvalidRateLimitConfigException listing every problem found, each naming its key
     */
    public static RateLimitConfiguration read(Config config, Collection<Endpoint> endpoints) {
        return read(config, endpoints, System.getenv(), Optional.empty());
    }

    /**
     * Reads and checks everything again while the application runs, as {@link #read(Config, Collection)} does, with
     * the default policy of the deployment: which methods have it was fixed then.
     */
    public static RateLimitConfiguration reread(
            Config config, Collection<Endpoint> endpoints, RateLimitConfiguration deployed) {
        return read(config, endpoints, System.getenv(), Optional.of(deployed));
    }

    static RateLimitConfiguration read(Config config, Collection<Endpoint> endpoints, Map<String, String> environment) {
        return read(config, endpoints, environment, Optional.empty());
    }

    /**
     * Reads and checks everything, as {@link #read(Config, Collection)} does.
     *
     * @param environment     the environment variables the configuration's environment source reads
     * @param deployed        the configuration in force, on a reload; empty at deployment
     */
    private static RateLimitConfiguration read(
            Config config,
            Collection<Endpoint> endpoints,
            Map<String, String> environment,
            Optional<RateLimitConfiguration> deployed) {
        List<InvalidRateLimitConfigException> problems = new ArrayList<>();
        for (YamlConfigSource yaml : yamlSources(config)) {
            yaml.problem().ifPresent(problem -> problems.add(new InvalidRateLimitConfigException(problem)));
        }
        if (!problems.isEmpty()) {
            // Without the file's keys, every other check would only report what its absence causes.
            throw InvalidRateLimitConfigException.combining(problems);
        }
        WrittenKeys written = new WrittenKeys(environment);
        LimiterSettings settings = null;
        try {
            settings = LimiterSettings.read(config, written);
        } catch (InvalidRateLimitConfigException e) {
            problems.add(e);
        }
        Mode globalMode = global(config, written, ConfigKeys.GLOBAL_MODE, problems);
        boolean allowUnused = global(config, written, ConfigKeys.ALLOW_UNUSED_POLICIES, problems);
        Optional<String> defaultPolicy = deployed.isPresent()
                ? deployed.get().defaultPolicy()
                : configured(config, written, ConfigKeys.DEFAULT_POLICY, problems);
        PolicyResolver resolver = new PolicyResolver(config, written, globalMode, defaultPolicy);
        Map<Endpoint, List<EndpointPolicy>> byEndpoint = new LinkedHashMap<>();
        Map<String, PolicyUse> firstUseOfPolicy = new HashMap<>();
        for (Endpoint endpoint : endpoints) {
            try {
                List<EndpointPolicy> resolved = resolver.resolve(endpoint);
                byEndpoint.put(endpoint, resolved);
                for (EndpointPolicy policy : resolved) {
                    PolicyUse use = new PolicyUse(endpoint, policy);
                    PolicyUse firstUse =
                            firstUseOfPolicy.putIfAbsent(policy.policy().name(), use);
                    if (firstUse != null) {
                        checkSameLimits(firstUse, use, problems);
                    }
                }
            } catch (InvalidRateLimitConfigException e) {
                problems.add(e);
            }
        }
        UnknownKeys unknownKeys = new UnknownKeys(endpoints, defaultPolicy, written);
        problems.addAll(unknownKeys.check(PropertyNames.of(config), namesOnlyInYaml(config), allowUnused));
        if (!problems.isEmpty()) {
            throw InvalidRateLimitConfigException.combining(problems);
        }
        return new RateLimitConfiguration(
                settings, new EndpointPolicies(byEndpoint), unknownKeys.warnings(), defaultPolicy);
    }

    /** A global switch, configured or by default; a value that cannot work is a problem, and the default applies. */
    private static <T> T global(
            Config config, WrittenKeys written, ConfigKeys.Key<T> key, List<InvalidRateLimitConfigException> problems) {
        return configured(config, written, key, problems).or(key::builtIn).orElseThrow();
    }

    /** A key's configured value, if any; a value that cannot work is a problem, and counts as not set. */
    private static <T> Optional<T> configured(
            Config config, WrittenKeys written, ConfigKeys.Key<T> key, List<InvalidRateLimitConfigException> problems) {
        Optional<String> configured = config.getOptionalValue(key.name(), String.class);
        if (configured.isPresent()) {
            try {
                return Optional.of(key.parse(configured.get()));
            } catch (IllegalArgumentException e) {
                problems.add(new InvalidRateLimitConfigException(
                        written.of(key.name(), configured.get()) + "=" + configured.get() + ": " + e.getMessage()));
            }
        }
        return Optional.empty();
    }

    static List<YamlConfigSource> yamlSources(Config config) {
        List<YamlConfigSource> yamlSources = new ArrayList<>();
        for (ConfigSource source : config.getConfigSources()) {
            if (source instanceof YamlConfigSource yaml) {
                yamlSources.add(yaml);
            }
        }
        return yamlSources;
    }

    /** Names that only YAML files hold: read word for word, they are not environment-variable spellings. */
    private static Set<String> namesOnlyInYaml(Config config) {
        Set<String> inYaml = new HashSet<>();
        Set<String> elsewhere = new HashSet<>();
        for (ConfigSource source : config.getConfigSources()) {
            (source instanceof YamlConfigSource ? inYaml : elsewhere).addAll(source.getPropertyNames());
        }
        inYaml.removeAll(elsewhere);
        return inYaml;
    }

    /**
     * Methods naming one policy share its bucket; a method- or class-level key must not give them different
     * shapes for it (their costs may differ).
     */
    private static void checkSameLimits(
            PolicyUse first, PolicyUse other, List<InvalidRateLimitConfigException> problems) {
        RateLimitPolicy firstShape = first.policy().policy();
        RateLimitPolicy otherShape = other.policy().policy();
        if (!firstShape.limits().equals(otherShape.limits())
                || !firstShape.extraBands().equals(otherShape.extraBands())
                || !tierShapes(first.policy().tiering())
                        .equals(tierShapes(other.policy().tiering()))) {
            problems.add(new InvalidRateLimitConfigException("policy '" + firstShape.name() + "' is shared by "
                    + first.endpoint() + " " + shapeOf(firstShape) + " and " + other.endpoint() + " "
                    + shapeOf(otherShape)
                    + ": methods naming one policy share its buckets, so give them the same capacity, refill,"
                    + " bands and tiers"));
        }
    }

    /** A method and one of its policies. */
    private record PolicyUse(Endpoint endpoint, EndpointPolicy policy) {}

    private static String shapeOf(RateLimitPolicy policy) {
        return policy.limits() + (policy.extraBands().isEmpty() ? "" : " " + policy.extraBands());
    }

    /** Each tier's bucket shape (a cost is the call's), or {@code unlimited}, by name. */
    private static Map<String, String> tierShapes(Tiering tiering) {
        Map<String, String> shapes = new TreeMap<>();
        tiering.tiers()
                .forEach(tier -> shapes.put(
                        tier.name(),
                        tier.limitedBy().map(RateLimitConfiguration::shapeOf).orElse("unlimited")));
        return shapes;
    }
}
