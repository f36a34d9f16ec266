package dev.ratelimit.it;

import dev.ratelimit.NotRateLimited;
import jakarta.enterprise.context.RequestScoped;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;

/** Methods without a {@code @RateLimited} of their own: one the default policy covers, one opted out. */
@Path("default-policy")
@RequestScoped
public class DefaultPolicyProbeResource {

    @GET
    @Path("covered")
    public String covered() {
        return "ran";
    }

    @GET
    @Path("opted-out")
    @NotRateLimited
    public String optedOut() {
        return "ran";
    }
}
