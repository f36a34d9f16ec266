package dev.ratelimit.integration.http;

import java.util.Locale;

/**
 * Where the built-in resolver reads a request's client id from, as a policy's {@code client-id} property
 * says: {@code header:<Name>}, {@code principal} or {@code remote-address}; or {@code none}, for a policy that limits
 * its endpoints as a whole and reads no client id.
 *
 * @param kind   the source
 * @param header the header's name when {@code kind} is {@link Kind#HEADER}, else null
 */
public record ClientIdSource(Kind kind, String header) {

    public enum Kind {
        HEADER,
        PRINCIPAL,
        REMOTE_ADDRESS,
        NONE
    }

    public static final ClientIdSource PRINCIPAL = new ClientIdSource(Kind.PRINCIPAL, null);
    public static final ClientIdSource REMOTE_ADDRESS = new ClientIdSource(Kind.REMOTE_ADDRESS, null);
    public static final ClientIdSource NONE = new ClientIdSource(Kind.NONE, null);

    private static final String HEADER_PREFIX = "header:";

    public ClientIdSource {
        if ((kind == Kind.HEADER) != (header != null && !header.isBlank())) {
            throw new IllegalArgumentException("needs a header name exactly when it reads a header");
        }
    }

    /** Whether the policy limits its endpoints as a whole: one bucket for every caller. */
    public boolean wholeEndpoint() {
        return kind == Kind.NONE;
    }

    public static ClientIdSource header(String name) {
        return new ClientIdSource(Kind.HEADER, name);
    }

    /**
     * Reads a {@code client-id} value.
     *
     * @param text as written in config, case-insensitive but for the header name
     * @throws IllegalArgumentException naming the accepted forms
     */
    public static ClientIdSource parse(String text) {
        String trimmed = text.trim();
        String lower = trimmed.toLowerCase(Locale.ROOT);
        if (lower.startsWith(HEADER_PREFIX)
                && !trimmed.substring(HEADER_PREFIX.length()).isBlank()) {
            return header(trimmed.substring(HEADER_PREFIX.length()).trim());
        }
        return switch (lower) {
            case "principal" -> PRINCIPAL;
            case "remote-address" -> REMOTE_ADDRESS;
            case "none" -> NONE;
            default ->
                throw new IllegalArgumentException("must be header:<Header-Name>, principal, remote-address or none");
        };
    }

    /** How the source is written in config, e.g. {@code header:X-Client-Id}. */
    @Override
    public String toString() {
        return switch (kind) {
            case HEADER -> HEADER_PREFIX + header;
            case PRINCIPAL -> "principal";
            case REMOTE_ADDRESS -> "remote-address";
            case NONE -> "none";
        };
    }
}
