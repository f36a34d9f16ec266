package dev.ratelimit.core;

/**
 * Takes tokens from the bucket of one client under one policy, atomically across every instance that shares
 * the store. A limiter owns the connections it opens: {@link #close()} releases them.
 */
public interface RateLimiter extends AutoCloseable {

    /**
     * Takes {@code policy.cost()} tokens from the client's bucket if it holds that many.
     *
     * @throws LimiterUnavailableException when the store cannot decide (down, slow, erroring)
     */
    Decision acquire(RateLimitPolicy policy, ClientId client);

    /**
     * Decides one call as the policy wants it decided: by the store when it answers, else by the policy's
     * {@link FailureMode}. Never throws {@link LimiterUnavailableException}.
     */
    default Verdict decide(RateLimitPolicy policy, ClientId client) {
        try {
            return Verdict.decided(acquire(policy, client));
        } catch (LimiterUnavailableException failure) {
            return Verdict.undecided(policy.failureMode(), failure);
        }
    }

    /** Releases what the limiter opened; it decides nothing afterwards. */
    @Override
    void close();
}
