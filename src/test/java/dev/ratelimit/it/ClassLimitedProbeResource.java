package dev.ratelimit.it;

import dev.ratelimit.RateLimited;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;

/** Limited as a whole class, on an application-scoped resource: each method is its own policy. */
@Path("probe-class")
@ApplicationScoped
@RateLimited(capacity = 2, refillTokens = 1, refillPeriod = "1h")
public class ClassLimitedProbeResource {

    @GET
    @Path("first")
    public String first() {
        return "first";
    }

    @GET
    @Path("second")
    public String second() {
        return "second";
    }
}
