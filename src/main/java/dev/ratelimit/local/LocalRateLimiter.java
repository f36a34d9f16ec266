package dev.ratelimit.local;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
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
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.TimeUnit;

/**
 * Token buckets in this instance's memory, each sized for one instance's share of its policy: the capacity
 * and the refill rate divided by the number of instances expected to share the policy. Bucket4j's local
 * buckets do the arithmetic; per policy, a Caffeine cache holds at most {@code maxClients} of them and drops
 * one once it has been idle long enough to be full again, when it is no different from a new one. Client ids
 * come from requests, hence the bound: the policies come from configuration, and a client evicted early
 * only gets a full bucket again. Like Redis' keys, buckets belong to a policy's name and limits, so methods
 * sharing a named policy at different costs share its bucket.
 */
public final class LocalRateLimiter implements RateLimiter {

    private final int instances;
    private final long maxClients;
    private final TimeMeter clock;
    private final ConcurrentMap<PolicyBuckets, Cache<ClientId, Bucket>> bucketsByPolicy = new ConcurrentHashMap<>();

    /** What a bucket belongs to: a cost is the call's, not the bucket's. */
    private record PolicyBuckets(String name, List<BucketLimits> bands) {

        static PolicyBuckets of(RateLimitPolicy policy) {
            List<BucketLimits> bands = new ArrayList<>(policy.bandCount());
            for (int band = 0; band < policy.bandCount(); band++) {
                bands.add(policy.limitsOfBand(band));
            }
            return new PolicyBuckets(policy.name(), List.copyOf(bands));
        }
    }

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
    }

    /**
     * Every band of the policy is one limit of one Bucket4j bucket, which takes from all or none; the
     * decision's figures are Bucket4j's across them all, reported as the policy's own band's.
     */
    @Override
    public Decision acquire(RateLimitPolicy policy, ClientId client) {
        PolicyBuckets shape = PolicyBuckets.of(policy);
        Cache<ClientId, Bucket> buckets = bucketsByPolicy.computeIfAbsent(shape, this::newCache);
        long smallestShare = shape.bands().stream().mapToLong(this::shareOfCapacity).min().orElseThrow();
        // A call costing more than this instance's share takes all of it: once per refill of the share.
        ConsumptionProbe probe = buckets.get(client, id -> newBucket(shape))
                .tryConsumeAndReturnRemaining(Math.min(policy.cost(), smallestShare));
        return new Decision(probe.isConsumed(), probe.getRemainingTokens(),
                probe.isConsumed() ? 0 : TimeUnit.NANOSECONDS.toMillis(probe.getNanosToWaitForRefill()),
                TimeUnit.NANOSECONDS.toMillis(probe.getNanosToWaitForReset()));
    }

    /** The capacity of one instance's bucket: its share, rounded up. */
    private long shareOfCapacity(BucketLimits limits) {
        return -Math.floorDiv(-limits.capacity(), instances);
    }

    /** One instance's share of the refill rate: the policy's tokens over a period that many times longer. */
    private Duration shareOfRefillPeriod(BucketLimits limits) {
        return limits.refillPeriod().multipliedBy(instances);
    }

    private Bucket newBucket(PolicyBuckets shape) {
        var builder = Bucket.builder();
        for (BucketLimits limits : shape.bands()) {
            builder.addLimit(limit -> limit.capacity(shareOfCapacity(limits))
                    .refillGreedy(limits.refillTokens(), shareOfRefillPeriod(limits)));
        }
        return builder.withCustomTimePrecision(clock).build();
    }

    private Cache<ClientId, Bucket> newCache(PolicyBuckets policy) {
        Duration untilFull = policy.bands().stream()
                .map(limits -> shareOfRefillPeriod(limits).multipliedBy(shareOfCapacity(limits))
                        .dividedBy(limits.refillTokens()))
                .max(Duration::compareTo).orElseThrow();
        return Caffeine.newBuilder()
                .maximumSize(maxClients)
                .expireAfterAccess(untilFull.plusSeconds(1))
                .ticker(clock::currentTimeNanos)
                // Maintenance runs on the calling thread: an application server owns the threads.
                .executor(Runnable::run)
                .build();
    }

    /** Buckets kept for the policy now, after evicting what is due. */
    long bucketCount(RateLimitPolicy policy) {
        Cache<ClientId, Bucket> buckets = bucketsByPolicy.get(PolicyBuckets.of(policy));
        if (buckets == null) {
            return 0;
        }
        buckets.cleanUp();
        return buckets.estimatedSize();
    }

    /** Forgets every bucket. */
    @Override
    public void close() {
        bucketsByPolicy.clear();
    }

    @Override
    public String toString() {
        return "LocalRateLimiter[instances=" + instances + ", maxClients=" + maxClients + "]";
    }
}
