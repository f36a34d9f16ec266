package dev.ratelimit.redis;

import dev.ratelimit.core.ClientId;
import dev.ratelimit.core.RateLimitPolicy;

import java.util.regex.Pattern;

/**
 * The key layout: {@code <prefix>{<policy>:<client>}}. The braces are a Redis Cluster hash tag, so a bucket's
 * key always lives on one node; neither a policy name nor a {@link ClientId} can hold a brace, and a policy
 * name holds no ':', so the tag splits one way only.
 */
final class BucketKeys {

    private static final Pattern PREFIX = Pattern.compile("[^{}\\s]{0,64}");

    private final String prefix;

    BucketKeys(String prefix) {
        this.prefix = requireValidPrefix(prefix);
    }

    static String requireValidPrefix(String prefix) {
        if (prefix == null || !PREFIX.matcher(prefix).matches()) {
            throw new IllegalArgumentException("must be at most 64 characters without braces or spaces, was '"
                    + prefix + "'");
        }
        return prefix;
    }

    String keyFor(RateLimitPolicy policy, ClientId client) {
        return prefix + '{' + policy.name() + ':' + client.value() + '}';
    }
}
