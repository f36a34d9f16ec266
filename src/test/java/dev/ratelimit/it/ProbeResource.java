package dev.ratelimit.it;

import dev.ratelimit.RateLimited;
import jakarta.enterprise.context.RequestScoped;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Test-only endpoints deployed into the demo WAR by the integration tests: each counts how often its
 * method body actually ran, so tests can tell a refused call from an allowed one on the server side.
 */
@Path("probe")
@RequestScoped
public class ProbeResource {

    private static final AtomicInteger LIMITED_RUNS = new AtomicInteger();

    @GET
    @Path("limited")
    @RateLimited("probe")
    public String limited() {
        return "run " + LIMITED_RUNS.incrementAndGet();
    }

    /** Shares the bucket of {@link #limited()}: what InvalidConfigIT gives different limits. */
    @GET
    @Path("limited/again")
    @RateLimited("probe")
    public String limitedAgain() {
        return "run " + LIMITED_RUNS.incrementAndGet();
    }

    @GET
    @Path("limited/runs")
    public String limitedRuns() {
        return Integer.toString(LIMITED_RUNS.get());
    }

    @GET
    @Path("open")
    @RateLimited("probe-open")
    public String failOpen() {
        return "ran";
    }

    @GET
    @Path("closed")
    @RateLimited("probe-closed")
    public String failClosed() {
        return "ran";
    }

    @GET
    @Path("local")
    @RateLimited("probe-local")
    public String failLocal() {
        return "ran";
    }

    /** Its own policy: the inline capacity 50 is overridden by a method-level config key. */
    @GET
    @Path("inline")
    @RateLimited(capacity = 50, refillTokens = 1, refillPeriod = "1h")
    public String inline() {
        return "ran";
    }

    @GET
    @Path("by-address")
    @RateLimited("probe-by-address")
    public String byAddress() {
        return "ran";
    }

    @GET
    @Path("disabled")
    @RateLimited("probe-disabled")
    public String disabled() {
        return "ran";
    }

    @GET
    @Path("shadow")
    @RateLimited("probe-shadow")
    public String shadow() {
        return "ran";
    }

    @GET
    @Path("bands")
    @RateLimited("probe-bands")
    public String bands() {
        return "ran";
    }

    @GET
    @Path("anonymous")
    @RateLimited("probe-anonymous")
    public String anonymous() {
        return "ran";
    }
}
