package dev.ratelimit.integration.config;

import java.util.Locale;

/**
 * How far a policy acts on its decisions. Declared from least to most enforcing: the global
 * {@code ratelimit.mode} caps every policy's own, so that one key can switch all of them to shadow or off.
 */
public enum Mode {
    /** Not decided at all: every call runs, nothing is counted, no header is sent. */
    OFF,
    /**
     * Decided and counted, but never refused: a call the policy would refuse runs, is counted as
     * {@code shadow_blocked} and logged at a throttled rate, and gets no rate-limit header.
     */
    SHADOW,
    /** Decided and acted on. */
    ENFORCE;

    static Mode parse(String text) {
        return switch (text.trim().toLowerCase(Locale.ROOT)) {
            case "enforce" -> ENFORCE;
            case "shadow" -> SHADOW;
            case "off" -> OFF;
            default -> throw new IllegalArgumentException("must be enforce, shadow or off");
        };
    }

    /** This mode, or the cap when the cap enforces less. */
    Mode cappedBy(Mode cap) {
        return compareTo(cap) <= 0 ? this : cap;
    }
}
