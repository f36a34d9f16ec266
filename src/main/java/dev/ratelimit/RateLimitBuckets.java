package dev.ratelimit;

import dev.ratelimit.core.BucketState;

/**
 * The buckets of the application's policies, for support and tests: inject it ({@code @Inject RateLimitBuckets
 * buckets;}) to see how much of a limit a client has left, or to fill a client's bucket again.
 *
 * <p>A client is named by the id the policy reads from its requests (the {@code X-Client-Id} header's value, the
 * principal's name, the caller's address, or what the application's {@link ClientIdResolver} answers), before any
 * hashing: the limiter stores it as it stores a request's. A policy with {@code client-id: none} has one bucket for
 * every caller: any client id, {@code null} included, names it.
 */
public interface RateLimitBuckets {

    /**
     * The client's bucket under the policy as Redis holds it now, every band of it, read without taking anything.
     *
     * @param policy   a policy some {@code @RateLimited} method uses, e.g. {@code orders}, or
     *                 {@code <fully.qualified.Class>/<method>} for a method that is its own policy
     * @param clientId the client's id as its requests carry it
     * @throws IllegalArgumentException when no {@code @RateLimited} method uses the policy
     * @throws dev.ratelimit.core.LimiterUnavailableException when Redis cannot answer, with the reason
     */
    BucketState state(String policy, String clientId);

    /**
     * Fills the client's bucket under the policy again, every band of it, in Redis and in this instance's local
     * buckets: its next call is decided as if it had never called. Another instance's hot-key shield may refuse the
     * client until the retry-after Redis last gave it, at most the time one call's cost takes to refill.
     *
     * @throws IllegalArgumentException when no {@code @RateLimited} method uses the policy
     * @throws dev.ratelimit.core.LimiterUnavailableException when Redis cannot do it, with the reason
     */
    void reset(String policy, String clientId);
}
