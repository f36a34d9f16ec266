package dev.ratelimit.core;

/** What a policy does with a call when the store cannot decide (down, slow, erroring). */
public enum FailureMode {
    /** Let the call through, undecided. */
    OPEN,
    /** Refuse the call. */
    CLOSED,
    /**
     * Decide it with a bucket held in this instance's memory, sized for this instance's share of the policy
     * (see {@link RateLimitDecider}): still a limit, though per instance and approximate.
     */
    LOCAL
}
