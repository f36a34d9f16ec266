package dev.ratelimit.limiter;

import java.util.regex.Pattern;

/**
 * A client's id in the form it takes inside a Redis key. Ids come from requests, so they are bounded: one
 * that is too long or holds a character outside a small safe set is replaced by its SHA-256, marked with a
 * character outside that set, so that no raw id can equal a hashed one, nor the {@link #ANONYMOUS} id.
 */
public final class ClientId {

    public static final int MAX_LENGTH = 64;

    /** The id shared by every caller without one, under the {@code anonymous} missing-id rule. */
    public static final ClientId ANONYMOUS = new ClientId("~anonymous");

    private static final Pattern SAFE = Pattern.compile("[A-Za-z0-9._:@-]{1," + MAX_LENGTH + "}");
    private static final String HASHED_MARK = "~";

    private final String keyPart;

    private ClientId(String keyPart) {
        this.keyPart = keyPart;
    }

    public static ClientId of(String raw) {
        return new ClientId(SAFE.matcher(raw).matches() ? raw : HASHED_MARK + Digests.hex("SHA-256", raw));
    }

    /** The id as it appears in the bucket's key. */
    public String keyPart() {
        return keyPart;
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof ClientId id && id.keyPart.equals(keyPart);
    }

    @Override
    public int hashCode() {
        return keyPart.hashCode();
    }

    @Override
    public String toString() {
        return keyPart;
    }
}
