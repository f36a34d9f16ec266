package dev.ratelimit.redis;

/** The circuit breaker around Redis calls. */
public enum BreakerState {
    /** Every decision asks Redis. */
    CLOSED,
    /** No decision asks Redis, for the breaker's open duration: each follows its policy's failure mode. */
    OPEN,
    /** A few decisions ask Redis again; their outcome closes or reopens the breaker. */
    HALF_OPEN
}
