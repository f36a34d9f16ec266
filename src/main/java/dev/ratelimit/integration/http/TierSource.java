package dev.ratelimit.integration.http;

import java.util.Locale;

/**
 * Where a policy reads a request's tier from, as its {@code tier} property says: {@code header:<Name>}, {@code role}
 * (the first of the policy's tiers the caller is in the role of, as {@code isUserInRole} tells), {@code resolver}
 * (the application's {@code TierResolver} bean), or {@code none}: the policy has no tiers.
 *
 * @param kind   the source
 * @param header the header's name when {@code kind} is {@link Kind#HEADER}, else null
 */
public record TierSource(Kind kind, String header) {

    public enum Kind {
        HEADER,
        ROLE,
        RESOLVER,
        NONE
    }

    public static final TierSource ROLE = new TierSource(Kind.ROLE, null);
    public static final TierSource RESOLVER = new TierSource(Kind.RESOLVER, null);
    public static final TierSource NONE = new TierSource(Kind.NONE, null);

    private static final String HEADER_PREFIX = "header:";

    public TierSource {
        if ((kind == Kind.HEADER) != (header != null && !header.isBlank())) {
            throw new IllegalArgumentException("needs a header name exactly when it reads a header");
        }
    }

    /**
     * Reads a {@code tier} value.
     *
     * @param text as written in config, case-insensitive but for the header name
     * @throws IllegalArgumentException naming the accepted forms
     */
    public static TierSource parse(String text) {
        String trimmed = text.trim();
        String lower = trimmed.toLowerCase(Locale.ROOT);
        if (lower.startsWith(HEADER_PREFIX)
                && !trimmed.substring(HEADER_PREFIX.length()).isBlank()) {
            return new TierSource(
                    Kind.HEADER, trimmed.substring(HEADER_PREFIX.length()).trim());
        }
        return switch (lower) {
            case "role" -> ROLE;
            case "resolver" -> RESOLVER;
            case "none" -> NONE;
            default -> throw new IllegalArgumentException("must be header:<Header-Name>, role, resolver or none");
        };
    }

    /** How the source is written in config, e.g. {@code header:X-Plan}. */
    @Override
    public String toString() {
        return kind == Kind.HEADER ? HEADER_PREFIX + header : kind.name().toLowerCase(Locale.ROOT);
    }
}
