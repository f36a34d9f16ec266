package dev.ratelimit.core;

import java.util.List;
import java.util.Optional;

/**
 * Takes tokens from the bucket of one client under one policy. A limiter owns the connections it opens:
 * {@link #close()} releases them. {@link RateLimitDecider} turns its answers, and its failures, into what
 * each policy wants.
 */
public interface RateLimiter extends AutoCloseable {

    /**
     * Takes {@code policy.cost()} tokens from the client's bucket if it holds that many.
     *
     * @throws LimiterUnavailableException when the store cannot decide (down, slow, erroring)
     */
    Decision acquire(RateLimitPolicy policy, ClientId client);

    /**
     * Decides a call under several policies in one step, when the store can: takes every charge's cost, or none.
     *
     * @return empty when the store cannot decide these charges together (their buckets are on different shards, or
     *     a policy leases): they are then decided one by one
     * @throws LimiterUnavailableException when the store cannot decide (down, slow, erroring)
     */
    default Optional<JointDecision> acquireTogether(List<Charge> charges) {
        return Optional.empty();
    }

    /**
     * Gives back the tokens {@link #acquire} took for one call, to every band of the client's bucket, up to what it
     * holds at most: for a call that another policy, decided after this one, refused.
     *
     * @throws LimiterUnavailableException when the store cannot do it (down, slow, erroring)
     */
    void giveBack(RateLimitPolicy policy, ClientId client);

    /**
     * Fills the client's bucket under the policy again, every band of it, as if the client had never called: to
     * unblock a customer, or to start a test from a known state.
     *
     * @throws LimiterUnavailableException when the store cannot do it (down, slow, erroring)
     */
    void reset(RateLimitPolicy policy, ClientId client);

    /** Releases what the limiter opened; it decides nothing afterwards. */
    @Override
    void close();
}
