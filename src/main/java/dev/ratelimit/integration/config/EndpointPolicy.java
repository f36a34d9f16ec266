package dev.ratelimit.integration.config;

import dev.ratelimit.core.RateLimitPolicy;
import dev.ratelimit.integration.http.ClientIdSource;
import dev.ratelimit.integration.http.MissingClientIdRule;
import java.util.Objects;

/**
 * How calls to one {@code @RateLimited} method are limited: the policy the core decides by, plus the HTTP
 * rules for telling who the caller is.
 *
 * @param policy          limits, cost and failure mode
 * @param clientIdSource  where the built-in resolver reads the client id from
 * @param missingClientId what to do with a request that carries none
 * @param mode            whether calls are decided, and whether a refusal is acted on
 * @param tiering         the callers never limited, and the tiers limited otherwise than by {@code policy}
 */
public record EndpointPolicy(
        RateLimitPolicy policy,
        ClientIdSource clientIdSource,
        MissingClientIdRule missingClientId,
        Mode mode,
        Tiering tiering) {

    public EndpointPolicy {
        Objects.requireNonNull(policy, "policy");
        Objects.requireNonNull(clientIdSource, "clientIdSource");
        Objects.requireNonNull(missingClientId, "missingClientId");
        Objects.requireNonNull(mode, "mode");
        Objects.requireNonNull(tiering, "tiering");
    }
}
