package dev.ratelimit.demo;

import dev.ratelimit.RateLimited;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

/** An expensive search: each call costs 2 tokens (policy {@code search}). */
@Path("search")
@ApplicationScoped
public class SearchResource {

    @GET
    @Produces(MediaType.APPLICATION_JSON)
    @RateLimited("search")
    public Response search(@QueryParam("q") String query) {
        if (query == null || query.isBlank()) {
            return DemoApplication.badRequest("the query parameter q is required");
        }
        int hits = Math.abs(query.hashCode() % 10);
        return Response.ok("{\"query\":\"" + query.replaceAll("[^A-Za-z0-9 ]", "") + "\",\"hits\":" + hits + "}")
                .build();
    }
}
