package dev.ratelimit.integration.http;

import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ContainerResponseContext;
import jakarta.ws.rs.container.ContainerResponseFilter;
import jakarta.ws.rs.ext.Provider;

/**
 * Adds the IETF httpapi {@code RateLimit-Policy} and {@code RateLimit} fields to every response whose call
 * the limiter decided, allowed or not. The interceptor cannot add headers itself: an allowed method may
 * return an entity rather than a Response.
 */
@Provider
public class RateLimitHeadersFilter implements ContainerResponseFilter {

    static final String POLICY_HEADER = "RateLimit-Policy";
    static final String LIMIT_HEADER = "RateLimit";

    @Override
    public void filter(ContainerRequestContext request, ContainerResponseContext response) {
        // JAX-RS request properties are the servlet request's attributes, where the interceptor left it.
        if (request.getProperty(AppliedDecision.REQUEST_ATTRIBUTE) instanceof AppliedDecision applied) {
            response.getHeaders().putSingle(POLICY_HEADER, applied.policyHeader());
            response.getHeaders().putSingle(LIMIT_HEADER, applied.limitHeader());
        }
    }
}
