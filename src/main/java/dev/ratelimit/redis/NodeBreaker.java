package dev.ratelimit.redis;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One Redis node's circuit breaker: resilience4j's, weighing outages among the node's latest calls, with one rule of
 * its own. The first time Redis answers after failures, while the breaker has not yet weighed a full window, the
 * failures before that answer are forgotten, once per closed period: on a quiet start with Redis down, a few old
 * failures would otherwise add up with the first successes after Redis came back and open the breaker then, skipping
 * decisions Redis could make. Once only, so that a Redis failing every other call still fills a window and opens the
 * breaker as its failure rate says; a breaker that closes after its probes starts with an empty window, and the rule
 * applies once again.
 */
final class NodeBreaker {

    private final CircuitBreaker breaker;
    private final int window;
    /** Whether a call failed since Redis last answered: only then can there be old failures to forget. */
    private final AtomicBoolean failedSinceAnswer = new AtomicBoolean();
    /** Whether this closed period's one forgetting is still to come. */
    private final AtomicBoolean mayForget = new AtomicBoolean(true);

    NodeBreaker(String node, CircuitBreakerConfig config) {
        this.breaker = CircuitBreaker.of(node, config);
        this.window = config.getSlidingWindowSize();
        breaker.getEventPublisher().onStateTransition(event -> {
            if (event.getStateTransition().getToState() == CircuitBreaker.State.CLOSED) {
                mayForget.set(true);
            }
        });
    }

    CircuitBreaker breaker() {
        return breaker;
    }

    boolean tryAcquirePermission() {
        return breaker.tryAcquirePermission();
    }

    /** Redis answered the call, with a decision or at once with an error reply. */
    void answered(long nanos) {
        breaker.onSuccess(nanos, TimeUnit.NANOSECONDS);
        if (failedSinceAnswer.get()
                && failedSinceAnswer.compareAndSet(true, false)
                && breaker.getState() == CircuitBreaker.State.CLOSED
                && breaker.getMetrics().getNumberOfBufferedCalls() < window
                && mayForget.compareAndSet(true, false)) {
            // A call of another thread may open the breaker between the check and the reset, which then closes it
            // again: a few more calls meet the outage, and the breaker opens once more.
            breaker.reset();
        }
    }

    /** The call met an outage: no reply in time, or no connection. */
    void failed(long nanos, Throwable failure) {
        failedSinceAnswer.set(true);
        breaker.onError(nanos, TimeUnit.NANOSECONDS, failure);
    }

    /** The call never reached Redis, for a reason that says nothing of it. */
    void released() {
        breaker.releasePermission();
    }

    CircuitBreaker.State state() {
        return breaker.getState();
    }
}
