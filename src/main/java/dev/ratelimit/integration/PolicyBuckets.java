package dev.ratelimit.integration;

import dev.ratelimit.RateLimitBuckets;
import dev.ratelimit.core.BucketState;
import dev.ratelimit.core.ClientId;
import dev.ratelimit.core.RateLimitDecider;
import dev.ratelimit.integration.config.EndpointPolicies;
import dev.ratelimit.integration.config.EndpointPolicy;
import dev.ratelimit.redis.RedisRateLimiter;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

/**
 * The application's {@link RateLimitBuckets}: the policies in force now, the client named as its requests name it,
 * Redis for the shared bucket and the decider for the local ones too.
 */
@ApplicationScoped
public class PolicyBuckets implements RateLimitBuckets {

    @Inject
    EndpointPolicies endpointPolicies;

    @Inject
    ClientIds clientIds;

    @Inject
    RedisRateLimiter redis;

    @Inject
    RateLimitDecider decider;

    @Override
    public BucketState state(String policy, String clientId) {
        EndpointPolicy endpoint = policyNamed(policy);
        return redis.inspect(endpoint.policy(), client(clientId, endpoint));
    }

    @Override
    public void reset(String policy, String clientId) {
        EndpointPolicy endpoint = policyNamed(policy);
        decider.reset(endpoint.policy(), client(clientId, endpoint));
    }

    private EndpointPolicy policyNamed(String name) {
        return endpointPolicies
                .policyNamed(name)
                .orElseThrow(() -> new IllegalArgumentException("no @RateLimited method uses a policy named '" + name
                        + "'; the policies in use are " + endpointPolicies.policyNames()));
    }

    /**
     * Trimmed as a request's id is, and refused when blank as a request's would be; under a policy limited as a
     * whole, whatever is given names its one bucket.
     */
    private ClientId client(String clientId, EndpointPolicy endpoint) {
        if (endpoint.clientIdSource().wholeEndpoint()) {
            return ClientId.EVERYONE;
        }
        String raw = clientId == null ? "" : clientId.strip();
        if (raw.isEmpty()) {
            throw new IllegalArgumentException("a client id must not be blank");
        }
        return clientIds.storedFor(raw, endpoint);
    }
}
