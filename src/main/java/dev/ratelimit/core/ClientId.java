package dev.ratelimit.core;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.regex.Pattern;

/**
 * Who a call comes from, in a bounded form fit for storage keys. Ids come from requests, so one that is too
 * long or holds a character outside a small safe set is replaced by its SHA-256, marked with a character
 * outside that set, so that no raw id can equal a hashed one, nor the {@link #ANONYMOUS} or {@link #EVERYONE} id. Ids made by a
 * {@link ClientIdSecret} carry a mark of their own, so that they equal neither.
 */
public final class ClientId {

    private static final int MAX_LENGTH = 64;

    /** One id for every caller that has none, where a policy lets such callers share a bucket. */
    public static final ClientId ANONYMOUS = new ClientId("~anonymous");

    /**
     * The id of every caller of a policy that limits its endpoints as a whole, whoever calls: empty, which no
     * request's id can be, so that its buckets are named after the policy alone.
     */
    public static final ClientId EVERYONE = new ClientId("");

    private static final Pattern SAFE = Pattern.compile("[A-Za-z0-9._:@-]{1," + MAX_LENGTH + "}");
    private static final String HASHED_MARK = "~";
    private static final String KEYED_MARK = "#";

    private final String value;

    private ClientId(String value) {
        this.value = value;
    }

    public static ClientId of(String raw) {
        return new ClientId(SAFE.matcher(raw).matches() ? raw : HASHED_MARK + sha256Hex(raw));
    }

    /** @param mac the keyed hash of a raw id, from {@link ClientIdSecret} */
    static ClientId keyed(byte[] mac) {
        return new ClientId(KEYED_MARK + HexFormat.of().formatHex(mac));
    }

    /** The bounded id: the raw one when it was safe, else its marked hash. */
    public String value() {
        return value;
    }

    private static String sha256Hex(String text) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java runtime has SHA-256", e);
        }
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof ClientId id && id.value.equals(value);
    }

    @Override
    public int hashCode() {
        return value.hashCode();
    }

    @Override
    public String toString() {
        return value;
    }
}
