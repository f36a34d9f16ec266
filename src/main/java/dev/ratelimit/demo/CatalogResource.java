package dev.ratelimit.demo;

import dev.ratelimit.RateLimited;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

/** A cheap read with a generous limit, keyed by the caller's address (policy {@code catalog}). */
@Path("catalog")
@ApplicationScoped
public class CatalogResource {

    @GET
    @Produces(MediaType.APPLICATION_JSON)
    @RateLimited("catalog")
    public String list() {
        return "[{\"sku\":\"A-100\",\"name\":\"Anvil\"},{\"sku\":\"B-200\",\"name\":\"Bucket\"}]";
    }
}
