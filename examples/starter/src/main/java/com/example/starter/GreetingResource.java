package com.example.starter;

import dev.ratelimit.RateLimited;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

/**
 * {@code GET /api/greet}, limited by the policy {@code greet} of {@code rate_limits.yaml}. The resource must be a
 * CDI bean (here {@code @ApplicationScoped}) for the rate limiter's interceptor to apply.
 */
@Path("greet")
@ApplicationScoped
public class GreetingResource {

    @GET
    @Produces(MediaType.TEXT_PLAIN)
    @RateLimited("greet")
    public String greet() {
        return "Hello!";
    }
}
