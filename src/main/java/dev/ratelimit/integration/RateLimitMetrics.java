package dev.ratelimit.integration;

import dev.ratelimit.core.FailureReason;
import dev.ratelimit.core.Verdict;
import dev.ratelimit.integration.config.EndpointPolicies;
import dev.ratelimit.integration.config.EndpointPolicy;
import dev.ratelimit.integration.config.Tiering;
import dev.ratelimit.redis.BreakerState;
import dev.ratelimit.redis.RedisEvents;
import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.context.Initialized;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import org.eclipse.microprofile.metrics.Counter;
import org.eclipse.microprofile.metrics.Histogram;
import org.eclipse.microprofile.metrics.Metadata;
import org.eclipse.microprofile.metrics.MetricRegistry;
import org.eclipse.microprofile.metrics.MetricUnits;
import org.eclipse.microprofile.metrics.Tag;
import org.eclipse.microprofile.metrics.Timer;

/**
 * What the limiter did, in the application registry, scraped at {@code /metrics}: one decision counter per
 * policy and outcome (as SmallRye Fault Tolerance counts {@code ft.invocations.total} per method and result),
 * the time each decision took per policy, Redis' failures by reason and the state of its circuit breakers.
 * Every series is registered when the application starts, so each shows 0 before its first request. Tags
 * come from configuration and code only: client ids never become tags, which would let callers grow the
 * registry without bound.
 */
@ApplicationScoped
public class RateLimitMetrics implements RedisEvents {

    static final String POLICY_TAG = "policy";
    static final String OUTCOME_TAG = "outcome";
    static final String REASON_TAG = "reason";
    static final String STATE_TAG = "state";
    static final String TIER_TAG = "tier";
    static final String DECISIONS = "ratelimit.decisions";
    static final String TIER_DECISIONS = "ratelimit.tier.decisions";
    static final String DECISION_DURATION = "ratelimit.decision.duration";
    static final String SHIELD_ANSWERS = "ratelimit.redis.shield.answers";
    static final String PIPELINE_CALLS = "ratelimit.redis.pipeline.calls";

    /** The {@code outcome} tag's values. */
    enum Outcome {
        ALLOWED,
        BLOCKED,
        UNIDENTIFIED,
        FAIL_OPEN,
        FAIL_CLOSED,
        LOCAL_ALLOWED,
        LOCAL_BLOCKED,
        /** A call a shadow-mode policy would have refused (429, 503 or 400), let through. */
        SHADOW_BLOCKED,
        /** A call the policy never limits: an exempt client id or network, or an unlimited tier. */
        EXEMPT;

        String label() {
            return name().toLowerCase(Locale.ROOT);
        }

        static Outcome of(Verdict.Outcome outcome) {
            return switch (outcome) {
                case ALLOWED -> ALLOWED;
                case BLOCKED -> BLOCKED;
                case FAILED_OPEN -> FAIL_OPEN;
                case FAILED_CLOSED -> FAIL_CLOSED;
                case LOCAL_ALLOWED -> LOCAL_ALLOWED;
                case LOCAL_BLOCKED -> LOCAL_BLOCKED;
            };
        }
    }

    /**
     * @param byTier the decisions of a policy with tiers, by tier and outcome: registered at start for its tiers and
     *               its own limits, at first use for exempt callers
     */
    private record PolicyMetrics(
            Map<Outcome, Counter> decisions,
            Timer duration,
            Counter shieldAnswers,
            ConcurrentMap<String, Map<Outcome, Counter>> byTier) {}

    @Inject
    MetricRegistry registry;

    private final ConcurrentMap<String, PolicyMetrics> byPolicy = new ConcurrentHashMap<>();
    private final Map<FailureReason, Counter> failuresByReason = new EnumMap<>(FailureReason.class);
    private final AtomicReference<Supplier<Map<String, BreakerState>>> breakerStates =
            new AtomicReference<>(() -> Map.of("redis", BreakerState.CLOSED));
    private Counter breakerOpened;
    private Histogram pipelineCalls;

    void registerEveryPolicy(
            @Observes @Initialized(ApplicationScoped.class) Object applicationStarted,
            EndpointPolicies endpointPolicies) {
        for (String policy : endpointPolicies.policyNames()) {
            PolicyMetrics metrics = metricsOf(policy);
            endpointPolicies
                    .policyNamed(policy)
                    .map(EndpointPolicy::tiering)
                    .filter(Tiering::hasTiers)
                    .ifPresent(tiering -> {
                        tierCounters(policy, metrics, Tiering.OWN_LIMITS);
                        tiering.tiers().forEach(tier -> tierCounters(policy, metrics, tier.name()));
                    });
        }
    }

    @PostConstruct
    void registerRedisMetrics() {
        for (FailureReason reason : FailureReason.values()) {
            failuresByReason.put(
                    reason,
                    counter(
                            "ratelimit.redis.failures",
                            "Decisions Redis could not make, by reason",
                            new Tag(REASON_TAG, reason.label())));
        }
        for (BreakerState state : BreakerState.values()) {
            registry.gauge(
                    Metadata.builder()
                            .withName("ratelimit.redis.breaker.state")
                            .withDescription("Redis nodes whose circuit breaker is in this state: with one Redis,"
                                    + " 1 for its breaker's state, else 0")
                            .build(),
                    breakerStates,
                    current -> current.get().get().values().stream()
                            .filter(state::equals)
                            .count(),
                    new Tag(STATE_TAG, state.name().toLowerCase(Locale.ROOT)));
        }
        breakerOpened = counter(
                "ratelimit.redis.breaker.opened",
                "Times a Redis node's circuit breaker opened and the decisions it holds stopped asking it");
        pipelineCalls = registry.histogram(Metadata.builder()
                .withName(PIPELINE_CALLS)
                .withDescription("Calls sent to a Redis node together in one round trip: 1 while decisions come one at"
                        + " a time, more as they come concurrently")
                .build());
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

    @Override
    public void breakerTransitioned(BreakerState from, BreakerState to) {
        if (to == BreakerState.OPEN) {
            breakerOpened.inc();
        }
    }

    @Override
    public void shieldAnswered(String policy) {
        metricsOf(policy).shieldAnswers().inc();
    }

    @Override
    public void pipelineSent(int calls) {
        pipelineCalls.update(calls);
    }

    /**
     * A call decided, or left undecided by Redis, in {@code nanos}. Under a shadow-mode policy a call it would
     * have refused counts as {@link Outcome#SHADOW_BLOCKED}.
     */
    void decided(String policy, Optional<String> tier, Verdict verdict, long nanos, boolean shadow) {
        Outcome outcome = shadow && !verdict.permitsCall() ? Outcome.SHADOW_BLOCKED : Outcome.of(verdict.outcome());
        PolicyMetrics metrics = metricsOf(policy);
        count(policy, metrics, tier, outcome);
        metrics.duration().update(Duration.ofNanos(nanos));
        verdict.failure()
                .ifPresent(failure -> failuresByReason.get(failure.reason()).inc());
    }

    /**
     * A call the policy never limits.
     *
     * @param tier the tier tag, for a policy with tiers
     */
    void exempt(String policy, Optional<String> tier) {
        count(policy, metricsOf(policy), tier, Outcome.EXEMPT);
    }

    private void count(String policy, PolicyMetrics metrics, Optional<String> tier, Outcome outcome) {
        metrics.decisions().get(outcome).inc();
        tier.ifPresent(name -> tierCounters(policy, metrics, name).get(outcome).inc());
    }

    private Map<Outcome, Counter> tierCounters(String policy, PolicyMetrics metrics, String tier) {
        return metrics.byTier().computeIfAbsent(tier, name -> {
            Map<Outcome, Counter> counters = new EnumMap<>(Outcome.class);
            for (Outcome outcome : Outcome.values()) {
                counters.put(
                        outcome,
                        counter(
                                TIER_DECISIONS,
                                "Calls to methods of policies with tiers, by policy, tier and what the limiter made"
                                        + " of them",
                                new Tag(POLICY_TAG, policy),
                                new Tag(TIER_TAG, name),
                                new Tag(OUTCOME_TAG, outcome.label())));
            }
            return counters;
        });
    }

    /** The call carried no client id and the policy refuses such calls, or in shadow mode would have. */
    void unidentified(String policy, boolean shadow) {
        metricsOf(policy)
                .decisions()
                .get(shadow ? Outcome.SHADOW_BLOCKED : Outcome.UNIDENTIFIED)
                .inc();
    }

    private PolicyMetrics metricsOf(String policy) {
        return byPolicy.computeIfAbsent(policy, this::register);
    }

    private PolicyMetrics register(String policy) {
        Tag policyTag = new Tag(POLICY_TAG, policy);
        Map<Outcome, Counter> decisions = new EnumMap<>(Outcome.class);
        for (Outcome outcome : Outcome.values()) {
            decisions.put(
                    outcome,
                    counter(
                            DECISIONS,
                            "Calls to rate-limited methods, by policy and by what the limiter made of them",
                            policyTag,
                            new Tag(OUTCOME_TAG, outcome.label())));
        }
        Timer duration = registry.timer(
                Metadata.builder()
                        .withName(DECISION_DURATION)
                        .withDescription("Time the limiter took to decide a call: Redis' round trip, or the failure"
                                + " mode's answer when Redis failed")
                        .withUnit(MetricUnits.SECONDS)
                        .build(),
                policyTag);
        Counter shieldAnswers = counter(
                SHIELD_ANSWERS,
                "Calls the hot-key shield refused without asking Redis, Redis having refused their bucket until then",
                policyTag);
        return new PolicyMetrics(decisions, duration, shieldAnswers, new ConcurrentHashMap<>());
    }

    private Counter counter(String name, String description, Tag... tags) {
        return registry.counter(
                Metadata.builder().withName(name).withDescription(description).build(), tags);
    }
}
