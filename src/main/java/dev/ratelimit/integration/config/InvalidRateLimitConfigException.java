package dev.ratelimit.integration.config;

import java.util.List;

/**
 * Configuration that cannot work, found while the application deploys so that it does not start with it.
 * Each problem is one line that names the key at fault and, where one is concerned, the method.
 */
public final class InvalidRateLimitConfigException extends RuntimeException {

    private static final String PREFIX = "Invalid rate limit configuration";

    private final List<String> problems;

    /** @param problem what is wrong, naming the key at fault */
    public InvalidRateLimitConfigException(String problem) {
        this(List.of(PREFIX + ": " + problem));
    }

    private InvalidRateLimitConfigException(List<String> problems) {
        super(String.join("\n", problems));
        this.problems = List.copyOf(problems);
    }

    static InvalidRateLimitConfigException forEndpoint(Endpoint endpoint, String problem) {
        return new InvalidRateLimitConfigException(List.of(PREFIX + " for " + endpoint + ": " + problem));
    }

    /** Several problems found in one pass, reported together. */
    static InvalidRateLimitConfigException combining(List<InvalidRateLimitConfigException> found) {
        return new InvalidRateLimitConfigException(
                found.stream().flatMap(e -> e.problems().stream()).toList());
    }

    /** One message per problem. */
    public List<String> problems() {
        return problems;
    }
}
