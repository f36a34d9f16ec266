package dev.ratelimit.limiter;

/** Takes tokens from the bucket of one client under one policy, atomically across every instance. */
public interface RateLimiter {

    /**
     * @throws LimiterUnavailableException when the store cannot decide (down, slow, erroring)
     */
    Decision acquire(String policy, ClientId client, BucketLimits limits, long cost);
}
