package dev.ratelimit.core;

import java.util.Objects;
import java.util.regex.Pattern;

/**
 * A named limit: the bucket's shape, what one call costs, and what to do when the store cannot decide. It
 * says nothing about who the caller is; whoever calls the {@link RateLimiter} names the {@link ClientId}.
 *
 * @param name        the bucket family: calls under one name share one bucket per client
 * @param limits      the bucket's shape
 * @param cost        tokens one call takes, between 1 and the capacity
 * @param failureMode what a decision becomes when the store cannot make it
 */
public record RateLimitPolicy(String name, BucketLimits limits, long cost, FailureMode failureMode) {

    /**
     * Names travel inside Redis keys (within a Cluster hash tag, split from the client id at ':') and inside
     * the quoted {@code RateLimit-Policy} header item: no braces, colons, quotes or spaces. '/' and '$' let a
     * method be its own policy, named {@code <fully.qualified.Class>/<method>}.
     */
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9._/$-]{1,200}");

    public RateLimitPolicy {
        if (name == null || !NAME.matcher(name).matches()) {
            throw new InvalidLimitException("name", "must be 1 to 200 of the characters A-Z a-z 0-9 . _ / $ -, was '"
                    + name + "'");
        }
        Objects.requireNonNull(limits, "limits");
        Objects.requireNonNull(failureMode, "failureMode");
        if (cost < 1) {
            throw new InvalidLimitException("cost", "must be at least 1, was " + cost);
        }
        if (cost > limits.capacity()) {
            throw new InvalidLimitException("cost", "must not exceed capacity " + limits.capacity()
                    + ", was " + cost + ": such a call could never be allowed");
        }
    }
}
