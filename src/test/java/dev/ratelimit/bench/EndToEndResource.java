package dev.ratelimit.bench;

import dev.ratelimit.RateLimited;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

/**
 * {@link HttpEndToEnd}'s endpoints, deployed only into its WAR: the same body, one behind {@code @RateLimited},
 * one behind {@code @RateLimited} with a leasing policy, one without, so that the difference between them is the
 * limiter's whole cost on the request path.
 */
@Path("bench")
@ApplicationScoped
public class EndToEndResource {

    static final String POLICY = "endtoend";
    /** The same bucket, leasing: its lease is set in the server's environment only, as {@link #POLICY}'s limits. */
    static final String LEASED_POLICY = "endtoendleased";

    @GET
    @Path("limited")
    @Produces(MediaType.TEXT_PLAIN)
    @RateLimited(POLICY)
    public String limited() {
        return "ok";
    }

    @GET
    @Path("leased")
    @Produces(MediaType.TEXT_PLAIN)
    @RateLimited(LEASED_POLICY)
    public String leased() {
        return "ok";
    }

    @GET
    @Path("plain")
    @Produces(MediaType.TEXT_PLAIN)
    public String plain() {
        return "ok";
    }
}
