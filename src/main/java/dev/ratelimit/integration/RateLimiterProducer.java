package dev.ratelimit.integration;

import dev.ratelimit.core.RateLimiter;
import dev.ratelimit.integration.config.LimiterSettings;
import dev.ratelimit.redis.RedisRateLimiter;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Disposes;
import jakarta.enterprise.inject.Produces;

/**
 * The application's one limiter, deciding in the Redis the settings name. The container owns it: it is
 * closed, with its connections, when the application stops.
 */
@ApplicationScoped
public class RateLimiterProducer {

    @Produces
    @ApplicationScoped
    RateLimiter redisRateLimiter(LimiterSettings settings) {
        return RedisRateLimiter.connect(settings.redis());
    }

    void close(@Disposes RateLimiter limiter) {
        limiter.close();
    }
}
