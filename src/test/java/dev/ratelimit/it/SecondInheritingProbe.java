package dev.ratelimit.it;

import dev.ratelimit.RateLimited;
import jakarta.enterprise.context.RequestScoped;
import jakarta.ws.rs.Path;

/** Its inline capacity 2 is overridden by a class-level config key. */
@Path("probe-inherit-second")
@RequestScoped
@RateLimited(capacity = 2, refillPeriod = "1h")
public class SecondInheritingProbe extends InheritedProbeBase {}
