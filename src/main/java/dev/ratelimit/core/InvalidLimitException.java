package dev.ratelimit.core;

/** A policy value that can never work; {@link #property()} names the policy property at fault. */
public final class InvalidLimitException extends IllegalArgumentException {

    private final String property;

    public InvalidLimitException(String property, String message) {
        super(property + " " + message);
        this.property = property;
    }

    public String property() {
        return property;
    }
}
