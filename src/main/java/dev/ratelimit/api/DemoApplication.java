package dev.ratelimit.api;

import jakarta.ws.rs.ApplicationPath;
import jakarta.ws.rs.core.Application;

/** The demo API, under {@code /api}. */
@ApplicationPath("/api")
public class DemoApplication extends Application {
}
