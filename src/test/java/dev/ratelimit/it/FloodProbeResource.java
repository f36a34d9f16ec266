package dev.ratelimit.it;

import dev.ratelimit.RateLimited;
import jakarta.enterprise.context.RequestScoped;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;

/** The endpoint the load tests flood: policy {@code probe-flood}, whose limits each load test configures. */
@Path("flood")
@RequestScoped
public class FloodProbeResource {

    @GET
    @RateLimited("probe-flood")
    public String flood() {
        return "ran";
    }
}
