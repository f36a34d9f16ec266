package dev.ratelimit.core;

import java.util.Objects;

/**
 * Decides each call as its policy wants it decided: by the shared store when it answers, else by the
 * policy's {@link FailureMode}. For {@link FailureMode#LOCAL} that is the local limiter, which the caller
 * sizes for one instance's share; it is asked only while the store cannot decide, so its buckets start
 * full when an outage begins.
 */
public final class RateLimitDecider implements AutoCloseable {

    private final RateLimiter store;
    private final RateLimiter local;

    /**
     * @param store the limiter shared by every instance
     * @param local the limiter of this instance alone, for {@link FailureMode#LOCAL} policies
     */
    public RateLimitDecider(RateLimiter store, RateLimiter local) {
        this.store = Objects.requireNonNull(store, "store");
        this.local = Objects.requireNonNull(local, "local");
    }

    /** Never throws {@link LimiterUnavailableException}: a failure becomes part of the verdict. */
    public Verdict decide(RateLimitPolicy policy, ClientId client) {
        try {
            return Verdict.decided(store.acquire(policy, client));
        } catch (LimiterUnavailableException failure) {
            return switch (policy.failureMode()) {
                case OPEN -> Verdict.undecided(true, failure);
                case CLOSED -> Verdict.undecided(false, failure);
                case LOCAL -> Verdict.decidedLocally(local.acquire(policy, client), failure);
            };
        }
    }

    /**
     * Fills the client's bucket under the policy again, in the store and in this instance's own buckets.
     *
     * @throws LimiterUnavailableException when the store cannot do it; the local bucket is filled even then
     */
    public void reset(RateLimitPolicy policy, ClientId client) {
        try {
            store.reset(policy, client);
        } finally {
            local.reset(policy, client);
        }
    }

    /** Closes both limiters. */
    @Override
    public void close() {
        try {
            store.close();
        } finally {
            local.close();
        }
    }

    @Override
    public String toString() {
        return "RateLimitDecider[store=" + store + ", local=" + local + "]";
    }
}
