package dev.ratelimit;

import jakarta.servlet.http.HttpServletRequest;
import java.util.Optional;

/**
 * Tells who is calling, so that each client gets its own bucket. Declare one CDI bean implementing this
 * interface and it replaces the built-in resolver (header, principal or remote address, chosen per policy
 * by the {@code client-id} property) for every policy.
 */
public interface ClientIdResolver {

    /**
     * Names the caller of one request.
     *
     * @param request the HTTP request being limited
     * @param policy  the name of the policy deciding this call
     * @return the caller's id, or empty when the request carries none (the policy's {@code missing-client-id}
     *     rule then applies). Ids that are long or hold unsafe characters are hashed before they reach Redis.
     */
    Optional<String> resolve(HttpServletRequest request, String policy);
}
