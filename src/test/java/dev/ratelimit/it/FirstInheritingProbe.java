package dev.ratelimit.it;

import dev.ratelimit.RateLimited;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.ws.rs.Path;

@Path("probe-inherit-first")
@ApplicationScoped
@RateLimited(capacity = 1, refillPeriod = "1h")
public class FirstInheritingProbe extends InheritedProbeBase {}
