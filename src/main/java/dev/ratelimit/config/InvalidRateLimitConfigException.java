package dev.ratelimit.config;

/** Configuration that cannot work; thrown at deployment, so the application does not start with it. */
public final class InvalidRateLimitConfigException extends RuntimeException {

    InvalidRateLimitConfigException(String message) {
        super(message);
    }
}
