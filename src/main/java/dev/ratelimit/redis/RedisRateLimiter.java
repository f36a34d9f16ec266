package dev.ratelimit.redis;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.ratelimit.core.ClientId;
import dev.ratelimit.core.Decision;
import dev.ratelimit.core.FailureReason;
import dev.ratelimit.core.RateLimitPolicy;
import dev.ratelimit.core.RateLimiter;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.github.resilience4j.circuitbreaker.event.CircuitBreakerOnStateTransitionEvent;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
import java.util.function.Function;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.stream.Collectors;
import redis.clients.jedis.CommandObject;
import redis.clients.jedis.exceptions.JedisConnectionException;
import redis.clients.jedis.exceptions.JedisException;

/**
 * Decides with one EVALSHA of the token bucket script per call, on the Redis node that holds the bucket: the
 * one Redis, the cluster shard owning the key's slot, or the primary Sentinel names. Concurrent calls to a
 * node travel together, pipelined on its pooled connections ({@link PipelinedCalls}); Redis serialises the
 * scripts, so no lock is taken here. A bucket Redis refused is answered here until its retry-after
 * ({@link BlockedBuckets}, the hot-key shield), which refuses only what Redis would. A resilience4j circuit
 * breaker per node stops asking that node for a while once enough recent calls met an outage (a timeout or a
 * lost connection), so that a sick node costs each decision it holds nothing rather than a timeout, while the
 * other shards go on deciding; error replies do not open it, since Redis answers them at once. The limiter
 * owns its connections: {@link #close()} closes them.
 */
public final class RedisRateLimiter implements RateLimiter {

    private static final Logger LOG = Logger.getLogger(RedisRateLimiter.class.getName());

    /** A breaker forgotten after this long unused starts closed again: its node left, or was never asked again. */
    private static final Duration BREAKER_IDLE_LIFETIME = Duration.ofHours(1);

    private final RedisSettings settings;
    private final RedisNodes nodes;
    private final BucketKeys keys;
    private final TokenBucketScript script;
    /** Null when the shield is off. */
    private final BlockedBuckets blocked;

    private final CircuitBreakerConfig breakerConfig;
    private final Cache<String, CircuitBreaker> breakers;
    private final BiConsumer<BreakerState, BreakerState> breakerListener;
    private final SecretRedaction redaction;

    private RedisRateLimiter(RedisSettings settings, BiConsumer<BreakerState, BreakerState> breakerListener) {
        this.settings = settings;
        // Read before the pool exists, so that a missing script leaves nothing open.
        this.script = TokenBucketScript.load();
        this.keys = new BucketKeys(settings.keyPrefix());
        this.blocked = settings.shieldSize() > 0 ? new BlockedBuckets(settings.shieldSize()) : null;
        this.breakerConfig = CircuitBreakerConfig.custom()
                .slidingWindowType(CircuitBreakerConfig.SlidingWindowType.COUNT_BASED)
                // Every decision records its outcome: a lock there made concurrent callers queue behind each other.
                .slidingWindowSynchronizationStrategy(
                        CircuitBreakerConfig.SlidingWindowSynchronizationStrategy.LOCK_FREE)
                .slidingWindowSize(settings.breakerWindow())
                .minimumNumberOfCalls(settings.breakerWindow())
                .failureRateThreshold(settings.breakerFailureRate())
                .waitDurationInOpenState(settings.breakerOpenFor())
                .permittedNumberOfCallsInHalfOpenState(settings.breakerProbes())
                .build();
        this.breakers =
                Caffeine.newBuilder().expireAfterAccess(BREAKER_IDLE_LIFETIME).build();
        this.breakerListener = breakerListener;
        this.redaction = new SecretRedaction(settings.secrets());
        this.nodes = RedisNodes.connect(settings);
    }

    /**
     * A limiter with a pool of connections to each Redis node the settings lead to, opened as decisions need
     * them: nothing here waits on Redis.
     */
    public static RedisRateLimiter connect(RedisSettings settings) {
        return connect(settings, (from, to) -> {});
    }

    /**
     * A limiter as {@link #connect(RedisSettings)} makes it, whose breakers' changes are told to a listener.
     *
     * @param breakerListener told of each change of a node's circuit breaker's state, as (from, to), on the
     *                        thread of the decision that caused it
     */
    public static RedisRateLimiter connect(
            RedisSettings settings, BiConsumer<BreakerState, BreakerState> breakerListener) {
        return new RedisRateLimiter(settings, Objects.requireNonNull(breakerListener, "breakerListener"));
    }

    @Override
    public Decision acquire(RateLimitPolicy policy, ClientId client) {
        List<String> bucketKeys = keys.keysFor(policy, client);
        // The first key stands for them all: they share its slot, hence its node, and its shield entry.
        String key = bucketKeys.get(0);
        Decision refused = blocked == null ? null : blocked.refusalOf(key, policy);
        if (refused != null) {
            return refused;
        }
        String node = nodes.nodeFor(key);
        CircuitBreaker breaker = breakers.get(node, this::newBreaker);
        if (!breaker.tryAcquirePermission()) {
            // Ask the deployment for news meanwhile: on a cluster, a replica may have taken the node's place.
            nodes.outageAt(key);
            throw RedisFailures.unavailable(policy.name(), FailureReason.BREAKER_OPEN, key, node, settings, null);
        }
        long started = System.nanoTime();
        try {
            Decision decision = runOnHealthyConnection(bucketKeys, node, policy);
            breaker.onSuccess(System.nanoTime() - started, TimeUnit.NANOSECONDS);
            if (blocked != null) {
                blocked.record(key, policy, decision);
            }
            return decision;
        } catch (JedisException e) {
            FailureReason reason = RedisFailures.reasonFor(e);
            if (reason == FailureReason.POOL_EXHAUSTED) {
                // Says nothing about Redis: the pool is too small for this instance's load.
                breaker.releasePermission();
            } else if (reason.outage() && reason != FailureReason.NODE_UNAVAILABLE) {
                breaker.onError(System.nanoTime() - started, TimeUnit.NANOSECONDS, e);
            } else {
                // Redis answered, at once: an error reply is no reason to stop asking it, nor is a node's
                // "not now", which ends as soon as the deployment settles and an open breaker would outlast.
                breaker.onSuccess(System.nanoTime() - started, TimeUnit.NANOSECONDS);
            }
            if (reason.outage()) {
                nodes.outageAt(key);
            }
            throw RedisFailures.unavailable(policy.name(), reason, key, node, settings, redaction.redact(e));
        } catch (RuntimeException e) {
            // Not Jedis' (none is known): still a failure to decide, never a 500 nor a probe held forever.
            breaker.onError(System.nanoTime() - started, TimeUnit.NANOSECONDS, e);
            throw RedisFailures.unavailable(
                    policy.name(), FailureReason.ERROR_REPLY, key, node, settings, redaction.redact(e));
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
    private Decision runOnHealthyConnection(List<String> bucketKeys, String node, RateLimitPolicy policy) {
        Function<CommandObject<Object>, Object> onTheKeysNode = command -> nodes.execute(bucketKeys.get(0), command);
        try {
            return script.run(onTheKeysNode, bucketKeys, policy);
        } catch (JedisConnectionException e) {
            if (RedisFailures.reasonFor(e) != FailureReason.CONNECTION) {
                throw e;
            }
            nodes.dropIdleConnections(node);
            return script.run(onTheKeysNode, bucketKeys, policy);
        }
    }

    private CircuitBreaker newBreaker(String node) {
        CircuitBreaker breaker = CircuitBreaker.of(node, breakerConfig);
        breaker.getEventPublisher().onStateTransition(event -> transitioned(node, event));
        return breaker;
    }

    private void transitioned(String node, CircuitBreakerOnStateTransitionEvent event) {
        BreakerState from = stateOf(event.getStateTransition().getFromState());
        BreakerState to = stateOf(event.getStateTransition().getToState());
        if (to == BreakerState.HALF_OPEN) {
            // Connections idle through the outage are likely broken: probe on new ones.
            nodes.dropIdleConnections(node);
        }
        LOG.log(
                to == BreakerState.OPEN ? Level.WARNING : Level.INFO,
                () -> "Redis circuit breaker of " + node
                        + " " + from + " -> " + to
                        + (to == BreakerState.OPEN
                                ? ": decisions whose keys it holds follow" + " their failure mode for "
                                        + settings.breakerOpenFor().toMillis() + "ms, then it is probed again"
                                : ""));
        breakerListener.accept(from, to);
    }

    /**
     * The state of the circuit breaker of each Redis node asked lately and still part of the deployment, by
     * {@code host:port}; before any decision, of the address the settings name, closed.
     */
    public Map<String, BreakerState> breakerStates() {
        Map<String, BreakerState> states = breakers.asMap().entrySet().stream()
                .filter(entry -> nodes.isCurrent(entry.getKey()))
                .collect(Collectors.toUnmodifiableMap(
                        Map.Entry::getKey, entry -> stateOf(entry.getValue().getState())));
        return states.isEmpty() ? Map.of(nodes.nodeFor(""), BreakerState.CLOSED) : states;
    }

    /**
     * PINGs each node that holds keys now (see {@link RedisProbe#nodes()}), once, beside the state of its
     * circuit breaker. Outside the breakers: a PING is made whatever a breaker's state, never counts in its
     * window, and never keeps an idle breaker from being forgotten. Each node's PING waits as a decision
     * would: at most the command timeout for a pooled connection (plus the connect timeout for a new one),
     * then the command timeout for the reply; a connection found broken costs a second PING on a new one.
     */
    public RedisProbe probe() {
        List<RedisProbe.Node> probed = new ArrayList<>();
        nodes.ping().forEach((node, failure) -> probed.add(new RedisProbe.Node(node, breakerStateOf(node), failure)));
        return new RedisProbe(settings.topology(), probed);
    }

    private BreakerState breakerStateOf(String node) {
        CircuitBreaker breaker = breakers.policy().getIfPresentQuietly(node);
        return breaker == null ? BreakerState.CLOSED : stateOf(breaker.getState());
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
        nodes.close();
    }

    @Override
    public String toString() {
        return "RedisRateLimiter[" + settings + "]";
    }
}
