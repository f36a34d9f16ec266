package dev.ratelimit.integration.health;

import dev.ratelimit.integration.config.LimiterSettings;
import dev.ratelimit.redis.RedisProbe;
import dev.ratelimit.redis.RedisRateLimiter;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

/**
 * {@code /health/ready}: whether Redis answers, so that an orchestrator sends no traffic to an instance that
 * cannot decide. Each node that holds keys is PINGed once per check, within the timeouts a decision has;
 * the PINGs count in no circuit breaker and no metric. Unless {@code ratelimit.health.readiness-requires-redis}
 * is false: then the check stays UP, with the same data, for APIs whose policies all fail open, where taking
 * every instance out of service at once would be worse than serving calls undecided.
 */
@Readiness
@ApplicationScoped
public class RedisReadinessCheck implements HealthCheck {

    static final String NAME = "ratelimit-redis";

    @Inject
    RedisRateLimiter redis;

    @Inject
    LimiterSettings settings;

    @Override
    public HealthCheckResponse call() {
        RedisProbe probe = redis.probe();
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("topology", lowerCase(probe.topology()));
        data.put("readiness-requires-redis", settings.readinessRequiresRedis());
        for (RedisProbe.Node node : probe.nodes()) {
            data.put(node.name() + ".reachable", node.reachable());
            data.put(node.name() + ".breaker", lowerCase(node.breaker()));
            node.failure().ifPresent(reason -> data.put(node.name() + ".failure", reason.label()));
        }
        boolean up = probe.reachable() || !settings.readinessRequiresRedis();
        return new HealthCheckResponse(
                NAME, up ? HealthCheckResponse.Status.UP : HealthCheckResponse.Status.DOWN, Optional.of(data));
    }

    private static String lowerCase(Enum<?> value) {
        return value.name().toLowerCase(Locale.ROOT);
    }
}
