package dev.ratelimit.bench;

import dev.ratelimit.RateLimited;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

/**
 * {@link HttpEndToEnd}'s two endpoints, deployed only into its WAR: the same body, one behind
 * {@code @RateLimited}, so that the difference between them is the limiter's whole cost on the request path.
 */
@Path("bench")
@ApplicationScoped
public class EndToEndResource {

    static final String POLICY = "endtoend";

    @GET
    @Path("limited")
    @Produces(MediaType.TEXT_PLAIN)
    @RateLimited(POLICY)
    public String limited() {
        return "ok";
    }

    @GET
    @Path("plain")
    @Produces(MediaType.TEXT_PLAIN)
    public String plain() {
        return "ok";
    }
}
