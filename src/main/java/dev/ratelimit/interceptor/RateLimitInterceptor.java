package dev.ratelimit.interceptor;

import dev.ratelimit.RateLimited;
import dev.ratelimit.config.RateLimitExtension;
import dev.ratelimit.limiter.ClientId;
import dev.ratelimit.limiter.Decision;
import dev.ratelimit.limiter.FailureMode;
import dev.ratelimit.limiter.LimiterUnavailableException;
import dev.ratelimit.limiter.RateLimitPolicy;
import dev.ratelimit.limiter.RateLimiter;
import dev.ratelimit.metrics.RateLimitMetrics;
import jakarta.annotation.Priority;
import jakarta.inject.Inject;
import jakarta.interceptor.AroundInvoke;
import jakarta.interceptor.Interceptor;
import jakarta.interceptor.InvocationContext;
import jakarta.servlet.http.HttpServletRequest;

import java.time.Duration;
import java.util.Optional;
import java.util.logging.Logger;

/**
 * Decides each call to a {@code @RateLimited} method before it runs. Over the limit, the method does not
 * run: the caller gets 429. When Redis cannot decide, the policy's failure mode lets the call through or
 * answers 503. Enabled by its priority, ahead of the application's own interceptors, so that a refused
 * call costs them nothing.
 */
@RateLimited
@Interceptor
@Priority(Interceptor.Priority.LIBRARY_BEFORE + 100)
public class RateLimitInterceptor {

    private static final ThrottledLog REDIS_FAILURES = new ThrottledLog(
            Logger.getLogger(RateLimitInterceptor.class.getName()), Duration.ofSeconds(10), System::nanoTime);

    @Inject
    RateLimitExtension extension;

    @Inject
    RateLimiter limiter;

    @Inject
    ClientIds clientIds;

    @Inject
    RateLimitMetrics metrics;

    @Inject
    HttpServletRequest request;

    @AroundInvoke
    public Object decide(InvocationContext invocation) throws Exception {
        RateLimitPolicy policy = extension.catalog().policyFor(invocation.getTarget().getClass(), invocation.getMethod());
        if (!policy.enabled()) {
            return invocation.proceed();
        }
        Optional<ClientId> client = clientIds.clientIdOf(request, policy);
        if (client.isEmpty()) {
            metrics.unidentified(policy.name());
            throw RateLimitRejection.missingClientId(policy, clientIds.expectedSource(policy.clientKey()));
        }
        Decision decision;
        try {
            decision = limiter.acquire(policy.name(), client.get(), policy.limits(), policy.cost());
        } catch (LimiterUnavailableException e) {
            return undecided(invocation, policy, e);
        }
        request.setAttribute(AppliedDecision.REQUEST_ATTRIBUTE, new AppliedDecision(policy, decision));
        if (!decision.allowed()) {
            metrics.blocked(policy.name());
            throw RateLimitRejection.tooManyRequests(policy, decision);
        }
        metrics.allowed(policy.name());
        return invocation.proceed();
    }

    private Object undecided(InvocationContext invocation, RateLimitPolicy policy, LimiterUnavailableException failure)
            throws Exception {
        REDIS_FAILURES.warning(() -> failure.getMessage() + "; policy '" + policy.name() + "' is fail-"
                + (policy.failureMode() == FailureMode.OPEN ? "open: calls pass undecided" : "closed: calls get 503"),
                failure.getCause());
        if (policy.failureMode() == FailureMode.OPEN) {
            metrics.failedOpen(policy.name());
            return invocation.proceed();
        }
        metrics.failedClosed(policy.name());
        throw RateLimitRejection.unavailable(policy);
    }
}
