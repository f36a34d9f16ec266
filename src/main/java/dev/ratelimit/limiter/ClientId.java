package dev.ratelimit.limiter;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
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
        return new ClientId(SAFE.matcher(raw).matches() ? raw : HASHED_MARK + sha256Hex(raw));
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

    private static String sha256Hex(String text) {
        try {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            return HexFormat.of().formatHex(digest.digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java runtime has SHA-256", e);
        }
    }
}
