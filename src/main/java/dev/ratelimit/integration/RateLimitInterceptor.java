package dev.ratelimit.integration;

import dev.ratelimit.RateLimited;
import dev.ratelimit.core.Charge;
import dev.ratelimit.core.ClientId;
import dev.ratelimit.core.JointVerdict;
import dev.ratelimit.core.RateLimitDecider;
import dev.ratelimit.core.RateLimitPolicy;
import dev.ratelimit.core.Verdict;
import dev.ratelimit.integration.config.EndpointPolicies;
import dev.ratelimit.integration.config.EndpointPolicy;
import dev.ratelimit.integration.config.Mode;
import dev.ratelimit.integration.config.Tier;
import dev.ratelimit.integration.config.Tiering;
import dev.ratelimit.integration.http.AppliedDecision;
import dev.ratelimit.integration.http.RateLimitRejection;
import jakarta.annotation.Priority;
import jakarta.enterprise.inject.Intercepted;
import jakarta.enterprise.inject.spi.Bean;
import jakarta.inject.Inject;
import jakarta.interceptor.AroundInvoke;
import jakarta.interceptor.Interceptor;
import jakarta.interceptor.InvocationContext;
import jakarta.servlet.http.HttpServletRequest;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Decides each call to a {@code @RateLimited} method before it runs, and maps the verdict to HTTP: over the
 * limit the method does not run and the caller gets 429; when Redis cannot decide, the policy's failure mode
 * lets the call through, answers 503, or decides with this instance's own bucket. A caller a policy exempts is not
 * decided by it, and one in a tier is decided by that tier's limits, on the same bucket. A method under several policies
 * runs only if every one admits the call. Enabled by its priority, ahead of the application's own interceptors, so
 * that a refused call costs them nothing.
 */
@RateLimited
@Interceptor
@Priority(Interceptor.Priority.LIBRARY_BEFORE + 100)
public class RateLimitInterceptor {

    private final Bean<?> intercepted;
    private final EndpointPolicies endpointPolicies;
    private final RateLimitDecider decider;
    private final ClientIds clientIds;
    private final RateLimitMetrics metrics;
    private final HttpServletRequest request;
    private final DecisionLog log;
    private final CallerTiers tiers;

    @Inject
    RateLimitInterceptor(
            @Intercepted Bean<?> intercepted,
            EndpointPolicies endpointPolicies,
            RateLimitDecider decider,
            ClientIds clientIds,
            RateLimitMetrics metrics,
            HttpServletRequest request,
            DecisionLog log,
            CallerTiers tiers) {
        this.intercepted = intercepted;
        this.endpointPolicies = endpointPolicies;
        this.decider = decider;
        this.clientIds = clientIds;
        this.metrics = metrics;
        this.request = request;
        this.log = log;
        this.tiers = tiers;
    }

    @AroundInvoke
    public Object decide(InvocationContext invocation) throws Exception {
        List<EndpointPolicy> endpoints = endpointPolicies.of(intercepted.getBeanClass(), invocation.getMethod());
        if (endpoints.isEmpty()) {
            return invocation.proceed();
        }
        if (endpoints.size() > 1) {
            return decideUnderEvery(endpoints, invocation);
        }
        EndpointPolicy endpoint = endpoints.get(0);
        if (endpoint.mode() == Mode.OFF) {
            return invocation.proceed();
        }
        Optional<Placed> placed = placed(endpoint);
        if (placed.isEmpty()) {
            return invocation.proceed();
        }
        if (endpoint.mode() == Mode.SHADOW) {
            decideInShadow(placed.get());
            return invocation.proceed();
        }
        RateLimitPolicy policy = placed.get().charge().policy();
        long started = System.nanoTime();
        Verdict verdict = decider.decide(policy, placed.get().charge().client());
        counted(placed.get(), verdict, System.nanoTime() - started);
        verdict.decision()
                .ifPresent(decision ->
                        request.setAttribute(AppliedDecision.REQUEST_ATTRIBUTE, new AppliedDecision(policy, decision)));
        if (verdict.permitsCall()) {
            return invocation.proceed();
        }
        throw refusal(policy, verdict);
    }

    /**
     * A method several policies limit: the enforced ones decide together, and the call runs only if every one admits
     * it; the shadowed ones are decided after, for a call that runs, as each would have.
     */
    private Object decideUnderEvery(List<EndpointPolicy> endpoints, InvocationContext invocation) throws Exception {
        List<Placed> enforced = new ArrayList<>(endpoints.size());
        List<Placed> shadowed = new ArrayList<>();
        for (EndpointPolicy endpoint : endpoints) {
            if (endpoint.mode() != Mode.OFF) {
                placed(endpoint).ifPresent(endpoint.mode() == Mode.SHADOW ? shadowed::add : enforced::add);
            }
        }
        if (!enforced.isEmpty()) {
            List<Charge> charges = enforced.stream().map(Placed::charge).toList();
            long started = System.nanoTime();
            JointVerdict verdict = decider.decideAll(charges);
            long nanos = System.nanoTime() - started;
            for (int i = 0; i < enforced.size(); i++) {
                Placed call = enforced.get(i);
                verdict.countedBy(i).ifPresent(counted -> counted(call, counted, nanos));
            }
            List<RateLimitPolicy> policies =
                    charges.stream().map(Charge::policy).toList();
            RateLimitPolicy reported = policies.get(verdict.reportedCharge());
            verdict.reported()
                    .decision()
                    .ifPresent(decision -> request.setAttribute(
                            AppliedDecision.REQUEST_ATTRIBUTE,
                            new AppliedDecision(policies, verdict.reportedCharge(), decision)));
            if (!verdict.permitsCall()) {
                throw refusal(reported, verdict.reported());
            }
        }
        shadowed.forEach(this::decideInShadow);
        return invocation.proceed();
    }

    /** A call as one of its policies decides it: by the caller's tier's limits, under its id. */
    private record Placed(Charge charge, Optional<String> tierTag) {}

    /**
     * The call as the policy decides it; empty for a caller the policy exempts (counted so), and for a shadowed
     * policy's call without client id, which goes on undecided.
     *
     * @throws RateLimitRejection a 400 when an enforced policy needs an id and the call has none
     */
    private Optional<Placed> placed(EndpointPolicy endpoint) {
        if (tiers.exemptByNetwork(request, endpoint)) {
            metrics.exempt(endpoint.policy().name(), tierTag(endpoint, Tiering.EXEMPT));
            return Optional.empty();
        }
        Optional<ClientId> client = identified(endpoint);
        if (client.isEmpty()) {
            return Optional.empty();
        }
        Tier tier = tiers.placementOf(request, endpoint, client.get());
        Optional<String> tag = tierTag(endpoint, tier.name());
        if (tier.unlimited()) {
            metrics.exempt(endpoint.policy().name(), tag);
            return Optional.empty();
        }
        return Optional.of(new Placed(new Charge(tier.limitedBy().orElseThrow(), client.get()), tag));
    }

    /** The tier a call is counted under: only a policy with tiers counts calls by tier. */
    private static Optional<String> tierTag(EndpointPolicy endpoint, String tier) {
        return endpoint.tiering().hasTiers() ? Optional.of(tier) : Optional.empty();
    }

    /**
     * The caller's id under the policy; empty for a shadowed policy's call without one.
     *
     * @throws RateLimitRejection a 400 when an enforced policy needs an id and the call has none
     */
    private Optional<ClientId> identified(EndpointPolicy endpoint) {
        Optional<ClientId> client = clientIds.clientIdOf(request, endpoint);
        if (client.isPresent()) {
            return client;
        }
        boolean shadow = endpoint.mode() == Mode.SHADOW;
        RateLimitPolicy policy = endpoint.policy();
        metrics.unidentified(policy.name(), shadow);
        if (shadow) {
            log.shadowRefusal(policy, "400: the call carries no client id");
            return Optional.empty();
        }
        throw RateLimitRejection.missingClientId(policy, clientIds.expectedSource(endpoint.clientIdSource()));
    }

    /** Decides and counts as if enforced, and logs a refusal; the call runs whatever the verdict. */
    private void decideInShadow(Placed call) {
        RateLimitPolicy policy = call.charge().policy();
        long started = System.nanoTime();
        Verdict verdict = decider.decide(policy, call.charge().client());
        metrics.decided(policy.name(), call.tierTag(), verdict, System.nanoTime() - started, true);
        verdict.failure().ifPresent(failure -> log.undecided(policy, failure, true));
        // Headers would tell clients of limits that do not apply yet.
        if (!verdict.permitsCall()) {
            log.shadowRefusal(policy, verdict.decision().isPresent() ? "429: over the limit" : "503: Redis failed");
        }
    }

    private void counted(Placed call, Verdict verdict, long nanos) {
        RateLimitPolicy policy = call.charge().policy();
        metrics.decided(policy.name(), call.tierTag(), verdict, nanos, false);
        verdict.failure().ifPresent(failure -> log.undecided(policy, failure, false));
    }

    private static RateLimitRejection refusal(RateLimitPolicy policy, Verdict verdict) {
        return verdict.decision()
                .map(decision -> RateLimitRejection.tooManyRequests(policy, decision))
                .orElseGet(() -> RateLimitRejection.unavailable(policy));
    }
}
