package dev.ratelimit.core;

import java.util.Objects;

/** The store could not decide; the policy's {@link FailureMode} applies. */
public final class LimiterUnavailableException extends RuntimeException {

    private final FailureReason reason;

    public LimiterUnavailableException(FailureReason reason, String message, Throwable cause) {
        // No stack of its own: thrown for every call while Redis is out, and the cause holds where it failed.
        super(message, cause, true, false);
        this.reason = Objects.requireNonNull(reason, "reason");
    }

    public FailureReason reason() {
        return reason;
    }
}
