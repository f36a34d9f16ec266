package dev.ratelimit.integration.config;

import dev.ratelimit.core.RateLimitPolicy;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.eclipse.microprofile.config.Config;
import org.eclipse.microprofile.config.spi.ConfigSource;

/**
 * Everything the limiter reads from MicroProfile Config, read and checked while the application deploys, and
 * again on each reload: the shared settings and the policy of every {@code @RateLimited} method.
 *
 * @param warnings what was allowed but should be logged
 */
public record RateLimitConfiguration(
        LimiterSettings settings, EndpointPolicies endpointPolicies, List<String> warnings) {

    /**
     * Reads and checks everything, collecting every problem before failing.
     *
     * @param endpoints every {@code @RateLimited} method the deployment holds
     * @throws InvalidRateLimitConfigException listing every problem found, each naming its key
     */
    public static RateLimitConfiguration read(Config config, Collection<Endpoint> endpoints) {
        List<InvalidRateLimitConfigException> problems = new ArrayList<>();
        for (YamlConfigSource yaml : yamlSources(config)) {
            yaml.problem().ifPresent(problem -> problems.add(new InvalidRateLimitConfigException(problem)));
        }
        if (!problems.isEmpty()) {
            // Without the file's keys, every other check would only report what its absence causes.
            throw InvalidRateLimitConfigException.combining(problems);
        }
        LimiterSettings settings = null;
        try {
            settings = LimiterSettings.read(config);
        } catch (InvalidRateLimitConfigException e) {
            problems.add(e);
        }
        PolicyResolver resolver = new PolicyResolver(config);
        Map<Endpoint, EndpointPolicy> byEndpoint = new LinkedHashMap<>();
        Map<String, Endpoint> firstUseOfPolicy = new HashMap<>();
        for (Endpoint endpoint : endpoints) {
            try {
                EndpointPolicy resolved = resolver.resolve(endpoint);
                byEndpoint.put(endpoint, resolved);
                Endpoint firstUse =
                        firstUseOfPolicy.putIfAbsent(resolved.policy().name(), endpoint);
                if (firstUse != null) {
                    checkSameLimits(firstUse, byEndpoint.get(firstUse), endpoint, resolved, problems);
                }
            } catch (InvalidRateLimitConfigException e) {
                problems.add(e);
            }
        }
        String allowUnusedText = config.getOptionalValue(UnknownKeys.ALLOW_UNUSED_POLICIES, String.class)
                .orElse("false");
        boolean allowUnused = false;
        try {
            allowUnused = PolicyResolver.bool(allowUnusedText);
        } catch (IllegalArgumentException e) {
            problems.add(new InvalidRateLimitConfigException(
                    UnknownKeys.ALLOW_UNUSED_POLICIES + "=" + allowUnusedText + ": " + e.getMessage()));
        }
        UnknownKeys unknownKeys = new UnknownKeys(endpoints);
        problems.addAll(unknownKeys.check(PropertyNames.of(config), namesOnlyInYaml(config), allowUnused));
        if (!problems.isEmpty()) {
            throw InvalidRateLimitConfigException.combining(problems);
        }
        return new RateLimitConfiguration(settings, new EndpointPolicies(byEndpoint), unknownKeys.warnings());
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
            Endpoint first,
            EndpointPolicy firstPolicy,
            Endpoint other,
            EndpointPolicy otherPolicy,
            List<InvalidRateLimitConfigException> problems) {
        RateLimitPolicy firstShape = firstPolicy.policy();
        RateLimitPolicy otherShape = otherPolicy.policy();
        if (!firstShape.limits().equals(otherShape.limits())
                || !firstShape.extraBands().equals(otherShape.extraBands())) {
            problems.add(new InvalidRateLimitConfigException("policy '" + firstShape.name() + "' is shared by "
                    + first + " " + shapeOf(firstShape) + " and " + other + " " + shapeOf(otherShape)
                    + ": methods naming one policy share its buckets, so give them the same capacity, refill and"
                    + " bands"));
        }
    }

    private static String shapeOf(RateLimitPolicy policy) {
        return policy.limits() + (policy.extraBands().isEmpty() ? "" : " " + policy.extraBands());
    }
}
