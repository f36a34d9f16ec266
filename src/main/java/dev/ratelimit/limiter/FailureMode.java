package dev.ratelimit.limiter;

/** What a policy does when Redis cannot decide (down, slow, erroring). */
public enum FailureMode {
    /** Let the call through, unlimited, and count a fail-open event. */
    OPEN,
    /** Refuse the call with 503 Service Unavailable. */
    CLOSED
}
