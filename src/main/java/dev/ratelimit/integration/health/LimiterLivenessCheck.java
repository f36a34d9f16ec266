package dev.ratelimit.integration.health;

import dev.ratelimit.integration.config.EndpointPolicies;
import dev.ratelimit.integration.config.LimiterSettings;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Liveness;

/**
 * {@code /health/live}: the limiter's configuration is loaded, and nothing more. It never asks Redis: an
 * orchestrator restarts an instance whose liveness fails, and restarting every instance during a Redis
 * outage would only add cold starts to it, while each policy's failure mode already decides meanwhile.
 */
@Liveness
@ApplicationScoped
public class LimiterLivenessCheck implements HealthCheck {

    static final String NAME = "ratelimit";

    @Inject
    LimiterSettings settings;

    @Inject
    EndpointPolicies policies;

    @Override
    public HealthCheckResponse call() {
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("policies", (long) policies.policyNames().size());
        data.put("topology", settings.redis().topology().name().toLowerCase(Locale.ROOT));
        return new HealthCheckResponse(NAME, HealthCheckResponse.Status.UP, Optional.of(data));
    }
}
