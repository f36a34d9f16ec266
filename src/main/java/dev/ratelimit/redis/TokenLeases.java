package dev.ratelimit.redis;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import com.github.benmanes.caffeine.cache.RemovalCause;
import dev.ratelimit.core.Decision;
import dev.ratelimit.core.RateLimitPolicy;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The leases this instance holds, one at most per bucket: calls of a leasing policy are admitted from its lease
 * without asking Redis until it is spent or its time is up; then one call takes the next lease, ending the old one
 * in the same script call, while the others wait for it. Leases are debited in Redis before any call they admit,
 * so nothing is admitted that the bucket did not hand out.
 *
 * <p>A lease's size follows the demand this instance sees for the bucket: the tokens asked for during the last
 * spending time, between the call's own cost and the policy's {@link RateLimitPolicy#maxLeasedTokens() share}.
 * With little demand that is the cost alone: nothing is leased and each call is decided by Redis, as without
 * leases. An instance spends a lease for three quarters of the time Redis holds it, so that what it did not spend
 * reaches Redis while it is still held there; a give-back is its own call, made off the callers' path, and when it
 * fails the hold simply ends in Redis, its tokens lost, never counted twice.
 *
 * <p>Buckets are kept in a size-bounded cache: one evicted for room gives its lease back; so does {@link #close()},
 * for all. One left unused for twice its lease's duration goes at the cache's next upkeep, with no timer: by then
 * its hold has ended in Redis, so giving back credits nothing. That upkeep runs on the calling thread: it is short,
 * and handing it to a pool woke a thread every few calls, which a server with no idle core pays for in latency.
 */
final class TokenLeases implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(TokenLeases.class.getName());

    /** Sets of leases sit beside their buckets, in their hash slot; '#' ends no band's key. */
    static final String LEASES_SUFFIX = "#leases";

    /** How long {@link #close()} waits for the last give-backs. */
    private static final long CLOSE_WAIT_MILLIS = 2_000;

    /** Asks Redis for a lease, through what stands before Redis. */
    interface Taker {
        /** A refusal this instance has for the bucket without asking Redis (the hot-key shield), or null. */
        Decision refusedWithoutAsking(RateLimitPolicy policy, String key);

        LeaseGrant take(RateLimitPolicy policy, List<String> keys, LeaseCall call);
    }

    /** Gives a lease back, off the callers' path. */
    interface GiveBack {
        void giveBack(RateLimitPolicy policy, List<String> keys, LeaseCall call);
    }

    private final Cache<String, LeasedBucket> buckets;
    private final GiveBack giveBack;
    private final ExecutorService giveBacks;
    private final String instanceId;
    private final AtomicLong leaseCounter = new AtomicLong();

    TokenLeases(int maxBuckets, GiveBack giveBack) {
        this.giveBack = giveBack;
        this.giveBacks = Executors.newSingleThreadExecutor(task -> {
            Thread thread = new Thread(task, "ratelimit-lease-give-back");
            thread.setDaemon(true);
            return thread;
        });
        this.instanceId = Long.toString(new SecureRandom().nextLong() & Long.MAX_VALUE, 36);
        this.buckets = Caffeine.newBuilder()
                .maximumSize(maxBuckets)
                .expireAfter(Expiry.accessing((String key, LeasedBucket bucket) -> bucket.idleLifetime()))
                .executor(Runnable::run)
                .removalListener((String key, LeasedBucket bucket, RemovalCause cause) -> {
                    if (bucket != null && cause.wasEvicted()) {
                        bucket.endLease();
                    }
                })
                .build();
    }

    /**
     * Admits the call from this instance's lease of the bucket, or takes a new lease for it.
     *
     * @param keys the policy's band keys for the client; the set of its leases is named after the first
     * @throws dev.ratelimit.core.LimiterUnavailableException when the lease is spent and Redis cannot give another
     */
    Decision acquire(RateLimitPolicy policy, List<String> keys, Taker taker) {
        LeasedBucket bucket = buckets.get(keys.get(0), key -> new LeasedBucket(keys));
        if (!bucket.leases(keys)) {
            // A client whose tier changed to one of other bands: its lease ends, and one of these bands follows.
            bucket = buckets.asMap().compute(keys.get(0), (key, existing) -> {
                if (existing != null && existing.leases(keys)) {
                    return existing;
                }
                if (existing != null) {
                    existing.endLease();
                }
                return new LeasedBucket(keys);
            });
        }
        return bucket.acquire(policy, taker);
    }

    @Override
    public void close() {
        buckets.asMap().values().forEach(LeasedBucket::endLease);
        buckets.invalidateAll();
        giveBacks.shutdown();
        try {
            if (!giveBacks.awaitTermination(CLOSE_WAIT_MILLIS, TimeUnit.MILLISECONDS)) {
                LOG.fine("Redis did not take every lease back in time: their holds end by themselves");
                giveBacks.shutdownNow();
            }
        } catch (InterruptedException e) {
            giveBacks.shutdownNow();
            Thread.currentThread().interrupt();
        }
    }

    private static List<String> withLeasesKey(List<String> keys) {
        List<String> all = new ArrayList<>(keys.size() + 1);
        all.addAll(keys);
        all.add(keys.get(0) + LEASES_SUFFIX);
        return List.copyOf(all);
    }

    /** One lease: its tokens left to spend, until its deadline. */
    private static final class Lease {
        final RateLimitPolicy policy;
        final String member;
        final AtomicLong left;
        final long grantedAtNanos;
        final long deadlineNanos;
        /** The bucket as Redis reported it after the lease was taken. */
        final Decision granted;

        Lease(RateLimitPolicy policy, String member, long tokens, long grantedAtNanos, Decision granted) {
            this.policy = policy;
            this.member = member;
            this.left = new AtomicLong(tokens);
            this.grantedAtNanos = grantedAtNanos;
            this.deadlineNanos = grantedAtNanos + spendingNanos(policy);
            this.granted = granted;
        }

        /**
         * Spends the call's cost if the lease still holds it for the policy as it is now. The decision reports the
         * bucket as Redis left it when the lease was taken, plus what the lease still holds: tokens this client can
         * still be given, were nobody else to spend; the reset counts down from the one Redis gave.
         */
        Decision spend(RateLimitPolicy current, long now) {
            if (!current.equals(policy) || now - deadlineNanos >= 0) {
                return null;
            }
            long cost = current.cost();
            for (long tokens = left.get(); tokens >= cost; tokens = left.get()) {
                if (left.compareAndSet(tokens, tokens - cost)) {
                    long spentAt = System.nanoTime();
                    if (spentAt - deadlineNanos >= 0) {
                        // Paused since the check (a collection, a busy host): Redis may have ended the hold by
                        // now, so these tokens are lost rather than spent.
                        return null;
                    }
                    long elapsedMillis = TimeUnit.NANOSECONDS.toMillis(spentAt - grantedAtNanos);
                    return new Decision(
                            true,
                            granted.remaining() + tokens - cost,
                            0,
                            Math.max(0, granted.resetAfterMillis() - elapsedMillis),
                            granted.band());
                }
            }
            return null;
        }

        /** Stops any spending: the tokens left, to give back. */
        long end() {
            return left.getAndSet(0);
        }
    }

    /** What the waiting calls of a bucket learn from the call that took a lease for them. */
    private record Taken(Decision refusal, RuntimeException failure) {}

    /** One bucket's lease and the demand this instance sees for it. */
    private final class LeasedBucket {
        private final List<String> bandKeys;
        private final List<String> keys;
        private volatile Lease lease;
        /** Set while one call takes the next lease; the others wait for it rather than each asking Redis. */
        private CompletableFuture<Taken> taking;

        private final LongAdder demanded = new LongAdder();
        private long windowStartNanos = System.nanoTime();
        private long lastWindowDemand;
        private volatile Duration idleLifetime = Duration.ofSeconds(1);

        LeasedBucket(List<String> keys) {
            this.bandKeys = List.copyOf(keys);
            this.keys = withLeasesKey(keys);
        }

        /** Whether it leases from exactly these bands. */
        boolean leases(List<String> bands) {
            return bandKeys.equals(bands);
        }

        Duration idleLifetime() {
            return idleLifetime;
        }

        Decision acquire(RateLimitPolicy policy, Taker taker) {
            demanded.add(policy.cost());
            idleLifetime = policy.leasing().duration().multipliedBy(2);
            while (true) {
                Lease current = lease;
                Decision spent = current == null ? null : current.spend(policy, System.nanoTime());
                if (spent != null) {
                    return spent;
                }
                CompletableFuture<Taken> flight;
                boolean leader = false;
                synchronized (this) {
                    flight = taking;
                    if (flight == null) {
                        flight = new CompletableFuture<>();
                        taking = flight;
                        leader = true;
                    }
                }
                if (leader) {
                    return takeLease(policy, taker, flight);
                }
                Taken taken;
                try {
                    taken = flight.join();
                } catch (CompletionException e) {
                    throw new IllegalStateException("a lease flight never fails exceptionally", e);
                }
                if (taken.failure() != null) {
                    throw taken.failure();
                }
                if (taken.refusal() != null) {
                    return taken.refusal();
                }
                // A lease came, or the call that took it leased nothing beyond its own: try again.
            }
        }

        private Decision takeLease(RateLimitPolicy policy, Taker taker, CompletableFuture<Taken> flight) {
            Lease ended = lease;
            long unspent = ended == null ? 0 : ended.end();
            String id = instanceId + "-" + leaseCounter.incrementAndGet();
            LeaseCall call = new LeaseCall(
                    policy.cost(),
                    want(policy),
                    policy.leasing().duration().toMillis(),
                    id,
                    ended == null ? "" : ended.member,
                    unspent);
            long started = System.nanoTime();
            Lease next = null;
            Decision answer = null;
            Taken taken;
            try {
                Decision refused = taker.refusedWithoutAsking(policy, keys.get(0));
                if (refused != null) {
                    if (ended != null) {
                        giveBackLater(ended, unspent);
                    }
                    answer = refused;
                    taken = new Taken(refused, null);
                } else {
                    LeaseGrant grant = taker.take(policy, keys, call);
                    if (grant.leased() > 0) {
                        next = new Lease(
                                policy,
                                LeaseCall.member(grant.leased(), id),
                                grant.leased(),
                                started,
                                grant.decision());
                    }
                    taken = new Taken(grant.decision().allowed() ? null : grant.decision(), null);
                    answer = grant.decision();
                }
            } catch (RuntimeException e) {
                // The call may have reached Redis before it failed: giving back again credits nothing twice.
                if (ended != null) {
                    giveBackLater(ended, unspent);
                }
                taken = new Taken(null, e);
            }
            // The new lease is in place before the waiting calls wake, so that none finds the old one and spins.
            synchronized (this) {
                lease = next;
                taking = null;
            }
            flight.complete(taken);
            if (taken.failure() != null) {
                throw taken.failure();
            }
            return answer;
        }

        /**
         * Tokens to take: those this instance was asked for during the last spending time (or so far in this one,
         * were it more), at least the call's cost and at most its cost plus the policy's share.
         */
        private long want(RateLimitPolicy policy) {
            long now = System.nanoTime();
            long window = spendingNanos(policy);
            long elapsed = now - windowStartNanos;
            long current = demanded.sum();
            if (elapsed >= window) {
                // What was asked before this call, scaled to one window, so that an idle spell makes the next
                // lease small again; this call opens the next window.
                lastWindowDemand = (long) ((current - policy.cost()) * ((double) window / elapsed));
                demanded.add(-(current - policy.cost()));
                windowStartNanos = now;
                current = policy.cost();
            }
            long demand = Math.max(lastWindowDemand, current);
            return Math.max(policy.cost(), Math.min(demand, policy.cost() + policy.maxLeasedTokens()));
        }

        void endLease() {
            Lease ended;
            synchronized (this) {
                ended = lease;
                lease = null;
            }
            if (ended != null) {
                giveBackLater(ended, ended.end());
            }
        }

        /** Ends the lease in Redis, giving back what it did not spend, on the give-backs' thread. */
        private void giveBackLater(Lease ended, long unspent) {
            LeaseCall call =
                    new LeaseCall(0, 0, ended.policy.leasing().duration().toMillis(), "", ended.member, unspent);
            try {
                giveBacks.execute(() -> {
                    try {
                        giveBack.giveBack(ended.policy, keys, call);
                    } catch (RuntimeException e) {
                        LOG.log(Level.FINE, e, () -> "A lease was not given back; its hold ends in Redis by itself");
                    }
                });
            } catch (RejectedExecutionException e) {
                // Closing: the hold ends in Redis by itself.
            }
        }
    }

    /** An instance spends a lease for three quarters of its duration, leaving a quarter for the give-back. */
    static long spendingNanos(RateLimitPolicy policy) {
        return policy.leasing().duration().toNanos() / 4 * 3;
    }
}
