package dev.ratelimit.core;

/** The store could not decide in time; the policy's {@link FailureMode} applies. */
public final class LimiterUnavailableException extends RuntimeException {

    public LimiterUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
