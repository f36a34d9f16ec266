package dev.ratelimit.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import dev.ratelimit.core.Band;
import dev.ratelimit.core.BucketLimits;
import dev.ratelimit.core.ClientId;
import dev.ratelimit.core.Decision;
import dev.ratelimit.core.FailureMode;
import dev.ratelimit.core.RateLimitPolicy;
import io.github.bucket4j.TimeMeter;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** One instance's share of a policy, on a clock the test moves. */
class LocalRateLimiterTest {

    private static final RateLimitPolicy TEN_PER_SECOND =
            new RateLimitPolicy("ten", new BucketLimits(10, 10, Duration.ofSeconds(1)), 1, FailureMode.LOCAL);

    private final AtomicLong nanos = new AtomicLong();
    private final TimeMeter clock = new TimeMeter() {
        @Override
        public long currentTimeNanos() {
            return nanos.get();
        }

        @Override
        public boolean isWallClockBased() {
            return false;
        }
    };

    private long allowedOf(LocalRateLimiter limiter, RateLimitPolicy policy, String client, int attempts) {
        return IntStream.range(0, attempts)
                .filter(attempt -> limiter.acquire(policy, ClientId.of(client)).allowed())
                .count();
    }

    @Test
    void aFloodGetsTheInstancesShareOfTheCapacityThenItsShareOfTheRefill() {
        LocalRateLimiter limiter = new LocalRateLimiter(4, 100, clock);

        assertThat(allowedOf(limiter, TEN_PER_SECOND, "alice", 100)).isEqualTo(3);
        nanos.addAndGet(Duration.ofSeconds(2).toNanos());
        // 10 per second over 4 instances: 5 tokens in 2 s, but the bucket holds 3.
        assertThat(allowedOf(limiter, TEN_PER_SECOND, "alice", 100)).isEqualTo(3);
        nanos.addAndGet(Duration.ofMillis(400).toNanos());
        assertThat(allowedOf(limiter, TEN_PER_SECOND, "alice", 100)).isEqualTo(1);
    }

    @Test
    void aDeniedCallIsToldWhenTheNextTokenComes() {
        LocalRateLimiter limiter = new LocalRateLimiter(2, 100, clock);
        allowedOf(limiter, TEN_PER_SECOND, "bob", 5);

        Decision denied = limiter.acquire(TEN_PER_SECOND, ClientId.of("bob"));

        assertThat(denied.allowed()).isFalse();
        assertThat(denied.remaining()).isZero();
        // 5 tokens per second for this instance: one every 200 ms; full again after 1 s.
        assertThat(denied.retryAfterMillis()).isEqualTo(200);
        assertThat(denied.resetAfterMillis()).isEqualTo(1000);
    }

    @Test
    void everyBandOfAPolicyLimitsItsShareAndARefusalTakesFromNone() {
        RateLimitPolicy tenPerSecondAndFourPerMinute = new RateLimitPolicy(
                "banded",
                new BucketLimits(10, 10, Duration.ofSeconds(1)),
                1,
                FailureMode.LOCAL,
                List.of(new Band("minute", new BucketLimits(4, 4, Duration.ofMinutes(1)))));
        LocalRateLimiter limiter = new LocalRateLimiter(2, 100, clock);

        // This instance's share: 5 per second, and 2 per minute, which runs out first.
        assertThat(allowedOf(limiter, tenPerSecondAndFourPerMinute, "carol", 10))
                .isEqualTo(2);
        nanos.addAndGet(Duration.ofSeconds(30).toNanos());
        assertThat(allowedOf(limiter, tenPerSecondAndFourPerMinute, "carol", 10))
                .isEqualTo(1);
    }

    @Test
    void changedLimitsMakeNewBucketsWhichStartFullAndTheOldOnesGoOnceUnused() {
        LocalRateLimiter limiter = new LocalRateLimiter(1, 100, clock);
        RateLimitPolicy fivePerSecond =
                new RateLimitPolicy("ten", new BucketLimits(5, 5, Duration.ofSeconds(1)), 1, FailureMode.LOCAL);
        allowedOf(limiter, TEN_PER_SECOND, "dave", 3);

        assertThat(allowedOf(limiter, fivePerSecond, "dave", 10)).isEqualTo(5);
        assertThat(limiter.bucketCount(fivePerSecond)).isEqualTo(1);
        nanos.addAndGet(Duration.ofMinutes(61).toNanos());
        allowedOf(limiter, fivePerSecond, "dave", 1);
        assertThat(limiter.bucketCount(TEN_PER_SECOND))
                .as("the old limits' buckets, unused for an hour, are gone")
                .isZero();
    }

    @Test
    void eachTierOfAPolicyKeepsItsOwnBucketsWhateverTheOrderOfItsCalls() {
        LocalRateLimiter limiter = new LocalRateLimiter(1, 100, clock);
        RateLimitPolicy premium =
                new RateLimitPolicy("ten", new BucketLimits(4, 4, Duration.ofHours(1)), 1, FailureMode.LOCAL);
        RateLimitPolicy free =
                new RateLimitPolicy("ten", new BucketLimits(2, 2, Duration.ofHours(1)), 1, FailureMode.LOCAL);

        long allowed = 0;
        for (int call = 0; call < 10; call++) {
            allowed += allowedOf(limiter, premium, "erin", 1) + allowedOf(limiter, free, "frank", 1);
        }

        assertThat(allowed).as("4 of the premium client's, 2 of the free one's").isEqualTo(6);
        limiter.reset(free, ClientId.of("erin"));
        assertThat(allowedOf(limiter, premium, "erin", 1))
                .as("a reset of the policy's client resets every tier's bucket of it")
                .isEqualTo(1);
    }

    @Test
    void clientsAndPoliciesHaveTheirOwnBuckets() {
        LocalRateLimiter limiter = new LocalRateLimiter(1, 100, clock);
        RateLimitPolicy other = new RateLimitPolicy("other", TEN_PER_SECOND.limits(), 1, FailureMode.LOCAL);

        assertThat(allowedOf(limiter, TEN_PER_SECOND, "alice", 20)).isEqualTo(10);
        assertThat(allowedOf(limiter, TEN_PER_SECOND, "bob", 20)).isEqualTo(10);
        assertThat(allowedOf(limiter, other, "alice", 20)).isEqualTo(10);
    }

    @Test
    void callsOfDifferentCostsUnderOnePolicyShareItsBucket() {
        LocalRateLimiter limiter = new LocalRateLimiter(1, 100, clock);
        RateLimitPolicy dearer = new RateLimitPolicy("ten", TEN_PER_SECOND.limits(), 4, FailureMode.OPEN);

        assertThat(limiter.acquire(dearer, ClientId.of("alice")).remaining()).isEqualTo(6);
        assertThat(limiter.acquire(TEN_PER_SECOND, ClientId.of("alice")).remaining())
                .isEqualTo(5);
    }

    @Test
    void aCallCostingMoreThanTheShareTakesAllOfIt() {
        RateLimitPolicy costly =
                new RateLimitPolicy("costly", new BucketLimits(10, 10, Duration.ofSeconds(1)), 4, FailureMode.LOCAL);
        LocalRateLimiter limiter = new LocalRateLimiter(5, 100, clock);

        assertThat(limiter.acquire(costly, ClientId.of("alice")).allowed()).isTrue();
        assertThat(limiter.acquire(costly, ClientId.of("alice")).allowed()).isFalse();
    }

    @Test
    void theBucketsOfOnePolicyAreBoundedInNumber() {
        LocalRateLimiter limiter = new LocalRateLimiter(1, 50, clock);

        IntStream.range(0, 10_000).forEach(client -> limiter.acquire(TEN_PER_SECOND, ClientId.of("c" + client)));

        assertThat(limiter.bucketCount(TEN_PER_SECOND)).isLessThanOrEqualTo(50);
    }

    @Test
    void aBucketIdleLongEnoughToBeFullIsForgotten() {
        LocalRateLimiter limiter = new LocalRateLimiter(1, 100, clock);
        limiter.acquire(TEN_PER_SECOND, ClientId.of("alice"));

        nanos.addAndGet(Duration.ofSeconds(3).toNanos());
        limiter.acquire(TEN_PER_SECOND, ClientId.of("bob"));

        assertThat(limiter.bucketCount(TEN_PER_SECOND)).isEqualTo(1);
    }

    @Test
    void instancesAndMaxClientsMustBePositive() {
        assertThatIllegalArgumentException()
                .isThrownBy(() -> new LocalRateLimiter(0, 10))
                .withMessageContaining("instances");
        assertThatIllegalArgumentException()
                .isThrownBy(() -> new LocalRateLimiter(1, 0))
                .withMessageContaining("maxClients");
    }
}
