package dev.ratelimit.redis;

import dev.ratelimit.limiter.BucketKeys;
import dev.ratelimit.limiter.BucketLimits;
import dev.ratelimit.limiter.ClientId;
import dev.ratelimit.limiter.Decision;
import dev.ratelimit.limiter.LimiterUnavailableException;
import dev.ratelimit.limiter.RateLimiter;
import redis.clients.jedis.UnifiedJedis;
import redis.clients.jedis.exceptions.JedisException;

/**
 * Decides with one EVALSHA of the token bucket script per call. Jedis' connection pool is the only shared
 * state: no lock is taken here, Redis serialises the scripts.
 */
public final class RedisRateLimiter implements RateLimiter {

    private final UnifiedJedis redis;
    private final BucketKeys keys;
    private final TokenBucketScript script;

    public RedisRateLimiter(UnifiedJedis redis, BucketKeys keys, TokenBucketScript script) {
        this.redis = redis;
        this.keys = keys;
        this.script = script;
    }

    @Override
    public Decision acquire(String policy, ClientId client, BucketLimits limits, long cost) {
        try {
            return script.run(redis, keys.keyFor(policy, client), limits, cost);
        } catch (JedisException e) {
            throw new LimiterUnavailableException("Redis could not decide for policy '" + policy + "': " + e, e);
        }
    }
}
