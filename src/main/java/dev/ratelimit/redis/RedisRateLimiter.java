package dev.ratelimit.redis;

import dev.ratelimit.core.ClientId;
import dev.ratelimit.core.Decision;
import dev.ratelimit.core.FailureReason;
import dev.ratelimit.core.RateLimitPolicy;
import dev.ratelimit.core.RateLimiter;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.github.resilience4j.circuitbreaker.event.CircuitBreakerOnStateTransitionEvent;
import redis.clients.jedis.RedisClient;
import redis.clients.jedis.exceptions.JedisConnectionException;
import redis.clients.jedis.exceptions.JedisException;

import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Decides with one EVALSHA of the token bucket script per call. Jedis' connection pool is the only shared
 * state: no lock is taken here, Redis serialises the scripts. A resilience4j circuit breaker stops asking
 * Redis for a while once enough recent calls met an outage (a timeout or a lost connection), so that a sick
 * Redis costs each decision nothing rather than a timeout; error replies do not open it, since Redis answers
 * them at once. The limiter owns its client: {@link #close()} closes it.
 */
public final class RedisRateLimiter implements RateLimiter {

    private static final Logger LOG = Logger.getLogger(RedisRateLimiter.class.getName());

    private final RedisSettings settings;
    private final RedisClient redis;
    private final BucketKeys keys;
    private final TokenBucketScript script;
    private final CircuitBreaker breaker;
    private final SecretRedaction redaction;

    private RedisRateLimiter(RedisSettings settings, BiConsumer<BreakerState, BreakerState> breakerListener) {
        this.settings = settings;
        // Read before the pool exists, so that a missing script leaves nothing open.
        this.script = TokenBucketScript.load();
        this.keys = new BucketKeys(settings.keyPrefix());
        this.breaker = CircuitBreaker.of("redis", CircuitBreakerConfig.custom()
                .slidingWindowType(CircuitBreakerConfig.SlidingWindowType.COUNT_BASED)
                .slidingWindowSize(settings.breakerWindow())
                .minimumNumberOfCalls(settings.breakerWindow())
                .failureRateThreshold(settings.breakerFailureRate())
                .waitDurationInOpenState(settings.breakerOpenFor())
                .permittedNumberOfCallsInHalfOpenState(settings.breakerProbes())
                .build());
        this.redaction = new SecretRedaction(settings.secrets());
        this.redis = settings.connect();
        breaker.getEventPublisher().onStateTransition(event -> transitioned(event, breakerListener));
    }

    /** A limiter with a pool of connections to the Redis the settings name, opened as decisions need them. */
    public static RedisRateLimiter connect(RedisSettings settings) {
        return connect(settings, (from, to) -> { });
    }

    /**
     * @param breakerListener told of each change of the circuit breaker's state, as (from, to), on the
     *                        thread of the decision that caused it
     */
    public static RedisRateLimiter connect(RedisSettings settings,
                                           BiConsumer<BreakerState, BreakerState> breakerListener) {
        return new RedisRateLimiter(settings, Objects.requireNonNull(breakerListener, "breakerListener"));
    }

    @Override
    public Decision acquire(RateLimitPolicy policy, ClientId client) {
        String key = keys.keyFor(policy, client);
        if (!breaker.tryAcquirePermission()) {
            throw RedisFailures.unavailable(policy.name(), FailureReason.BREAKER_OPEN, key, settings, null);
        }
        long started = System.nanoTime();
        try {
            Decision decision = runOnHealthyConnection(key, policy);
            breaker.onSuccess(System.nanoTime() - started, TimeUnit.NANOSECONDS);
            return decision;
        } catch (JedisException e) {
            FailureReason reason = RedisFailures.reasonFor(e);
            if (reason.outage()) {
                breaker.onError(System.nanoTime() - started, TimeUnit.NANOSECONDS, e);
            } else if (reason == FailureReason.POOL_EXHAUSTED) {
                // Says nothing about Redis: the pool is too small for this instance's load.
                breaker.releasePermission();
            } else {
                // Redis answered, at once: an error reply is no reason to stop asking it.
                breaker.onSuccess(System.nanoTime() - started, TimeUnit.NANOSECONDS);
            }
            throw RedisFailures.unavailable(policy.name(), reason, key, settings, redaction.redact(e));
        } catch (RuntimeException e) {
            // Not Jedis' (none is known): still a failure to decide, never a 500 nor a probe held forever.
            breaker.onError(System.nanoTime() - started, TimeUnit.NANOSECONDS, e);
            throw RedisFailures.unavailable(policy.name(), FailureReason.ERROR_REPLY, key, settings,
                    redaction.redact(e));
        }
    }

    /**
     * A connection the pool held while Redis restarted or dropped it fails at its next use, with the
     * connection closed before any reply: the script did not run, and the call is made once more, on a new
     * connection, after the pool drops its other idle connections, broken the same way. Only a connection cut
     * after the script ran and before its reply left (a crash, which loses Redis' state anyway, or a
     * CLIENT KILL or proxy reset landing in between) makes this charge a call twice. A timeout is never
     * retried: Redis may be running the script.
     */
    private Decision runOnHealthyConnection(String key, RateLimitPolicy policy) {
        try {
            return script.run(redis, key, policy.limits(), policy.cost());
        } catch (JedisConnectionException e) {
            if (RedisFailures.reasonFor(e) != FailureReason.CONNECTION) {
                throw e;
            }
            redis.getPool().clear();
            return script.run(redis, key, policy.limits(), policy.cost());
        }
    }

    private void transitioned(CircuitBreakerOnStateTransitionEvent event,
                              BiConsumer<BreakerState, BreakerState> breakerListener) {
        BreakerState from = stateOf(event.getStateTransition().getFromState());
        BreakerState to = stateOf(event.getStateTransition().getToState());
        if (to == BreakerState.HALF_OPEN) {
            // Connections idle through the outage are likely broken: probe on new ones.
            redis.getPool().clear();
        }
        LOG.log(to == BreakerState.OPEN ? Level.WARNING : Level.INFO, () -> "Redis circuit breaker " + from
                + " -> " + to + (to == BreakerState.OPEN ? ": decisions follow their failure mode for "
                + settings.breakerOpenFor().toMillis() + "ms, then Redis is probed again" : ""));
        breakerListener.accept(from, to);
    }

    /** The circuit breaker's state now. */
    public BreakerState breakerState() {
        return stateOf(breaker.getState());
    }

    private static BreakerState stateOf(CircuitBreaker.State state) {
        return switch (state) {
            case OPEN, FORCED_OPEN -> BreakerState.OPEN;
            case HALF_OPEN -> BreakerState.HALF_OPEN;
            default -> BreakerState.CLOSED;
        };
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
