package dev.ratelimit.redis;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import dev.ratelimit.core.Band;
import dev.ratelimit.core.BucketLimits;
import dev.ratelimit.core.Decision;
import dev.ratelimit.core.RateLimitPolicy;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The hot-key shield: buckets Redis just refused, answered here until the retry-after it gave. When Redis
 * says a bucket lacks its cost in tokens and will have them in t, nothing any instance does can fill it
 * sooner (calls only take tokens), so every call on it before t is refused without asking Redis: this never
 * admits what Redis would refuse. It only spares Redis the flood a client over its limit sends, and that
 * client's calls a round trip each. The local clock starts when the reply arrives, after Redis counted t, so
 * the shield lets go no sooner than Redis would admit again, and later by at most one round trip.
 *
 * <p>With several bands, the refusal's wait is that of the band that waits longest: no call fits before it.
 * A bucket is remembered with the limits and cost it was refused under: a changed policy asks Redis
 * again. The map holds at most {@code maxEntries} buckets (Caffeine, least recently used out first), each
 * leaving at its retry-after.
 */
final class BlockedBuckets {

    private final Cache<String, Refusal> refusals;

    /** Times on {@link System#nanoTime()}'s clock. */
    private record Refusal(
            BucketLimits limits, List<Band> extraBands, long cost, long retryAtNanos, long resetAtNanos, int band) {

        long nanosLeft() {
            return retryAtNanos - System.nanoTime();
        }
    }

    BlockedBuckets(int maxEntries) {
        this.refusals = Caffeine.newBuilder()
                .maximumSize(maxEntries)
                // A newer refusal replaces an older one with its own expiry.
                .expireAfter(Expiry.writing((String key, Refusal refusal) -> Duration.ofNanos(refusal.nanosLeft())))
                .build();
    }

    /** Redis' refusal of the bucket, counted down, while it holds; else null, and Redis is to be asked. */
    Decision refusalOf(String key, RateLimitPolicy policy) {
        Refusal refusal = refusals.getIfPresent(key);
        if (refusal == null
                || refusal.cost() != policy.cost()
                || !refusal.limits().equals(policy.limits())
                || !refusal.extraBands().equals(policy.extraBands())) {
            return null;
        }
        long now = System.nanoTime();
        long retryAfterMillis = ceilMillis(refusal.retryAtNanos() - now);
        if (retryAfterMillis <= 0) {
            return null;
        }
        return new Decision(
                false,
                0,
                retryAfterMillis,
                Math.max(retryAfterMillis, ceilMillis(refusal.resetAtNanos() - now)),
                refusal.band());
    }

    /** Remembers a refusal that waits for refill; an allowed call, or a refusal with no wait, is left alone. */
    void record(String key, RateLimitPolicy policy, Decision decision) {
        if (decision.allowed() || decision.retryAfterMillis() <= 0) {
            return;
        }
        long now = System.nanoTime();
        refusals.put(
                key,
                new Refusal(
                        policy.limits(),
                        policy.extraBands(),
                        policy.cost(),
                        now + TimeUnit.MILLISECONDS.toNanos(decision.retryAfterMillis()),
                        now + TimeUnit.MILLISECONDS.toNanos(decision.resetAfterMillis()),
                        decision.band()));
    }

    /** Forgets the bucket's refusal: it was filled again, and Redis is to be asked. */
    void forget(String key) {
        refusals.invalidate(key);
    }

    private static long ceilMillis(long nanos) {
        return -Math.floorDiv(-nanos, TimeUnit.MILLISECONDS.toNanos(1));
    }
}
