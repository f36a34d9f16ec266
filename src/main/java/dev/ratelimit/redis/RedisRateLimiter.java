package dev.ratelimit.redis;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.ratelimit.core.BucketLimits;
import dev.ratelimit.core.BucketState;
import dev.ratelimit.core.Charge;
import dev.ratelimit.core.ClientId;
import dev.ratelimit.core.Decision;
import dev.ratelimit.core.Durations;
import dev.ratelimit.core.FailureReason;
import dev.ratelimit.core.JointDecision;
import dev.ratelimit.core.LimiterUnavailableException;
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
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import redis.clients.jedis.CommandObject;
import redis.clients.jedis.CommandObjects;
import redis.clients.jedis.RedisProtocol;
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
    private static final CommandObjects COMMANDS = new CommandObjects(RedisProtocol.RESP2);

    /** A breaker forgotten after this long unused starts closed again: its node left, or was never asked again. */
    private static final Duration BREAKER_IDLE_LIFETIME = Duration.ofHours(1);

    private final RedisSettings settings;
    private final RedisNodes nodes;
    private final BucketKeys keys;
    private final TokenBucketScript script;
    /** Null when the shield is off. */
    private final BlockedBuckets blocked;

    private final CircuitBreakerConfig breakerConfig;
    private final Cache<String, NodeBreaker> breakers;
    private final RedisEvents events;
    private final SecretRedaction redaction;
    private final TokenLeases leases;
    private final LeaseTaker leaseTaker = new LeaseTaker();

    private RedisRateLimiter(RedisSettings settings, RedisEvents events) {
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
        this.events = events;
        this.redaction = new SecretRedaction(settings.secrets());
        this.nodes = RedisNodes.connect(settings, events::pipelineSent);
        this.leases = new TokenLeases(settings.leasedBuckets(), this::giveBack);
    }

    /**
     * A limiter with a pool of connections to each Redis node the settings lead to, opened as decisions need
     * them: nothing here waits on Redis.
     */
    public static RedisRateLimiter connect(RedisSettings settings) {
        return connect(settings, RedisEvents.NONE);
    }

    /**
     * A limiter as {@link #connect(RedisSettings)} makes it, telling what it does to a watcher.
     *
     * @param events told of each change of a node's circuit breaker's state, each call the shield answers and each
     *               pipeline sent, on the thread of the decision that caused it
     */
    public static RedisRateLimiter connect(RedisSettings settings, RedisEvents events) {
        return new RedisRateLimiter(settings, Objects.requireNonNull(events, "events"));
    }

    @Override
    public Decision acquire(RateLimitPolicy policy, ClientId client) {
        List<String> bucketKeys = keys.keysFor(policy, client);
        if (policy.maxLeasedTokens() > 0) {
            return leases.acquire(policy, bucketKeys, leaseTaker);
        }
        // The first key stands for them all: they share its slot, hence its node, and its shield entry.
        String key = bucketKeys.get(0);
        Decision refused = refusedByShield(policy, key);
        if (refused != null) {
            return refused;
        }
        return decideInRedis(
                policy,
                key,
                onTheNode -> script.run(onTheNode, bucketKeys, policy),
                decision -> recordInShield(key, policy, decision));
    }

    /**
     * One script call for every policy's bands, when no policy leases and their keys share a slot: on one Redis, or
     * on one Sentinel primary, they always do. A charge the shield refuses is refused without asking.
     */
    @Override
    public Optional<JointDecision> acquireTogether(List<Charge> charges) {
        List<String> firstKeys = new ArrayList<>(charges.size());
        List<String> everyKey = new ArrayList<>();
        for (Charge charge : charges) {
            if (charge.policy().maxLeasedTokens() > 0) {
                return Optional.empty();
            }
            List<String> bucketKeys = keys.keysFor(charge.policy(), charge.client());
            firstKeys.add(bucketKeys.get(0));
            everyKey.addAll(bucketKeys);
        }
        if (!nodes.shareOneSlot(everyKey)) {
            return Optional.empty();
        }
        for (int i = 0; i < charges.size(); i++) {
            Decision refused = refusedByShield(charges.get(i).policy(), firstKeys.get(i));
            if (refused != null) {
                return Optional.of(new JointDecision(i, refused));
            }
        }
        List<RateLimitPolicy> policies = charges.stream().map(Charge::policy).toList();
        Decision together = decideInRedis(
                policies.get(0),
                firstKeys.get(0),
                onTheNode -> script.runTogether(onTheNode, everyKey, policies),
                decision -> {});
        // The script numbers the bands across the policies: find whose band it reports.
        int band = together.band();
        int charge = 0;
        while (band >= policies.get(charge).bandCount()) {
            band -= policies.get(charge).bandCount();
            charge++;
        }
        Decision decision = new Decision(
                together.allowed(),
                together.remaining(),
                together.retryAfterMillis(),
                together.resetAfterMillis(),
                band);
        recordInShield(firstKeys.get(charge), policies.get(charge), decision);
        return Optional.of(new JointDecision(charge, decision));
    }

    /**
     * Gives one call's cost back to the client's bucket, outside the breakers like a lease's give-back, but not while
     * the node's breaker is open, and never made twice: a second attempt after a lost reply could credit the call
     * twice. Whatever fails, the tokens stay taken. A leasing policy keeps them too: its lease's tokens beyond
     * Redis' hold would be refilled a second time.
     */
    @Override
    public void giveBack(RateLimitPolicy policy, ClientId client) {
        if (policy.maxLeasedTokens() > 0) {
            return;
        }
        List<String> bucketKeys = keys.keysFor(policy, client);
        String key = bucketKeys.get(0);
        if (breakerOpen(nodes.nodeFor(key))) {
            return;
        }
        try {
            script.giveBack(command -> nodes.execute(key, command), bucketKeys, policy);
        } catch (JedisException e) {
            throw unavailable(policy, key, e);
        } finally {
            if (blocked != null) {
                // Refused for lack of these tokens, the next call may now find them.
                blocked.forget(key);
            }
        }
    }

    /** Whether the node's breaker is open now; a give-back made then would only wait for a node the breaker shuns. */
    private boolean breakerOpen(String node) {
        NodeBreaker breaker = breakers.getIfPresent(node);
        return breaker != null && breaker.state() == CircuitBreaker.State.OPEN;
    }

    private void recordInShield(String key, RateLimitPolicy policy, Decision decision) {
        if (blocked != null) {
            blocked.record(key, policy, decision);
        }
    }

    private Decision refusedByShield(RateLimitPolicy policy, String key) {
        Decision refused = blocked == null ? null : blocked.refusalOf(key, policy);
        if (refused != null) {
            events.shieldAnswered(policy.name());
        }
        return refused;
    }

    /**
     * Runs the script on the node holding the key, through its circuit breaker, and records a refusal in the
     * shield.
     *
     * @param call       the script's call, given how to reach the node
     * @param answered   told what the call answered, e.g. to record a refusal in the shield
     */
    private <T> T decideInRedis(
            RateLimitPolicy policy,
            String key,
            Function<Function<CommandObject<Object>, Object>, T> call,
            Consumer<T> answered) {
        String node = nodes.nodeFor(key);
        NodeBreaker breaker = breakers.get(node, this::newBreaker);
        if (!breaker.tryAcquirePermission()) {
            // Ask the deployment for news meanwhile: on a cluster, a replica may have taken the node's place.
            nodes.outageAt(key);
            throw RedisFailures.unavailable(policy.name(), FailureReason.BREAKER_OPEN, key, node, settings, null);
        }
        long started = System.nanoTime();
        try {
            T answer = onHealthyConnection(node, () -> call.apply(command -> nodes.execute(key, command)));
            breaker.answered(System.nanoTime() - started);
            answered.accept(answer);
            return answer;
        } catch (JedisException e) {
            FailureReason reason = RedisFailures.reasonFor(e);
            if (reason == FailureReason.POOL_EXHAUSTED) {
                // Says nothing about Redis: the pool is too small for this instance's load.
                breaker.released();
            } else if (reason.outage() && reason != FailureReason.NODE_UNAVAILABLE) {
                breaker.failed(System.nanoTime() - started, e);
            } else {
                // Redis answered, at once: an error reply is no reason to stop asking it, nor is a node's
                // "not now", which ends as soon as the deployment settles and an open breaker would outlast.
                breaker.answered(System.nanoTime() - started);
            }
            if (reason.outage()) {
                nodes.outageAt(key);
            }
            throw RedisFailures.unavailable(policy.name(), reason, key, node, settings, redaction.redact(e));
        } catch (RuntimeException e) {
            // Not Jedis' (none is known): still a failure to decide, never a 500 nor a probe held forever.
            breaker.failed(System.nanoTime() - started, e);
            throw RedisFailures.unavailable(
                    policy.name(), FailureReason.ERROR_REPLY, key, node, settings, redaction.redact(e));
        }
    }

    /** Leases through the shield and the circuit breakers, as plain decisions go. */
    private final class LeaseTaker implements TokenLeases.Taker {
        @Override
        public Decision refusedWithoutAsking(RateLimitPolicy policy, String key) {
            return refusedByShield(policy, key);
        }

        @Override
        public LeaseGrant take(RateLimitPolicy policy, List<String> keys, LeaseCall call) {
            return decideInRedis(
                    policy,
                    keys.get(0),
                    onTheNode -> script.lease(onTheNode, keys, policy, call),
                    grant -> recordInShield(keys.get(0), policy, grant.decision()));
        }
    }

    /**
     * Gives a lease back on the thread of the leases' give-backs, outside the breakers like {@link #inspect}: but
     * not while the node's breaker is open, when the hold is left to end in Redis by itself.
     */
    private void giveBack(RateLimitPolicy policy, List<String> keys, LeaseCall call) {
        String key = keys.get(0);
        String node = nodes.nodeFor(key);
        if (breakerOpen(node)) {
            return;
        }
        // Safe to make again: a lease gives back once, whatever became of the first attempt.
        onHealthyConnection(node, () -> script.lease(command -> nodes.execute(key, command), keys, policy, call));
    }

    /**
     * The client's bucket under the policy as Redis holds it now, every band of it, read at Redis' clock without
     * taking or writing anything. Outside the circuit breakers and the shield, like {@link #probe()}: it asks Redis
     * whatever their state, within the same timeouts for each band, one round trip each.
     *
     * @throws dev.ratelimit.core.LimiterUnavailableException when Redis cannot answer
     */
    public BucketState inspect(RateLimitPolicy policy, ClientId client) {
        List<String> bucketKeys = keys.keysFor(policy, client);
        String key = bucketKeys.get(0);
        Function<CommandObject<Object>, Object> onTheKeysNode = command -> nodes.execute(key, command);
        String node = nodes.nodeFor(key);
        try {
            List<BucketState.Band> bands = new ArrayList<>(policy.bandCount());
            for (int band = 0; band < policy.bandCount(); band++) {
                BucketLimits limits = policy.limitsOfBand(band);
                String bandKey = bucketKeys.get(band);
                // Read-only: safe to make again whatever became of the first attempt.
                Decision level = onHealthyConnection(node, () -> script.peek(onTheKeysNode, bandKey, limits));
                bands.add(new BucketState.Band(
                        policy.nameOfBand(band), limits.capacity(), level.remaining(), level.resetAfterMillis()));
            }
            return new BucketState(bands);
        } catch (JedisException e) {
            throw unavailable(policy, key, e);
        }
    }

    /**
     * Deletes the client's buckets under the policy, every band's in one command with the leases held on them, and
     * this instance's shield entry for them: the next call finds a full bucket. Tokens instances had leased before
     * may still be spent, until their leases end. Another instance's shield may go on refusing the client until the
     * retry-after Redis gave it, at most the time one call's cost takes to refill.
     *
     * @throws dev.ratelimit.core.LimiterUnavailableException when Redis cannot do it
     */
    @Override
    public void reset(RateLimitPolicy policy, ClientId client) {
        List<String> bucketKeys = keys.keysFor(policy, client);
        String key = bucketKeys.get(0);
        try {
            // Deleting twice deletes what deleting once does: safe to make again.
            String[] bucketsAndLeases = Stream.concat(bucketKeys.stream(), Stream.of(key + TokenLeases.LEASES_SUFFIX))
                    .toArray(String[]::new);
            onHealthyConnection(nodes.nodeFor(key), () -> nodes.execute(key, COMMANDS.del(bucketsAndLeases)));
        } catch (JedisException e) {
            throw unavailable(policy, key, e);
        } finally {
            if (blocked != null) {
                blocked.forget(key);
            }
        }
    }

    private LimiterUnavailableException unavailable(RateLimitPolicy policy, String key, JedisException e) {
        return RedisFailures.unavailable(
                policy.name(), RedisFailures.reasonFor(e), key, nodes.nodeFor(key), settings, redaction.redact(e));
    }

    /**
     * A connection the pool held while Redis restarted or dropped it fails at its next use, with the
     * connection closed before any reply: the script did not run, and the call is made once more, on a new
     * connection, after the pool drops its other idle connections, broken the same way. Only a connection cut
     * after the script ran and before its reply left (a crash, which loses Redis' state anyway, or a
     * CLIENT KILL or proxy reset landing in between) makes this charge a call twice. A timeout is never
     * retried: Redis may be running the script.
     */
    private <T> T onHealthyConnection(String node, Supplier<T> step) {
        try {
            return step.get();
        } catch (JedisConnectionException e) {
            if (RedisFailures.reasonFor(e) != FailureReason.CONNECTION) {
                throw e;
            }
            nodes.dropIdleConnections(node);
            return step.get();
        }
    }

    private NodeBreaker newBreaker(String node) {
        NodeBreaker breaker = new NodeBreaker(node, breakerConfig);
        breaker.breaker().getEventPublisher().onStateTransition(event -> transitioned(node, event));
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
                                        + Durations.format(settings.breakerOpenFor()) + ", then it is probed again"
                                : ""));
        events.breakerTransitioned(from, to);
    }

    /**
     * The state of the circuit breaker of each Redis node asked lately and still part of the deployment, by
     * {@code host:port}; before any decision, of the address the settings name, closed.
     */
    public Map<String, BreakerState> breakerStates() {
        Map<String, BreakerState> states = breakers.asMap().entrySet().stream()
                .filter(entry -> nodes.isCurrent(entry.getKey()))
                .collect(Collectors.toUnmodifiableMap(
                        Map.Entry::getKey, entry -> stateOf(entry.getValue().state())));
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
        NodeBreaker breaker = breakers.policy().getIfPresentQuietly(node);
        return breaker == null ? BreakerState.CLOSED : stateOf(breaker.state());
    }

    private static BreakerState stateOf(CircuitBreaker.State state) {
        return switch (state) {
            case OPEN, FORCED_OPEN -> BreakerState.OPEN;
            case HALF_OPEN -> BreakerState.HALF_OPEN;
            default -> BreakerState.CLOSED;
        };
    }

    /** Gives back every lease this instance holds, then closes the connections. */
    @Override
    public void close() {
        try {
            leases.close();
        } finally {
            nodes.close();
        }
    }

    @Override
    public String toString() {
        return "RedisRateLimiter[" + settings + "]";
    }
}
