package dev.ratelimit.limiter;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.regex.Pattern;

/**
 * Builds Redis keys of the form {@code <prefix>{<policy>:<client>}}. The braces are a Redis Cluster hash
 * tag, so a bucket's key always lives on one node. Client ids come from requests, so they are bounded:
 * an id that is too long or holds a character outside a small safe set is replaced by its SHA-256, marked
 * with a character outside that set so that no raw id can equal a hashed one.
 */
public final class BucketKeys {

    public static final int MAX_CLIENT_ID_LENGTH = 64;

    /** The id shared by every caller without one, under the {@code anonymous} missing-id rule. */
    public static final String ANONYMOUS_CLIENT_ID = "anonymous";

    private static final Pattern SAFE_CLIENT_ID = Pattern.compile("[A-Za-z0-9._:@-]{1," + MAX_CLIENT_ID_LENGTH + "}");
    private static final String HASHED_ID_MARK = "~";

    /** No ':' so that {@code {policy:client}} splits one way only. */
    private static final Pattern POLICY_NAME = Pattern.compile("[A-Za-z0-9._/-]{1,200}");
    private static final Pattern KEY_PREFIX = Pattern.compile("[^{}\\s]{0,64}");

    private final String prefix;

    public BucketKeys(String prefix) {
        if (prefix == null || !KEY_PREFIX.matcher(prefix).matches()) {
            throw new IllegalArgumentException("key prefix must be at most 64 characters without braces or spaces, was '"
                    + prefix + "'");
        }
        this.prefix = prefix;
    }

    public String keyFor(String policy, String clientId) {
        return prefix + '{' + policy + ':' + safeClientId(clientId) + '}';
    }

    static String safeClientId(String clientId) {
        if (SAFE_CLIENT_ID.matcher(clientId).matches()) {
            return clientId;
        }
        return HASHED_ID_MARK + sha256Hex(clientId);
    }

    static void requireValidPolicyName(String name) {
        if (name == null || !POLICY_NAME.matcher(name).matches()) {
            throw new InvalidLimitException("name", "must be 1 to 200 of the characters A-Z a-z 0-9 . _ / -, was '"
                    + name + "'");
        }
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
