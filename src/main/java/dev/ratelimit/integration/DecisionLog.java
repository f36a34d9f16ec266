package dev.ratelimit.integration;

import dev.ratelimit.core.FailureReason;
import dev.ratelimit.core.LimiterUnavailableException;
import dev.ratelimit.core.RateLimitPolicy;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * What the interceptor tells operators of the calls it decides, each kind at most once per {@link #INTERVAL} with a
 * count of the ones held back: why Redis could not decide, one log per reason so that a rare refusal is not held
 * back behind a stream of timeouts, and the calls a shadow-mode policy would have refused, one log per policy. State
 * of the application, so that a redeployment starts with its own.
 *
 * <p>A failure whose reason says all there is to know (Redis unreachable, slow, or refusing for a reason it names)
 * is logged without its stack trace, which stays available at FINE; a failure no reason names keeps it.
 */
@ApplicationScoped
public class DecisionLog {

    static final Duration INTERVAL = Duration.ofSeconds(10);

    /** The interceptor's name: where operators already look, and filter, for what decisions log. */
    private static final Logger LOG = Logger.getLogger(RateLimitInterceptor.class.getName());

    private final Map<FailureReason, ThrottledLog> undecided = new EnumMap<>(FailureReason.class);
    /** Keyed by configured policy names only, which the deployment bounds. */
    private final ConcurrentMap<String, ThrottledLog> shadowRefusals = new ConcurrentHashMap<>();

    public DecisionLog() {
        for (FailureReason reason : FailureReason.values()) {
            undecided.put(reason, new ThrottledLog(LOG, INTERVAL, System::nanoTime));
        }
    }

    /** Redis could not decide a call of the policy; what the call got instead is the policy's failure mode's. */
    void undecided(RateLimitPolicy policy, LimiterUnavailableException failure, boolean shadow) {
        FailureReason reason = failure.reason();
        // An outage is for whoever runs Redis; a refusal (credentials, memory, key clash) for whoever set it up.
        Level level = reason.outage() || reason == FailureReason.BREAKER_OPEN || reason == FailureReason.POOL_EXHAUSTED
                ? Level.WARNING
                : Level.SEVERE;
        boolean explained = reason != FailureReason.ERROR_REPLY && reason != FailureReason.SCRIPT_ERROR;
        boolean logged = undecided
                .get(reason)
                .log(
                        level,
                        () -> failure.getMessage() + "; policy '" + policy.name() + "' " + outcome(policy, shadow),
                        explained ? null : failure.getCause());
        if (logged && explained && failure.getCause() != null && LOG.isLoggable(Level.FINE)) {
            LOG.log(Level.FINE, "The failure behind the last report of " + reason.label(), failure.getCause());
        }
    }

    /** A shadow-mode policy let a call run that it would have answered as {@code answer} says. */
    void shadowRefusal(RateLimitPolicy policy, String answer) {
        shadowRefusals
                .computeIfAbsent(policy.name(), name -> new ThrottledLog(LOG, INTERVAL, System::nanoTime))
                .log(
                        Level.INFO,
                        () -> "policy '" + policy.name() + "' is in shadow mode: a call it would have refused with "
                                + answer + " ran; ratelimit_decisions_total{outcome=\"shadow_blocked\"} counts every"
                                + " one",
                        null);
    }

    private static String outcome(RateLimitPolicy policy, boolean shadow) {
        if (shadow) {
            return "is in shadow mode: calls run";
        }
        return switch (policy.failureMode()) {
            case OPEN -> "is fail-open: calls pass undecided";
            case CLOSED -> "is fail-closed: calls get 503";
            case LOCAL -> "decides locally: calls are limited by this instance's share of the policy";
        };
    }
}
