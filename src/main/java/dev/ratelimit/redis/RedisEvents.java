package dev.ratelimit.redis;

/**
 * What the Redis limiter tells whoever watches it, for metrics: each call comes on the thread of the decision that
 * caused it, so an implementation must be quick and must not throw. Every method does nothing unless overridden.
 */
public interface RedisEvents {

    /** Watches nothing. */
    RedisEvents NONE = new RedisEvents() {};

    /** A node's circuit breaker changed state. */
    default void breakerTransitioned(BreakerState from, BreakerState to) {}

    /** The hot-key shield refused a call of the policy without asking Redis, as Redis had refused the bucket. */
    default void shieldAnswered(String policy) {}

    /** A pipeline of this many calls went to a Redis node in one round trip. */
    default void pipelineSent(int calls) {}
}
