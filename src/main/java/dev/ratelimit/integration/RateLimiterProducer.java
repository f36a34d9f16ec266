package dev.ratelimit.integration;

import dev.ratelimit.core.RateLimitDecider;
import dev.ratelimit.integration.config.LimiterSettings;
import dev.ratelimit.local.LocalRateLimiter;
import dev.ratelimit.redis.RedisRateLimiter;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Disposes;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

/**
 * The application's one decider: Redis, shared by every instance, with this instance's local buckets for
 * {@code failure-mode: local} policies. The container owns it: it is closed, with its connections, when the
 * application stops. A singleton rather than application-scoped, since the final decider cannot be proxied
 * and needs no proxy: it lives as long as the application.
 */
@ApplicationScoped
public class RateLimiterProducer {

    @Produces
    @Singleton
    RateLimitDecider decider(LimiterSettings settings, RateLimitMetrics metrics) {
        RedisRateLimiter redis = RedisRateLimiter.connect(settings.redis(), metrics::breakerTransitioned);
        metrics.watchBreakers(redis::breakerStates);
        return new RateLimitDecider(redis, new LocalRateLimiter(settings.instances(), settings.maxLocalClients()));
    }

    void close(@Disposes RateLimitDecider decider) {
        decider.close();
    }
}
