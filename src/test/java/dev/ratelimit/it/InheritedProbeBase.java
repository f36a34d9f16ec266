package dev.ratelimit.it;

import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;

/** A resource method two probes inherit, each limiting it under its own class-level policy. */
public abstract class InheritedProbeBase {

    @GET
    @Path("items")
    public String items() {
        return getClass().getSimpleName();
    }
}
