package dev.ratelimit.core;

/** What a policy does with a call when the store cannot decide (down, slow, erroring). */
public enum FailureMode {
    /** Let the call through, undecided. */
    OPEN,
    /** Refuse the call. */
    CLOSED
}
