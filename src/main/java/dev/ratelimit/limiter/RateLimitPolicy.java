package dev.ratelimit.limiter;

import java.util.Objects;

/**
 * Everything that decides a call: which bucket, its limits, what one call costs, who the client is and
 * what to do when Redis cannot answer.
 *
 * @param name        the bucket family; calls under the same name share one bucket per client
 * @param limits      the bucket's shape
 * @param cost        tokens one call takes, between 1 and the capacity
 * @param failureMode what to do when Redis cannot decide
 * @param clientKey   where the client id comes from
 * @param missingId   what to do when the request carries no client id
 * @param enabled     false lets every call through undecided
 */
public record RateLimitPolicy(String name, BucketLimits limits, long cost, FailureMode failureMode,
                              ClientKeySource clientKey, MissingClientIdRule missingId, boolean enabled) {

    public RateLimitPolicy {
        BucketKeys.requireValidPolicyName(name);
        Objects.requireNonNull(limits, "limits");
        Objects.requireNonNull(failureMode, "failureMode");
        Objects.requireNonNull(clientKey, "clientKey");
        Objects.requireNonNull(missingId, "missingId");
        if (cost < 1) {
            throw new InvalidLimitException("cost", "must be at least 1, was " + cost);
        }
        if (cost > limits.capacity()) {
            throw new InvalidLimitException("cost", "must not exceed capacity " + limits.capacity()
                    + ", was " + cost + ": such a call could never be allowed");
        }
    }
}
