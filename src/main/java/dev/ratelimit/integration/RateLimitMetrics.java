package dev.ratelimit.integration;

import dev.ratelimit.core.Verdict;
import dev.ratelimit.integration.config.EndpointPolicies;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.context.Initialized;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import org.eclipse.microprofile.metrics.Counter;
import org.eclipse.microprofile.metrics.Metadata;
import org.eclipse.microprofile.metrics.MetricRegistry;
import org.eclipse.microprofile.metrics.Tag;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * Per-policy counters in the application registry, scraped at {@code /metrics}. They are registered when
 * the application starts, so every policy shows 0 before its first request. The only tag is the policy:
 * client ids never become tags, which would let callers grow the registry without bound.
 */
@ApplicationScoped
public class RateLimitMetrics {

    static final String POLICY_TAG = "policy";

    private record PolicyCounters(Counter allowed, Counter blocked, Counter unidentified, Counter redisErrors,
                                  Counter failOpen, Counter failClosed) {
    }

    @Inject
    MetricRegistry registry;

    private final ConcurrentMap<String, PolicyCounters> byPolicy = new ConcurrentHashMap<>();

    void registerEveryPolicy(@Observes @Initialized(ApplicationScoped.class) Object applicationStarted,
                             EndpointPolicies endpointPolicies) {
        endpointPolicies.policyNames().forEach(this::counters);
    }

    /** The call carried no client id and the policy refuses such calls. */
    void unidentified(String policy) {
        counters(policy).unidentified().inc();
    }

    void count(String policy, Verdict.Outcome outcome) {
        PolicyCounters counters = counters(policy);
        switch (outcome) {
            case ALLOWED -> counters.allowed().inc();
            case BLOCKED -> counters.blocked().inc();
            case FAILED_OPEN -> {
                counters.redisErrors().inc();
                counters.failOpen().inc();
            }
            case FAILED_CLOSED -> {
                counters.redisErrors().inc();
                counters.failClosed().inc();
            }
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
                counter("ratelimit.failclosed.rejections", "Calls refused with 503 because Redis failed", tag));
    }

    private Counter counter(String name, String description, Tag tag) {
        return registry.counter(Metadata.builder().withName(name).withDescription(description).build(), tag);
    }
}
