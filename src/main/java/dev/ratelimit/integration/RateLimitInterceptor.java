package dev.ratelimit.integration;

import dev.ratelimit.RateLimited;
import dev.ratelimit.core.ClientId;
import dev.ratelimit.core.RateLimitDecider;
import dev.ratelimit.core.RateLimitPolicy;
import dev.ratelimit.core.Verdict;
import dev.ratelimit.integration.config.EndpointPolicies;
import dev.ratelimit.integration.config.EndpointPolicy;
import dev.ratelimit.integration.config.Mode;
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
import java.util.Optional;

/**
 * Decides each call to a {@code @RateLimited} method before it runs, and maps the verdict to HTTP: over the
 * limit the method does not run and the caller gets 429; when Redis cannot decide, the policy's failure mode
 * lets the call through, answers 503, or decides with this instance's own bucket. Enabled by its priority,
 * ahead of the application's own interceptors, so that a refused call costs them nothing.
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

    @Inject
    RateLimitInterceptor(
            @Intercepted Bean<?> intercepted,
            EndpointPolicies endpointPolicies,
            RateLimitDecider decider,
            ClientIds clientIds,
            RateLimitMetrics metrics,
            HttpServletRequest request,
            DecisionLog log) {
        this.intercepted = intercepted;
        this.endpointPolicies = endpointPolicies;
        this.decider = decider;
        this.clientIds = clientIds;
        this.metrics = metrics;
        this.request = request;
        this.log = log;
    }

    @AroundInvoke
    public Object decide(InvocationContext invocation) throws Exception {
        EndpointPolicy endpoint = endpointPolicies.of(intercepted.getBeanClass(), invocation.getMethod());
        if (endpoint.mode() == Mode.OFF) {
            return invocation.proceed();
        }
        boolean shadow = endpoint.mode() == Mode.SHADOW;
        RateLimitPolicy policy = endpoint.policy();
        Optional<ClientId> client = clientIds.clientIdOf(request, endpoint);
        if (client.isEmpty()) {
            metrics.unidentified(policy.name(), shadow);
            if (shadow) {
                log.shadowRefusal(policy, "400: the call carries no client id");
                return invocation.proceed();
            }
            throw RateLimitRejection.missingClientId(policy, clientIds.expectedSource(endpoint.clientIdSource()));
        }
        long started = System.nanoTime();
        Verdict verdict = decider.decide(policy, client.get());
        metrics.decided(policy.name(), verdict, System.nanoTime() - started, shadow);
        verdict.failure().ifPresent(failure -> log.undecided(policy, failure, shadow));
        if (shadow) {
            // Headers would tell clients of limits that do not apply yet.
            if (!verdict.permitsCall()) {
                log.shadowRefusal(policy, verdict.decision().isPresent() ? "429: over the limit" : "503: Redis failed");
            }
            return invocation.proceed();
        }
        verdict.decision()
                .ifPresent(decision ->
                        request.setAttribute(AppliedDecision.REQUEST_ATTRIBUTE, new AppliedDecision(policy, decision)));
        if (verdict.permitsCall()) {
            return invocation.proceed();
        }
        throw verdict.decision()
                .map(decision -> RateLimitRejection.tooManyRequests(policy, decision))
                .orElseGet(() -> RateLimitRejection.unavailable(policy));
    }
}
