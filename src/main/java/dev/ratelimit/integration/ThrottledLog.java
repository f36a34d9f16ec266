package dev.ratelimit.integration;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Logs at most once per interval and counts the ones it holds back, so that a Redis outage under
 * load writes a line every few seconds rather than one per request. Lock-free: one compare-and-set picks
 * the caller that logs.
 */
final class ThrottledLog {

    private final Logger logger;
    private final long intervalNanos;
    private final LongSupplier nanoClock;
    private final AtomicLong nextLogAt;
    private final AtomicLong heldBack = new AtomicLong();

    ThrottledLog(Logger logger, Duration interval, LongSupplier nanoClock) {
        this.logger = logger;
        this.intervalNanos = interval.toNanos();
        this.nanoClock = nanoClock;
        this.nextLogAt = new AtomicLong(nanoClock.getAsLong());
    }

    /**
     * Logs the message, with the cause's stack trace when there is one, unless one was logged less than an interval
     * ago.
     *
     * @return whether it was logged
     */
    boolean log(Level level, Supplier<String> message, Throwable cause) {
        long now = nanoClock.getAsLong();
        long due = nextLogAt.get();
        if (now - due < 0 || !nextLogAt.compareAndSet(due, now + intervalNanos)) {
            heldBack.incrementAndGet();
            return false;
        }
        long skipped = heldBack.getAndSet(0);
        String suffix = skipped == 0 ? "" : " (" + skipped + " more like it since the last report)";
        logger.log(level, message.get() + suffix, cause);
        return true;
    }
}
