package dev.ratelimit;

import jakarta.servlet.http.HttpServletRequest;
import java.util.Optional;

/**
 * Tells which tier a request's caller is in, for the policies whose {@code tier} property is {@code resolver}: e.g.
 * from a claim of the caller's token, or the plan an account is on. Declare one CDI bean implementing this
 * interface. The tier names the policy's {@code tiers.<tier>.*} keys; any other, or none, gets the policy's own
 * limits.
 */
public interface TierResolver {

    /**
     * Names the tier of one request's caller.
     *
     * @param request the HTTP request being limited
     * @param policy  the name of the policy deciding this call
     * @return one of the policy's tiers, matched ignoring case; empty for the policy's own limits
     */
    Optional<String> resolve(HttpServletRequest request, String policy);
}
