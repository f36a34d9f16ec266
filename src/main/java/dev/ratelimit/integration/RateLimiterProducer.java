package dev.ratelimit.integration;

import dev.ratelimit.core.RateLimitDecider;
import dev.ratelimit.integration.config.LimiterSettings;
import dev.ratelimit.local.LocalRateLimiter;
import dev.ratelimit.redis.RedisRateLimiter;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Disposes;
import jakarta.enterprise.inject.Produces;
import jakarta.enterprise.inject.Typed;
import jakarta.inject.Singleton;

/**
 * The application's one decider: Redis, shared by every instance, with this instance's local buckets for
 * {@code failure-mode: local} policies. The Redis limiter is a bean of its own, which the readiness check
 * probes too, and the container owns it: it is closed, with its connections, when the application stops,
 * whether or not a decision was ever made. Singletons rather than application-scoped, since the final
 * classes cannot be proxied and need no proxy: they live as long as the application.
 */
@ApplicationScoped
public class RateLimiterProducer {

    /** Typed as itself only: an application's own {@code RateLimiter} bean must stay unambiguous. */
    @Produces
    @Singleton
    @Typed(RedisRateLimiter.class)
    RedisRateLimiter redis(LimiterSettings settings, RateLimitMetrics metrics) {
        RedisRateLimiter redis = RedisRateLimiter.connect(settings.redis(), metrics);
        metrics.watchBreakers(redis::breakerStates);
        return redis;
    }

    void close(@Disposes RedisRateLimiter redis) {
        redis.close();
    }

    /**
     * No disposer: the Redis limiter has its own, and the local buckets hold nothing but memory.
     */
    @Produces
    @Singleton
    RateLimitDecider decider(RedisRateLimiter redis, LimiterSettings settings) {
        return new RateLimitDecider(redis, new LocalRateLimiter(settings.instances(), settings.maxLocalClients()));
    }
}
