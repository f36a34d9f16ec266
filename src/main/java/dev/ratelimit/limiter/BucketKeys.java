package dev.ratelimit.limiter;

import java.util.regex.Pattern;

/**
 * Builds Redis keys of the form {@code <prefix>{<policy>:<client>}}. The braces are a Redis Cluster hash
 * tag, so a bucket's key always lives on one node; neither a policy name nor a {@link ClientId} can hold
 * a brace.
 */
public final class BucketKeys {

    /** No ':' so that {@code {policy:client}} splits one way only; '$' for nested classes' unnamed policies. */
    private static final Pattern POLICY_NAME = Pattern.compile("[A-Za-z0-9._/$-]{1,200}");
    private static final Pattern KEY_PREFIX = Pattern.compile("[^{}\\s]{0,64}");

    private final String prefix;

    public BucketKeys(String prefix) {
        if (prefix == null || !KEY_PREFIX.matcher(prefix).matches()) {
            throw new IllegalArgumentException("key prefix must be at most 64 characters without braces or spaces, was '"
                    + prefix + "'");
        }
        this.prefix = prefix;
    }

    public String keyFor(String policy, ClientId client) {
        return prefix + '{' + policy + ':' + client.keyPart() + '}';
    }

    static void requireValidPolicyName(String name) {
        if (name == null || !POLICY_NAME.matcher(name).matches()) {
            throw new InvalidLimitException("name", "must be 1 to 200 of the characters A-Z a-z 0-9 . _ / $ -, was '"
                    + name + "'");
        }
    }
}
