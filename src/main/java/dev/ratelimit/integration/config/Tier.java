package dev.ratelimit.integration.config;

import dev.ratelimit.core.RateLimitPolicy;
import java.util.Objects;
import java.util.Optional;

/**
 * The limits a policy gives one kind of client: the policy's own bucket (the same Redis key, so that a client whose
 * tier changes keeps its tokens) with this tier's capacity, refill, cost and bands; or none at all.
 *
 * @param name      as configured, {@code tiers.<name>.*}: lower-case letters and digits
 * @param limitedBy the policy as this tier's calls are decided by; empty for an unlimited tier
 */
public record Tier(String name, Optional<RateLimitPolicy> limitedBy) {

    public Tier {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(limitedBy, "limitedBy");
    }

    public boolean unlimited() {
        return limitedBy.isEmpty();
    }
}
