package dev.ratelimit.local;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.ratelimit.core.Band;
import dev.ratelimit.core.BucketLimits;
import dev.ratelimit.core.ClientId;
import dev.ratelimit.core.Decision;
import dev.ratelimit.core.RateLimitPolicy;
import dev.ratelimit.core.RateLimiter;
import io.github.bucket4j.Bucket;
import io.github.bucket4j.ConsumptionProbe;
import io.github.bucket4j.TimeMeter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Token buckets in this instance's memory, each sized for one instance's share of its policy: the capacity
 * and the refill rate divided by the number of instances expected to share the policy. Bucket4j's local
 * buckets do the arithmetic; per policy, a Caffeine cache holds at most {@code maxClients} of them and drops
 * one once it has been idle long enough to be full again, when it is no different from a new one. Client ids
 * come from requests, hence the bound: the policies come from configuration, and a client evicted early
 * only gets a full bucket again. Buckets belong to a policy's name and limits, so methods sharing a named policy
 * at different costs share its bucket, each tier of a policy has buckets of its own, and limits changed at runtime
 * make new buckets, which start full; those of limits no call has used for an hour are dropped.
 */
public final class LocalRateLimiter implements RateLimiter {

    private static final Duration UNUSED_LIMITS_KEPT = Duration.ofHours(1);

    private final int instances;
    private final long maxClients;
    private final TimeMeter clock;
    private final Cache<Shape, PolicyBuckets> bucketsByShape;

    /** What a policy's buckets are made for: its name and limits (a cost is the call's, not the bucket's). */
    private record Shape(String name, BucketLimits limits, List<Band> extraBands) {
        static Shape of(RateLimitPolicy policy) {
            return new Shape(policy.name(), policy.limits(), policy.extraBands());
        }
    }

    /** A policy's buckets, with the smallest of its bands' shares, worked out once. */
    private record PolicyBuckets(long smallestShare, Cache<ClientId, Bucket> buckets) {}

    /**
     * @param instances  how many instances share each policy: each gets that fraction of it
     * @param maxClients buckets kept per policy at most
     */
    public LocalRateLimiter(int instances, long maxClients) {
        this(instances, maxClients, TimeMeter.SYSTEM_NANOTIME);
    }

    LocalRateLimiter(int instances, long maxClients, TimeMeter clock) {
        if (instances < 1) {
            throw new IllegalArgumentException("instances must be at least 1, was " + instances);
        }
        if (maxClients < 1) {
            throw new IllegalArgumentException("maxClients must be at least 1, was " + maxClients);
        }
        this.instances = instances;
        this.maxClients = maxClients;
        this.clock = clock;
        this.bucketsByShape = Caffeine.newBuilder()
                .expireAfterAccess(UNUSED_LIMITS_KEPT)
                .ticker(clock::currentTimeNanos)
                .executor(Runnable::run)
                .build();
    }

    /**
     * Every band of the policy is one limit of one Bucket4j bucket, which takes from all or none; the
     * decision's figures are Bucket4j's across them all, reported as the policy's own band's.
     */
    @Override
    public Decision acquire(RateLimitPolicy policy, ClientId client) {
        PolicyBuckets buckets = bucketsOf(policy);
        // A call costing more than this instance's share takes all of it: once per refill of the share.
        ConsumptionProbe probe = buckets.buckets()
                .get(client, id -> newBucket(policy))
                .tryConsumeAndReturnRemaining(Math.min(policy.cost(), buckets.smallestShare()));
        return new Decision(
                probe.isConsumed(),
                probe.getRemainingTokens(),
                probe.isConsumed() ? 0 : TimeUnit.NANOSECONDS.toMillis(probe.getNanosToWaitForRefill()),
                TimeUnit.NANOSECONDS.toMillis(probe.getNanosToWaitForReset()));
    }

    /** Adds back what {@link #acquire} took for one call, up to the bucket's capacity. */
    @Override
    public void giveBack(RateLimitPolicy policy, ClientId client) {
        PolicyBuckets buckets = bucketsByShape.getIfPresent(Shape.of(policy));
        Bucket bucket = buckets == null ? null : buckets.buckets().getIfPresent(client);
        if (bucket != null) {
            bucket.addTokens(Math.min(policy.cost(), buckets.smallestShare()));
        }
    }

    /** Forgets the client's buckets of the policy, of every tier: its next call finds a full one. */
    @Override
    public void reset(RateLimitPolicy policy, ClientId client) {
        bucketsByShape.asMap().forEach((shape, buckets) -> {
            if (shape.name().equals(policy.name())) {
                buckets.buckets().invalidate(client);
            }
        });
    }

    /** The capacity of one instance's bucket: its share, rounded up. */
    private long shareOfCapacity(BucketLimits limits) {
        return -Math.floorDiv(-limits.capacity(), instances);
    }

    /** One instance's share of the refill rate: the policy's tokens over a period that many times longer. */
    private Duration shareOfRefillPeriod(BucketLimits limits) {
        return limits.refillPeriod().multipliedBy(instances);
    }

    private PolicyBuckets bucketsOf(RateLimitPolicy policy) {
        return bucketsByShape.get(Shape.of(policy), shape -> newBuckets(policy));
    }

    private static List<BucketLimits> bandsOf(RateLimitPolicy policy) {
        List<BucketLimits> bands = new ArrayList<>(policy.bandCount());
        for (int band = 0; band < policy.bandCount(); band++) {
            bands.add(policy.limitsOfBand(band));
        }
        return bands;
    }

    private Bucket newBucket(RateLimitPolicy policy) {
        var builder = Bucket.builder();
        for (BucketLimits limits : bandsOf(policy)) {
            builder.addLimit(limit -> limit.capacity(shareOfCapacity(limits))
                    .refillGreedy(limits.refillTokens(), shareOfRefillPeriod(limits)));
        }
        return builder.withCustomTimePrecision(clock).build();
    }

    private PolicyBuckets newBuckets(RateLimitPolicy policy) {
        List<BucketLimits> bands = bandsOf(policy);
        Duration untilFull = bands.stream()
                .map(limits -> shareOfRefillPeriod(limits)
                        .multipliedBy(shareOfCapacity(limits))
                        .dividedBy(limits.refillTokens()))
                .max(Duration::compareTo)
                .orElseThrow();
        Cache<ClientId, Bucket> buckets = Caffeine.newBuilder()
                .maximumSize(maxClients)
                .expireAfterAccess(untilFull.plusSeconds(1))
                .ticker(clock::currentTimeNanos)
                // Maintenance runs on the calling thread: an application server owns the threads.
                .executor(Runnable::run)
                .build();
        long smallestShare =
                bands.stream().mapToLong(this::shareOfCapacity).min().orElseThrow();
        return new PolicyBuckets(smallestShare, buckets);
    }

    /** Buckets kept for the policy now, after evicting what is due. */
    long bucketCount(RateLimitPolicy policy) {
        PolicyBuckets policyBuckets = bucketsByShape.getIfPresent(Shape.of(policy));
        if (policyBuckets == null) {
            return 0;
        }
        Cache<ClientId, Bucket> buckets = policyBuckets.buckets();
        buckets.cleanUp();
        return buckets.estimatedSize();
    }

    /** Forgets every bucket. */
    @Override
    public void close() {
        bucketsByShape.invalidateAll();
    }

    @Override
    public String toString() {
        return "LocalRateLimiter[instances=" + instances + ", maxClients=" + maxClients + "]";
    }
}
