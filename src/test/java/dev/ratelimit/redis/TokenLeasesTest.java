package dev.ratelimit.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ratelimit.core.Band;
import dev.ratelimit.core.BucketLimits;
import dev.ratelimit.core.ClientId;
import dev.ratelimit.core.Decision;
import dev.ratelimit.core.FailureMode;
import dev.ratelimit.core.FailureReason;
import dev.ratelimit.core.Leasing;
import dev.ratelimit.core.LimiterUnavailableException;
import dev.ratelimit.core.RateLimitPolicy;
import dev.ratelimit.testsupport.OwnRedisServer;
import dev.ratelimit.testsupport.RedisStats;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Leasing policies through the Redis limiter, against a redis-server of the class's own. */
class TokenLeasesTest {

    @RegisterExtension
    static final OwnRedisServer REDIS = new OwnRedisServer();

    private static final ClientId CLIENT = ClientId.of("leaser");

    private static RedisRateLimiter limiter() {
        return RedisRateLimiter.connect(RedisSettings.builder()
                .url("redis://127.0.0.1:" + REDIS.port())
                .commandTimeout(Duration.ofSeconds(2))
                .connectTimeout(Duration.ofSeconds(2))
                .poolSize(16)
                .build());
    }

    private static RateLimitPolicy leasing(BucketLimits limits, Duration lease) {
        return new RateLimitPolicy("leased", limits, 1, FailureMode.CLOSED).withLeasing(Leasing.forUpTo(lease));
    }

    @Test
    void aBusyClientIsAdmittedFromLeasesWithFarFewerRedisCallsThanDecisions() {
        RateLimitPolicy roomy =
                leasing(new BucketLimits(1_000_000, 1_000_000, Duration.ofSeconds(1)), Duration.ofSeconds(1));
        int calls = 20_000;
        try (RedisRateLimiter limiter = limiter()) {
            for (int call = 0; call < calls; call++) {
                assertThat(limiter.acquire(roomy, CLIENT).allowed()).isTrue();
            }
        }
        // One thread asks for thousands of tokens per spending time: the lease grows from 1 within a few calls.
        assertThat(RedisStats.scriptsRun(REDIS.admin())).isLessThan(calls / 20);
    }

    @Test
    void aClientWhoseTierHasOtherBandsLeasesFromThoseBands() {
        BucketLimits roomy = new BucketLimits(1_000, 1_000, Duration.ofHours(1));
        RateLimitPolicy free = new RateLimitPolicy(
                        "leased",
                        roomy,
                        1,
                        FailureMode.CLOSED,
                        List.of(new Band("daily", new BucketLimits(1_000, 1_000, Duration.ofDays(1)))))
                .withLeasing(Leasing.forUpTo(Duration.ofSeconds(1)));
        RateLimitPolicy premium = new RateLimitPolicy(
                        "leased",
                        roomy,
                        1,
                        FailureMode.CLOSED,
                        List.of(new Band("weekly", new BucketLimits(100, 100, Duration.ofDays(7)))))
                .withLeasing(Leasing.forUpTo(Duration.ofSeconds(1)));
        try (RedisRateLimiter limiter = limiter()) {
            for (int call = 0; call < 50; call++) {
                assertThat(limiter.acquire(free, CLIENT).allowed()).isTrue();
            }
            long allowed = IntStream.range(0, 150)
                    .filter(call -> limiter.acquire(premium, CLIENT).allowed())
                    .count();
            // The free lease, until Redis has it back, holds its tokens out of every band of the bucket.
            assertThat(allowed).as("premium calls, under a weekly band of 100").isBetween(1L, 100L);
        }
        assertThat(REDIS.admin().exists("ratelimit:{leased:leaser}:weekly"))
                .as("the premium calls were decided by their own band")
                .isTrue();
    }

    @Test
    void aBucketTooSmallForAShareOfItDecidesEveryCallInRedis() {
        RateLimitPolicy small = leasing(new BucketLimits(5, 5, Duration.ofMinutes(1)), Duration.ofSeconds(1));
        assertThat(small.maxLeasedTokens()).isZero();
        try (RedisRateLimiter limiter = limiter()) {
            for (int call = 0; call < 7; call++) {
                assertThat(limiter.acquire(small, CLIENT).allowed()).isEqualTo(call < 5);
            }
        }
        // The sixth is refused by Redis, the seventh by the shield.
        assertThat(RedisStats.scriptsRun(REDIS.admin())).isEqualTo(6);
        assertThat(REDIS.admin().exists("ratelimit:{leased:leaser}#leases")).isFalse();
    }

    @Test
    void aClientCallingLessOftenThanALeaseIsSpentIsDecidedByRedisEveryCall() throws InterruptedException {
        // Spent for 30 ms: calls 60 ms apart each find the last demand too small to lease.
        RateLimitPolicy policy = leasing(new BucketLimits(1_000, 1_000, Duration.ofSeconds(1)), Duration.ofMillis(40));
        try (RedisRateLimiter limiter = limiter()) {
            for (int call = 0; call < 5; call++) {
                assertThat(limiter.acquire(policy, CLIENT).allowed()).isTrue();
                assertThat(REDIS.admin().exists("ratelimit:{leased:leaser}#leases"))
                        .as("a lease after call %d", call)
                        .isFalse();
                Thread.sleep(60);
            }
        }
        assertThat(RedisStats.scriptsRun(REDIS.admin())).isEqualTo(5);
    }

    @Test
    void leasedTokensAreStillSpentWhileRedisDoesNotAnswerThenTheFailureIsTheCallers() throws Exception {
        RateLimitPolicy policy = leasing(new BucketLimits(1_000, 1_000, Duration.ofHours(1)), Duration.ofSeconds(30));
        try (RedisRateLimiter limiter = RedisRateLimiter.connect(RedisSettings.builder()
                .url("redis://127.0.0.1:" + REDIS.port())
                .commandTimeout(Duration.ofMillis(300))
                .build())) {
            // Ramps up: each lease asks for what was asked since the window began, so this one leases dozens.
            for (int call = 0; call < 64; call++) {
                limiter.acquire(policy, CLIENT);
            }
            String lease = REDIS.admin()
                    .zrange("ratelimit:{leased:leaser}#leases", 0, -1)
                    .get(0);
            long held = Long.parseLong(lease.substring(0, lease.indexOf(':')));
            REDIS.signal("STOP");
            try {
                long admittedFromTheLease = 0;
                LimiterUnavailableException failure = null;
                while (failure == null && admittedFromTheLease <= held) {
                    try {
                        assertThat(limiter.acquire(policy, CLIENT).allowed()).isTrue();
                        admittedFromTheLease++;
                    } catch (LimiterUnavailableException e) {
                        failure = e;
                    }
                }
                assertThat(failure).as("once the lease is spent").isNotNull();
                assertThat(failure.reason()).isEqualTo(FailureReason.TIMEOUT);
                assertThat(admittedFromTheLease).isPositive().isLessThanOrEqualTo(held);
            } finally {
                REDIS.signal("CONT");
            }
        }
    }

    @Test
    void closingGivesBackWhatItsLeasesDidNotSpend() {
        BucketLimits thousandPerHour = new BucketLimits(1_000, 1_000, Duration.ofHours(1));
        RateLimitPolicy policy = leasing(thousandPerHour, Duration.ofSeconds(30));
        int spent = 40;
        try (RedisRateLimiter limiter = limiter()) {
            for (int call = 0; call < spent; call++) {
                assertThat(limiter.acquire(policy, CLIENT).allowed()).isTrue();
            }
            assertThat(limiter.inspect(policy, CLIENT).bands().get(0).tokens())
                    .as("the lease's tokens are out of the bucket")
                    .isLessThan(1_000 - spent);
        }
        try (RedisRateLimiter other = limiter()) {
            // Refill in the meantime is a token per 3.6 s: none, or one.
            assertThat(other.inspect(policy, CLIENT).bands().get(0).tokens())
                    .isBetween(1_000L - spent, 1_000L - spent + 1);
        }
        assertThat(REDIS.admin().exists("ratelimit:{leased:leaser}#leases")).isFalse();
    }

    @Test
    void aLimitChangeEndsTheLeaseTakenUnderTheOldLimits() {
        RateLimitPolicy before = leasing(new BucketLimits(1_000, 1_000, Duration.ofHours(1)), Duration.ofSeconds(30));
        RateLimitPolicy after = leasing(new BucketLimits(500, 500, Duration.ofHours(1)), Duration.ofSeconds(30));
        try (RedisRateLimiter limiter = limiter()) {
            for (int call = 0; call < 20; call++) {
                limiter.acquire(before, CLIENT);
            }
            Decision first = limiter.acquire(after, CLIENT);
            assertThat(first.allowed()).isTrue();
            // Under 500 the bucket holds 500 less its 20 spent and whatever the new lease took; the old lease's
            // unspent tokens came back before.
            assertThat(first.remaining()).isLessThanOrEqualTo(500 - 21);
            assertThat(REDIS.admin().zcard("ratelimit:{leased:leaser}#leases")).isLessThanOrEqualTo(1);
        }
    }

    @Test
    void theDocumentedAclGrantsAreEnoughToLeaseAndGiveBack() {
        REDIS.admin()
                .aclSetUser(
                        "leaser",
                        "on",
                        ">leaser-pw",
                        "~ratelimit:*",
                        "+evalsha",
                        "+eval",
                        "+get",
                        "+set",
                        "+time",
                        "+del",
                        "+zrange",
                        "+zadd",
                        "+zrem",
                        "+zremrangebyscore",
                        "+pexpire");
        RateLimitPolicy policy = leasing(new BucketLimits(1_000, 1_000, Duration.ofHours(1)), Duration.ofSeconds(30));
        try (RedisRateLimiter limiter = RedisRateLimiter.connect(RedisSettings.builder()
                .url("redis://127.0.0.1:" + REDIS.port())
                .user("leaser")
                .password("leaser-pw")
                .build())) {
            for (int call = 0; call < 50; call++) {
                assertThat(limiter.acquire(policy, CLIENT).allowed()).isTrue();
            }
            limiter.reset(policy, CLIENT);
        }
        assertThat(REDIS.admin().exists("ratelimit:{leased:leaser}")).isFalse();
    }

    @Test
    void twoInstancesFloodingOneClientNeverAdmitMoreThanTheBucketGives() throws Exception {
        BucketLimits limits = new BucketLimits(200, 400, Duration.ofSeconds(1));
        RateLimitPolicy policy = leasing(limits, Duration.ofMillis(200));
        Duration flood = Duration.ofSeconds(2);
        AtomicLong allowed = new AtomicLong();
        List<RedisRateLimiter> limiters = List.of(limiter(), limiter());
        ExecutorService threads = Executors.newFixedThreadPool(16);
        try {
            CountDownLatch start = new CountDownLatch(1);
            List<Future<?>> workers = new ArrayList<>();
            for (int thread = 0; thread < 16; thread++) {
                RedisRateLimiter limiter = limiters.get(thread % 2);
                workers.add(threads.submit(() -> {
                    start.await();
                    long deadline = System.nanoTime() + flood.toNanos();
                    while (System.nanoTime() - deadline < 0) {
                        if (limiter.acquire(policy, CLIENT).allowed()) {
                            allowed.incrementAndGet();
                        }
                    }
                    return null;
                }));
            }
            long startedAt = redisMillis();
            start.countDown();
            for (Future<?> worker : workers) {
                worker.get(flood.toSeconds() + 30, TimeUnit.SECONDS);
            }
            long elapsedMillis = redisMillis() - startedAt;
            double bound = limits.capacity() + limits.refillTokens() * elapsedMillis / 1000.0;
            assertThat((double) allowed.get())
                    .as("admitted in %d ms", elapsedMillis)
                    .isLessThanOrEqualTo(bound)
                    // Two instances hold at most a tenth of 200 each, for at most 200 ms: 40 of ~1,000.
                    .isGreaterThanOrEqualTo(0.8 * bound);
        } finally {
            threads.shutdownNow();
            limiters.forEach(RedisRateLimiter::close);
        }
    }

    private static long redisMillis() {
        List<String> time = REDIS.admin().time();
        return Long.parseLong(time.get(0)) * 1000 + Long.parseLong(time.get(1)) / 1000;
    }
}
