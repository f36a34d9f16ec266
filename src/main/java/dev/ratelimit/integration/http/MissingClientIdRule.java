package dev.ratelimit.integration.http;

import java.util.Locale;

/** What a policy does with a request that carries no client id: its {@code missing-client-id} property. */
public enum MissingClientIdRule {
    /** Answer 400 Bad Request naming what is missing. */
    REJECT,
    /** Count the request against one bucket shared by every caller without an id. */
    ANONYMOUS;

    /**
     * Reads a {@code missing-client-id} value.
     *
     * @throws IllegalArgumentException naming the accepted values
     */
    public static MissingClientIdRule parse(String text) {
        return switch (text.trim().toLowerCase(Locale.ROOT)) {
            case "reject" -> REJECT;
            case "anonymous" -> ANONYMOUS;
            default -> throw new IllegalArgumentException("must be reject or anonymous");
        };
    }
}
