package dev.ratelimit.config;

import dev.ratelimit.RateLimited;

import java.util.ArrayList;
import java.util.List;

/**
 * Finds configured keys that look meant for the rate limiter but that nothing reads: a misspelt property
 * would otherwise leave a policy on its defaults without a word.
 */
final class UnknownKeys {

    private static final String NAMESPACE = "ratelimit.";
    private static final String ANNOTATION_SEGMENT = "/" + RateLimited.class.getSimpleName() + "/";

    private UnknownKeys() {
    }

    /** @return one message per unknown key among these property names */
    static List<String> among(Iterable<String> propertyNames) {
        List<String> problems = new ArrayList<>();
        for (String name : propertyNames) {
            boolean ours = name.startsWith(NAMESPACE) || name.contains(ANNOTATION_SEGMENT);
            if (ours && !isKnown(name)) {
                problems.add("Invalid rate limit configuration: unknown key " + name + "; policy properties are "
                        + String.join(", ", PolicyResolver.PROPERTIES) + ", shared settings "
                        + String.join(", ", LimiterSettings.KEYS.stream().sorted().toList()));
            }
        }
        return problems;
    }

    private static boolean isKnown(String name) {
        if (LimiterSettings.KEYS.contains(name) || name.equals(YamlConfigSource.LOCATION_PROPERTY)) {
            return true;
        }
        if (name.startsWith(PolicyResolver.DEFAULTS_PREFIX)) {
            return PolicyResolver.PROPERTIES.contains(name.substring(PolicyResolver.DEFAULTS_PREFIX.length()));
        }
        if (name.startsWith(PolicyResolver.POLICIES_PREFIX)) {
            String rest = name.substring(PolicyResolver.POLICIES_PREFIX.length());
            int lastDot = rest.lastIndexOf('.');
            return lastDot > 0 && PolicyResolver.PROPERTIES.contains(rest.substring(lastDot + 1));
        }
        int annotation = name.lastIndexOf(ANNOTATION_SEGMENT);
        return annotation > 0
                && PolicyResolver.PROPERTIES.contains(name.substring(annotation + ANNOTATION_SEGMENT.length()));
    }
}
