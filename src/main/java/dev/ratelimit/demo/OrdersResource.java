package dev.ratelimit.demo;

import dev.ratelimit.RateLimited;
import jakarta.enterprise.context.RequestScoped;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.util.concurrent.atomic.AtomicLong;

/** A write with a strict limit per client (policy {@code orders}, client id from {@code X-Client-Id}). */
@Path("orders")
@RequestScoped
public class OrdersResource {

    private static final AtomicLong NEXT_ORDER_ID = new AtomicLong(1);

    @POST
    @Consumes(MediaType.TEXT_PLAIN)
    @Produces(MediaType.APPLICATION_JSON)
    @RateLimited("orders")
    public Response create(String item) {
        if (item == null || item.isBlank()) {
            return DemoApplication.badRequest("the request body must name the item to order");
        }
        long id = NEXT_ORDER_ID.getAndIncrement();
        return Response.status(Response.Status.CREATED)
                .entity("{\"id\":" + id + "}")
                .build();
    }
}
