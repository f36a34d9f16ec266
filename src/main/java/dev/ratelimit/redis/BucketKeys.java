package dev.ratelimit.redis;

import dev.ratelimit.core.ClientId;
import dev.ratelimit.core.RateLimitPolicy;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * The key layout: {@code <prefix>{<policy>:<client>}}, and {@code <prefix>{<policy>:<client>}:<band>} for a
 * policy's further bands; {@code <prefix>{<policy>}} for a policy limited as a whole ({@link ClientId#EVERYONE}). The braces are a Redis Cluster hash tag, so a bucket's
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
            throw new IllegalArgumentException(
                    "must be at most 64 characters without braces or spaces, was '" + prefix + "'");
        }
        return prefix;
    }

    /**
     * The bucket of each of the policy's bands: the first, the policy's own, is {@code <prefix>{<policy>:<client>}}
     * as with a single band; each further band adds {@code :<band>} after the tag, so that all share one slot.
     */
    List<String> keysFor(RateLimitPolicy policy, ClientId client) {
        String first = keyFor(policy, client);
        if (policy.extraBands().isEmpty()) {
            return List.of(first);
        }
        List<String> keys = new ArrayList<>(policy.bandCount());
        keys.add(first);
        policy.extraBands().forEach(band -> keys.add(first + ':' + band.name()));
        return keys;
    }

    /** The bucket of the policy's own band: the key that places them all. */
    String keyFor(RateLimitPolicy policy, ClientId client) {
        if (client.equals(ClientId.EVERYONE)) {
            return prefix + '{' + policy.name() + '}';
        }
        return prefix + '{' + policy.name() + ':' + client.value() + '}';
    }
}
