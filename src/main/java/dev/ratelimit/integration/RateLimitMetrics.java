package dev.ratelimit.integration;

import dev.ratelimit.core.FailureReason;
import dev.ratelimit.core.Verdict;
import dev.ratelimit.integration.config.EndpointPolicies;
import dev.ratelimit.redis.BreakerState;
import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.context.Initialized;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import org.eclipse.microprofile.metrics.Counter;
import org.eclipse.microprofile.metrics.Metadata;
import org.eclipse.microprofile.metrics.MetricRegistry;
import org.eclipse.microprofile.metrics.Tag;

import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;

/**
 * Per-policy counters in the application registry, scraped at {@code /metrics}, with Redis' failures by
 * reason and the state of its circuit breaker. They are registered when the application starts, so every
 * series shows 0 before its first request. Tags come from configuration and code only: client ids never
 * become tags, which would let callers grow the registry without bound.
 */
@ApplicationScoped
public class RateLimitMetrics {

    static final String POLICY_TAG = "policy";
    static final String REASON_TAG = "reason";
    static final String STATE_TAG = "state";

    private record PolicyCounters(Counter allowed, Counter blocked, Counter unidentified, Counter redisErrors,
                                  Counter failOpen, Counter failClosed, Counter localAllowed,
                                  Counter localBlocked) {
    }

    @Inject
    MetricRegistry registry;

    private final ConcurrentMap<String, PolicyCounters> byPolicy = new ConcurrentHashMap<>();
    private final Map<FailureReason, Counter> failuresByReason = new EnumMap<>(FailureReason.class);
    private final AtomicReference<Supplier<Map<String, BreakerState>>> breakerStates =
            new AtomicReference<>(() -> Map.of("redis", BreakerState.CLOSED));
    private Counter breakerOpened;

    void registerEveryPolicy(@Observes @Initialized(ApplicationScoped.class) Object applicationStarted,
                             EndpointPolicies endpointPolicies) {
        endpointPolicies.policyNames().forEach(this::counters);
    }

    @PostConstruct
    void registerRedisMetrics() {
        for (FailureReason reason : FailureReason.values()) {
            failuresByReason.put(reason, counter("ratelimit.redis.failures",
                    "Decisions Redis could not make, by reason", new Tag(REASON_TAG, reason.label())));
        }
        for (BreakerState state : BreakerState.values()) {
            registry.gauge(Metadata.builder().withName("ratelimit.redis.breaker.state")
                            .withDescription("Redis nodes whose circuit breaker is in this state: with one Redis,"
                                    + " 1 for its breaker's state, else 0").build(),
                    breakerStates, current -> current.get().get().values().stream().filter(state::equals).count(),
                    new Tag(STATE_TAG, state.name().toLowerCase(Locale.ROOT)));
        }
        breakerOpened = counter("ratelimit.redis.breaker.opened",
                "Times a Redis node's circuit breaker opened and the decisions it holds stopped asking it");
    }

    /**
     * The breakers' states are read from the limiter at each scrape: transition events of different threads
     * may arrive out of order.
     *
     * @param states the state of each Redis node's breaker, by node
     */
    void watchBreakers(Supplier<Map<String, BreakerState>> states) {
        breakerStates.set(states);
    }

    /** Called by the limiter on each change of a node's circuit breaker's state. */
    void breakerTransitioned(BreakerState from, BreakerState to) {
        if (to == BreakerState.OPEN) {
            breakerOpened.inc();
        }
    }

    /** The call carried no client id and the policy refuses such calls. */
    void unidentified(String policy) {
        counters(policy).unidentified().inc();
    }

    void count(String policy, Verdict verdict) {
        PolicyCounters counters = counters(policy);
        verdict.failure().ifPresent(failure -> {
            counters.redisErrors().inc();
            failuresByReason.get(failure.reason()).inc();
        });
        switch (verdict.outcome()) {
            case ALLOWED -> counters.allowed().inc();
            case BLOCKED -> counters.blocked().inc();
            case FAILED_OPEN -> counters.failOpen().inc();
            case FAILED_CLOSED -> counters.failClosed().inc();
            case LOCAL_ALLOWED -> counters.localAllowed().inc();
            case LOCAL_BLOCKED -> counters.localBlocked().inc();
        }
    }

    private PolicyCounters counters(String policy) {
        return byPolicy.computeIfAbsent(policy, this::register);
    }

    private PolicyCounters register(String policy) {
        Tag tag = new Tag(POLICY_TAG, policy);
        return new PolicyCounters(
                counter("ratelimit.requests.allowed", "Calls the rate limiter let through", tag),
                counter("ratelimit.requests.blocked", "Calls refused with 429 Too Many Requests", tag),
                counter("ratelimit.requests.unidentified", "Calls refused with 400 for carrying no client id", tag),
                counter("ratelimit.redis.errors", "Decisions Redis failed to make (down, slow or erroring)", tag),
                counter("ratelimit.failopen.events", "Calls let through undecided because Redis failed", tag),
                counter("ratelimit.failclosed.rejections", "Calls refused with 503 because Redis failed", tag),
                counter("ratelimit.local.allowed", "Calls a local bucket let through because Redis failed", tag),
                counter("ratelimit.local.blocked", "Calls a local bucket refused with 429 because Redis failed",
                        tag));
    }

    private Counter counter(String name, String description, Tag... tags) {
        return registry.counter(Metadata.builder().withName(name).withDescription(description).build(), tags);
    }
}
