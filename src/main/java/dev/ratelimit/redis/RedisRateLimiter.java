package dev.ratelimit.redis;

import dev.ratelimit.core.ClientId;
import dev.ratelimit.core.Decision;
import dev.ratelimit.core.LimiterUnavailableException;
import dev.ratelimit.core.RateLimitPolicy;
import dev.ratelimit.core.RateLimiter;
import redis.clients.jedis.RedisClient;
import redis.clients.jedis.exceptions.JedisException;

/**
 * Decides with one EVALSHA of the token bucket script per call. Jedis' connection pool is the only shared
 * state: no lock is taken here, Redis serialises the scripts. The limiter owns its client: {@link #close()}
 * closes it.
 */
public final class RedisRateLimiter implements RateLimiter {

    private final RedisSettings settings;
    private final RedisClient redis;
    private final BucketKeys keys;
    private final TokenBucketScript script;
    private final SecretRedaction redaction;

    private RedisRateLimiter(RedisSettings settings) {
        this.settings = settings;
        // Read before the pool exists, so that a missing script leaves nothing open.
        this.script = TokenBucketScript.load();
        this.keys = new BucketKeys(settings.keyPrefix());
        this.redaction = new SecretRedaction(settings.secrets());
        this.redis = settings.connect();
    }

    /** A limiter with a pool of connections to the Redis the settings name, opened as decisions need them. */
    public static RedisRateLimiter connect(RedisSettings settings) {
        return new RedisRateLimiter(settings);
    }

    @Override
    public Decision acquire(RateLimitPolicy policy, ClientId client) {
        try {
            return script.run(redis, keys.keyFor(policy, client), policy.limits(), policy.cost());
        } catch (JedisException e) {
            Throwable shown = redaction.redact(e);
            throw new LimiterUnavailableException("Redis could not decide for policy '" + policy.name() + "': " + shown,
                    shown);
        }
    }

    @Override
    public void close() {
        redis.close();
    }

    @Override
    public String toString() {
        return "RedisRateLimiter[" + settings + "]";
    }
}
