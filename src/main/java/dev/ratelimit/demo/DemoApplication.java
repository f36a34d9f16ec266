package dev.ratelimit.demo;

import jakarta.ws.rs.ApplicationPath;
import jakarta.ws.rs.core.Application;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

/** The demo API, under {@code /api}. */
@ApplicationPath("/api")
public class DemoApplication extends Application {

    /** A 400 that says what is wrong with the request. */
    static Response badRequest(String reason) {
        return Response.status(Response.Status.BAD_REQUEST)
                .type(MediaType.TEXT_PLAIN)
                .entity(reason)
                .build();
    }
}
