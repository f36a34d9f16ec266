package dev.ratelimit.integration;

import dev.ratelimit.RateLimited;
import dev.ratelimit.core.ClientId;
import dev.ratelimit.core.FailureReason;
import dev.ratelimit.core.LimiterUnavailableException;
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
import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.logging.Level;
import java.util.logging.Logger;

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

    /** One per reason, so that a rare refusal is not held back behind a stream of timeouts. */
    private static final Map<FailureReason, ThrottledLog> UNDECIDED = new EnumMap<>(FailureReason.class);

    /** One per policy, so that a busy policy in shadow mode does not hide another; keyed by configured names only. */
    private static final ConcurrentMap<String, ThrottledLog> SHADOW_REFUSALS = new ConcurrentHashMap<>();

    static {
        Logger logger = Logger.getLogger(RateLimitInterceptor.class.getName());
        for (FailureReason reason : FailureReason.values()) {
            UNDECIDED.put(reason, new ThrottledLog(logger, Duration.ofSeconds(10), System::nanoTime));
        }
    }

    private final Bean<?> intercepted;
    private final EndpointPolicies endpointPolicies;
    private final RateLimitDecider decider;
    private final ClientIds clientIds;
    private final RateLimitMetrics metrics;
    private final HttpServletRequest request;

    @Inject
    RateLimitInterceptor(
            @Intercepted Bean<?> intercepted,
            EndpointPolicies endpointPolicies,
            RateLimitDecider decider,
            ClientIds clientIds,
            RateLimitMetrics metrics,
            HttpServletRequest request) {
        this.intercepted = intercepted;
        this.endpointPolicies = endpointPolicies;
        this.decider = decider;
        this.clientIds = clientIds;
        this.metrics = metrics;
        this.request = request;
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
                logShadowRefusal(policy, "400: the call carries no client id");
                return invocation.proceed();
            }
            throw RateLimitRejection.missingClientId(policy, clientIds.expectedSource(endpoint.clientIdSource()));
        }
        long started = System.nanoTime();
        Verdict verdict = decider.decide(policy, client.get());
        metrics.decided(policy.name(), verdict, System.nanoTime() - started, shadow);
        verdict.failure().ifPresent(failure -> logUndecided(policy, failure, shadow));
        if (shadow) {
            // Headers would tell clients of limits that do not apply yet.
            if (!verdict.permitsCall()) {
                logShadowRefusal(policy, verdict.decision().isPresent() ? "429: over the limit" : "503: Redis failed");
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

    private static void logShadowRefusal(RateLimitPolicy policy, String answer) {
        SHADOW_REFUSALS
                .computeIfAbsent(
                        policy.name(),
                        name -> new ThrottledLog(
                                Logger.getLogger(RateLimitInterceptor.class.getName()),
                                Duration.ofSeconds(10),
                                System::nanoTime))
                .log(
                        Level.INFO,
                        () -> "policy '" + policy.name() + "' is in shadow mode: a call it would"
                                + " have refused with " + answer
                                + " ran; ratelimit_decisions_total{outcome=\"shadow_blocked\"}"
                                + " counts every one",
                        null);
    }

    private static void logUndecided(RateLimitPolicy policy, LimiterUnavailableException failure, boolean shadow) {
        // An outage is for whoever runs Redis; a refusal (credentials, memory, key clash) for whoever set it up.
        Level level = failure.reason().outage()
                        || failure.reason() == FailureReason.BREAKER_OPEN
                        || failure.reason() == FailureReason.POOL_EXHAUSTED
                ? Level.WARNING
                : Level.SEVERE;
        UNDECIDED
                .get(failure.reason())
                .log(
                        level,
                        () -> failure.getMessage() + "; policy '" + policy.name()
                                + "' "
                                + (shadow
                                        ? "is in shadow mode: calls run"
                                        : switch (policy.failureMode()) {
                                            case OPEN -> "is fail-open: calls pass undecided";
                                            case CLOSED -> "is fail-closed: calls get 503";
                                            case LOCAL ->
                                                "decides locally: calls are limited by this instance's share of the policy";
                                        }),
                        failure.getCause());
    }
}
