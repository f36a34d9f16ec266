package dev.ratelimit.integration;

import dev.ratelimit.RateLimited;
import dev.ratelimit.core.ClientId;
import dev.ratelimit.core.LimiterUnavailableException;
import dev.ratelimit.core.RateLimitPolicy;
import dev.ratelimit.core.RateLimiter;
import dev.ratelimit.core.Verdict;
import dev.ratelimit.integration.config.EndpointPolicies;
import dev.ratelimit.integration.config.EndpointPolicy;
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

import java.time.Duration;
import java.util.Optional;
import java.util.logging.Logger;

/**
 * Decides each call to a {@code @RateLimited} method before it runs, and maps the verdict to HTTP: over the
 * limit the method does not run and the caller gets 429; when Redis cannot decide, the policy's failure mode
 * lets the call through or answers 503. Enabled by its priority, ahead of the application's own
 * interceptors, so that a refused call costs them nothing.
 */
@RateLimited
@Interceptor
@Priority(Interceptor.Priority.LIBRARY_BEFORE + 100)
public class RateLimitInterceptor {

    private static final ThrottledLog UNDECIDED = new ThrottledLog(
            Logger.getLogger(RateLimitInterceptor.class.getName()), Duration.ofSeconds(10), System::nanoTime);

    private final Bean<?> intercepted;
    private final EndpointPolicies endpointPolicies;
    private final RateLimiter limiter;
    private final ClientIds clientIds;
    private final RateLimitMetrics metrics;
    private final HttpServletRequest request;

    @Inject
    RateLimitInterceptor(@Intercepted Bean<?> intercepted, EndpointPolicies endpointPolicies, RateLimiter limiter,
                         ClientIds clientIds, RateLimitMetrics metrics, HttpServletRequest request) {
        this.intercepted = intercepted;
        this.endpointPolicies = endpointPolicies;
        this.limiter = limiter;
        this.clientIds = clientIds;
        this.metrics = metrics;
        this.request = request;
    }

    @AroundInvoke
    public Object decide(InvocationContext invocation) throws Exception {
        EndpointPolicy endpoint = endpointPolicies.of(intercepted.getBeanClass(), invocation.getMethod());
        if (!endpoint.enabled()) {
            return invocation.proceed();
        }
        RateLimitPolicy policy = endpoint.policy();
        Optional<ClientId> client = clientIds.clientIdOf(request, endpoint);
        if (client.isEmpty()) {
            metrics.unidentified(policy.name());
            throw RateLimitRejection.missingClientId(policy, clientIds.expectedSource(endpoint.clientIdSource()));
        }
        Verdict verdict = limiter.decide(policy, client.get());
        metrics.count(policy.name(), verdict.outcome());
        verdict.decision().ifPresent(decision ->
                request.setAttribute(AppliedDecision.REQUEST_ATTRIBUTE, new AppliedDecision(policy, decision)));
        verdict.failure().ifPresent(failure -> logUndecided(policy, verdict, failure));
        if (verdict.permitsCall()) {
            return invocation.proceed();
        }
        throw verdict.decision()
                .map(decision -> RateLimitRejection.tooManyRequests(policy, decision))
                .orElseGet(() -> RateLimitRejection.unavailable(policy));
    }

    private static void logUndecided(RateLimitPolicy policy, Verdict verdict, LimiterUnavailableException failure) {
        UNDECIDED.warning(() -> failure.getMessage() + "; policy '" + policy.name() + "' is fail-"
                + (verdict.permitsCall() ? "open: calls pass undecided" : "closed: calls get 503"), failure.getCause());
    }
}
