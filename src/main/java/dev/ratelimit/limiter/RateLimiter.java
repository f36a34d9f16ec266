package dev.ratelimit.limiter;

/** Takes tokens from the bucket of one client under one policy, atomically across every instance. */
public interface RateLimiter {

    /**
     * @throws LimiterUnavailableException when the store cannot decide (down, slow, erroring)
     */
    Decision acquire(String policy, String clientId, BucketLimits limits, long cost);
}
