package dev.ratelimit.it;

import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;

/** A resource class without a scope annotation. */
@Path("unscoped")
public class UnscopedProbeResource {

    @GET
    public String unscoped() {
        return "ran";
    }
}
