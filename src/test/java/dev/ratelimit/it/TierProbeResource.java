package dev.ratelimit.it;

import dev.ratelimit.RateLimited;
import jakarta.annotation.security.DeclareRoles;
import jakarta.enterprise.context.RequestScoped;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;

/**
 * Policies with tiers and exemptions. The roles are declared so that Open Liberty maps each to the group of its name,
 * with no binding of this application in server.xml.
 */
@Path("tiers")
@RequestScoped
@DeclareRoles({"gold", "silver"})
public class TierProbeResource {

    @GET
    @Path("by-plan")
    @RateLimited("probe-plan")
    public String byPlan() {
        return "ran";
    }

    @GET
    @Path("by-role")
    @RateLimited("probe-role")
    public String byRole() {
        return "ran";
    }

    @GET
    @Path("by-account")
    @RateLimited("probe-account")
    public String byAccount() {
        return "ran";
    }

    @GET
    @Path("trusted")
    @RateLimited("probe-trusted")
    public String trusted() {
        return "ran";
    }
}
