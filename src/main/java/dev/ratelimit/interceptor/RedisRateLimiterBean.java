package dev.ratelimit.interceptor;

import dev.ratelimit.config.LimiterSettings;
import dev.ratelimit.config.RateLimitExtension;
import dev.ratelimit.limiter.BucketLimits;
import dev.ratelimit.limiter.ClientId;
import dev.ratelimit.limiter.Decision;
import dev.ratelimit.limiter.RateLimiter;
import dev.ratelimit.redis.RedisRateLimiter;
import dev.ratelimit.redis.TokenBucketScript;
import jakarta.annotation.PostConstruct;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.context.Initialized;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import redis.clients.jedis.RedisClient;

import java.util.logging.Logger;

/**
 * The application's one Redis client and limiter, built from the deploy-time settings when the
 * application starts rather than on the first request's time. Connections are opened as calls need them,
 * so a Redis that is down at startup delays nothing.
 */
@ApplicationScoped
public class RedisRateLimiterBean implements RateLimiter {

    private static final Logger LOG = Logger.getLogger(RedisRateLimiterBean.class.getName());

    @Inject
    RateLimitExtension extension;

    private RedisClient client;
    private RedisRateLimiter limiter;

    void connectAtStartup(@Observes @Initialized(ApplicationScoped.class) Object applicationStarted) {
        // Observing makes the container create this bean now; @PostConstruct does the work.
    }

    @PostConstruct
    void connect() {
        LimiterSettings settings = extension.settings();
        client = settings.redis().connect();
        limiter = new RedisRateLimiter(client, settings.keys(), TokenBucketScript.load());
        LOG.info(() -> "Rate limiter uses " + settings.redis());
    }

    @PreDestroy
    void close() {
        client.close();
    }

    @Override
    public Decision acquire(String policy, ClientId client, BucketLimits limits, long cost) {
        return limiter.acquire(policy, client, limits, cost);
    }
}
