package dev.ratelimit.core;

import java.util.Objects;

/**
 * One policy's part in deciding a call that several policies limit: the policy, and the client whose bucket under
 * it the call takes from.
 */
public record Charge(RateLimitPolicy policy, ClientId client) {

    public Charge {
        Objects.requireNonNull(policy, "policy");
        Objects.requireNonNull(client, "client");
    }
}
