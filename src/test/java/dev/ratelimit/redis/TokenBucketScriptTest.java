package dev.ratelimit.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ratelimit.core.Band;
import dev.ratelimit.core.BucketLimits;
import dev.ratelimit.core.Decision;
import dev.ratelimit.core.FailureMode;
import dev.ratelimit.core.RateLimitPolicy;
import dev.ratelimit.testsupport.RedisFixture;
import dev.ratelimit.testsupport.RedisFixture.RedisEndpoint;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import redis.clients.jedis.RedisClient;
import redis.clients.jedis.exceptions.JedisDataException;

/** The Lua script against real Redis servers (every version available here), at explicit times. */
class TokenBucketScriptTest {

    private static final TokenBucketScript SCRIPT = TokenBucketScript.load();
    private static final long T0 = 1_700_000_000_000L;
    /** 5 tokens at most, one more every second. */
    private static final BucketLimits FIVE_PER_FIVE_SECONDS = new BucketLimits(5, 1, Duration.ofSeconds(1));

    private static final ServerClients CLIENTS = new ServerClients();

    static List<RedisEndpoint> servers() {
        return RedisFixture.everyVersion();
    }

    private static RedisClient redis(RedisEndpoint server) {
        return CLIENTS.of(server);
    }

    @AfterAll
    static void closeClients() {
        CLIENTS.close();
    }

    private static String freshKey() {
        return "test:{script:" + UUID.randomUUID() + "}";
    }

    private static RateLimitPolicy policy(BucketLimits limits, long cost, Band... extraBands) {
        return new RateLimitPolicy("script", limits, cost, FailureMode.OPEN, List.of(extraBands));
    }

    private static Decision at(RedisEndpoint server, String key, BucketLimits limits, long cost, long now) {
        return SCRIPT.runAt(redis(server)::executeCommand, List.of(key), policy(limits, cost), now);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("servers")
    void aFullBucketAllowsItsCapacityAtOnceThenDenies(RedisEndpoint server) {
        String key = freshKey();
        for (long remaining = 4; remaining >= 0; remaining--) {
            assertThat(at(server, key, FIVE_PER_FIVE_SECONDS, 1, T0))
                    .isEqualTo(new Decision(true, remaining, 0, (5 - remaining) * 1000));
        }
        assertThat(at(server, key, FIVE_PER_FIVE_SECONDS, 1, T0)).isEqualTo(new Decision(false, 0, 1000, 5000));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("servers")
    void tokensComeBackWithElapsedTimeUpToTheCapacity(RedisEndpoint server) {
        String key = freshKey();
        drain(server, key, FIVE_PER_FIVE_SECONDS, T0);

        assertThat(at(server, key, FIVE_PER_FIVE_SECONDS, 1, T0 + 999)).isEqualTo(new Decision(false, 0, 1, 4001));
        assertThat(at(server, key, FIVE_PER_FIVE_SECONDS, 1, T0 + 1000)).isEqualTo(new Decision(true, 0, 0, 5000));
        // 2.5 tokens later, one is taken: 1.5 are left, shown as 1.
        assertThat(at(server, key, FIVE_PER_FIVE_SECONDS, 1, T0 + 3500)).isEqualTo(new Decision(true, 1, 0, 3500));
        // An hour later the bucket is full, not fuller.
        assertThat(at(server, key, FIVE_PER_FIVE_SECONDS, 1, T0 + 3_600_000)).isEqualTo(new Decision(true, 4, 0, 1000));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("servers")
    void aCallTakesItsCostAndIsDeniedWhenFewerTokensAreLeft(RedisEndpoint server) {
        String key = freshKey();
        assertThat(at(server, key, FIVE_PER_FIVE_SECONDS, 2, T0)).isEqualTo(new Decision(true, 3, 0, 2000));
        assertThat(at(server, key, FIVE_PER_FIVE_SECONDS, 2, T0)).isEqualTo(new Decision(true, 1, 0, 4000));
        assertThat(at(server, key, FIVE_PER_FIVE_SECONDS, 2, T0)).isEqualTo(new Decision(false, 1, 1000, 4000));
        assertThat(at(server, key, FIVE_PER_FIVE_SECONDS, 1, T0)).isEqualTo(new Decision(true, 0, 0, 5000));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("servers")
    void fractionalRefillRatesAreExact(RedisEndpoint server) {
        BucketLimits threePerSecond = new BucketLimits(3, 3, Duration.ofSeconds(1));
        String key = freshKey();
        drain(server, key, threePerSecond, T0);

        // One token takes 333.33 ms to come back.
        assertThat(at(server, key, threePerSecond, 1, T0 + 333)).isEqualTo(new Decision(false, 0, 1, 667));
        assertThat(at(server, key, threePerSecond, 1, T0 + 334)).isEqualTo(new Decision(true, 0, 0, 1000));
        assertThat(at(server, key, threePerSecond, 1, T0 + 334)).isEqualTo(new Decision(false, 0, 333, 1000));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("servers")
    void theRetryAfterIsExactlyWhenTheNextCallSucceeds(RedisEndpoint server) {
        BucketLimits sevenPerMinute = new BucketLimits(7, 7, Duration.ofMinutes(1));
        String key = freshKey();
        drain(server, key, sevenPerMinute, T0);
        Decision denied = at(server, key, sevenPerMinute, 1, T0 + 1234);

        assertThat(denied.allowed()).isFalse();
        assertThat(at(server, key, sevenPerMinute, 1, T0 + 1234 + denied.retryAfterMillis() - 1)
                        .allowed())
                .isFalse();
        assertThat(at(server, key, sevenPerMinute, 1, T0 + 1234 + denied.retryAfterMillis())
                        .allowed())
                .isTrue();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("servers")
    void anAllowedCallSetsTheKeyToExpireOnceTheBucketIsFullAgain(RedisEndpoint server) {
        String key = freshKey();
        Decision decision = at(server, key, FIVE_PER_FIVE_SECONDS, 3, T0);

        long ttl = redis(server).pttl(key);
        assertThat(decision.resetAfterMillis()).isEqualTo(3000);
        assertThat(ttl).isBetween(decision.resetAfterMillis(), decision.resetAfterMillis() + 1000);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("servers")
    void aDeniedCallWritesNothing(RedisEndpoint server) {
        String key = freshKey();
        drain(server, key, FIVE_PER_FIVE_SECONDS, T0);
        StoredBucket before = StoredBucket.read(redis(server), key);

        assertThat(at(server, key, FIVE_PER_FIVE_SECONDS, 1, T0 + 500).allowed())
                .isFalse();
        assertThat(StoredBucket.read(redis(server), key)).isEqualTo(before);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("servers")
    void aLoweredCapacityClampsABucketThatHeldMore(RedisEndpoint server) {
        String key = freshKey();
        at(server, key, new BucketLimits(100, 1, Duration.ofSeconds(1)), 1, T0);

        assertThat(at(server, key, FIVE_PER_FIVE_SECONDS, 1, T0)).isEqualTo(new Decision(true, 4, 0, 1000));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("servers")
    void aClockGoingBackwardsRefillsNothingAndCountsTheLagInItsWaits(RedisEndpoint server) {
        String key = freshKey();
        drain(server, key, FIVE_PER_FIVE_SECONDS, T0);

        assertThat(at(server, key, FIVE_PER_FIVE_SECONDS, 1, T0 - 10_000))
                .isEqualTo(new Decision(false, 0, 11_000, 15_000));
        assertThat(at(server, key, FIVE_PER_FIVE_SECONDS, 1, T0 + 1000)).isEqualTo(new Decision(true, 0, 0, 5000));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("servers")
    void aChangedRefillPeriodKeepsTheTokensABucketHolds(RedisEndpoint server) {
        BucketLimits fivePerMinute = new BucketLimits(5, 5, Duration.ofMinutes(1));
        String key = freshKey();
        assertThat(at(server, key, FIVE_PER_FIVE_SECONDS, 2, T0).remaining()).isEqualTo(3);

        assertThat(at(server, key, fivePerMinute, 1, T0)).isEqualTo(new Decision(true, 2, 0, 36_000));
        assertThat(at(server, key, FIVE_PER_FIVE_SECONDS, 1, T0)).isEqualTo(new Decision(true, 1, 0, 4000));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("servers")
    void levelsUpTo2Pow53AreStoredExactly(RedisEndpoint server) {
        long periodMillis = Duration.ofDays(1).toMillis();
        long capacity = (1L << 53) / periodMillis;
        BucketLimits huge = new BucketLimits(capacity, 1, Duration.ofDays(1));
        String key = freshKey();

        assertThat(at(server, key, huge, 1, T0).remaining()).isEqualTo(capacity - 1);
        assertThat(StoredBucket.read(redis(server), key))
                .isEqualTo(new StoredBucket((capacity - 1) * periodMillis, T0, periodMillis));
        assertThat(at(server, key, huge, 1, T0).remaining()).isEqualTo(capacity - 2);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("servers")
    void aValueOfABucketsLengthThatIsNoBucketIsRefusedAsAWrongType(RedisEndpoint server) {
        String key = freshKey();
        redis(server).set(key.getBytes(StandardCharsets.UTF_8), new byte[20]);

        assertThatThrownBy(() -> at(server, key, FIVE_PER_FIVE_SECONDS, 1, T0))
                .isInstanceOf(JedisDataException.class)
                .hasMessageContaining("WRONGTYPE");
        assertThat(redis(server).get(key.getBytes(StandardCharsets.UTF_8))).isEqualTo(new byte[20]);
    }

    /**
     * Redis' own count for a bucket whose key is as long as the benchmarks' ({@code ratelimit:{bench:12345}}):
     * keys up to 28 characters take the same, each longer size class of key 16 bytes more.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("servers")
    void aBucketTakesAtMost104BytesOfRedisMemory(RedisEndpoint server) {
        String key = "ratelimit:{bench:12345}";
        redis(server).del(key);
        at(server, key, new BucketLimits(1_000_000_000L, 1_000_000_000L, Duration.ofSeconds(1)), 1, T0);

        assertThat(key).hasSize(23);
        assertThat(redis(server).memoryUsage(key, 0)).isLessThanOrEqualTo(104L);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("servers")
    void aCallTakesItsCostFromEveryBandOrFromNoneAndReportsTheBandClosestToItsLimit(RedisEndpoint server) {
        String key = freshKey();
        List<String> keys = List.of(key, key + ":hourly");
        RateLimitPolicy fivePerFiveSecondsAndSevenPerHour =
                policy(FIVE_PER_FIVE_SECONDS, 1, new Band("hourly", new BucketLimits(7, 7, Duration.ofHours(1))));
        for (long remaining = 4; remaining >= 0; remaining--) {
            assertThat(SCRIPT.runAt(redis(server)::executeCommand, keys, fivePerFiveSecondsAndSevenPerHour, T0))
                    .isEqualTo(new Decision(true, remaining, 0, (5 - remaining) * 1000, 0));
        }
        // The first band is empty, the hourly one holds 2: the first refuses and tells its wait.
        assertThat(SCRIPT.runAt(redis(server)::executeCommand, keys, fivePerFiveSecondsAndSevenPerHour, T0))
                .isEqualTo(new Decision(false, 0, 1000, 5000, 0));

        long later = T0 + 5000;
        // The first band is full again; the hourly one gained 5 s x 7 tokens/h and now runs out first.
        assertThat(SCRIPT.runAt(redis(server)::executeCommand, keys, fivePerFiveSecondsAndSevenPerHour, later))
                .isEqualTo(new Decision(true, 1, 0, 3_080_715, 1));
        assertThat(SCRIPT.runAt(redis(server)::executeCommand, keys, fivePerFiveSecondsAndSevenPerHour, later))
                .isEqualTo(new Decision(true, 0, 0, 3_595_000, 1));
        assertThat(SCRIPT.runAt(redis(server)::executeCommand, keys, fivePerFiveSecondsAndSevenPerHour, later))
                .isEqualTo(new Decision(false, 0, 509_286, 3_595_000, 1));
        // The hourly band's refusal took nothing from the first band, which still holds 3 of its 5 tokens.
        assertThat(StoredBucket.read(redis(server), key).level()).isEqualTo(3 * 1000);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("servers")
    void whenSeveralBandsRefuseTheLongestWaitIsReported(RedisEndpoint server) {
        String key = freshKey();
        List<String> keys = List.of(key, key + ":minute");
        RateLimitPolicy oneAndOnePerMinute = policy(
                new BucketLimits(1, 1, Duration.ofSeconds(1)),
                1,
                new Band("minute", new BucketLimits(1, 1, Duration.ofMinutes(1))));
        assertThat(SCRIPT.runAt(redis(server)::executeCommand, keys, oneAndOnePerMinute, T0)
                        .allowed())
                .isTrue();
        assertThat(SCRIPT.runAt(redis(server)::executeCommand, keys, oneAndOnePerMinute, T0))
                .isEqualTo(new Decision(false, 0, 60_000, 60_000, 1));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("servers")
    void policiesDecidedTogetherTakeEachItsOwnCostOrNothingAndReportTheFewestCallsLeft(RedisEndpoint server) {
        String perClient = freshKey();
        String endpointWide = freshKey();
        RateLimitPolicy fiveAtOne = new RateLimitPolicy("client", perHour(5), 1, FailureMode.OPEN);
        RateLimitPolicy sixAtThree = new RateLimitPolicy("endpoint", perHour(6), 3, FailureMode.OPEN);
        List<String> keys = List.of(perClient, endpointWide);
        List<RateLimitPolicy> both = List.of(fiveAtOne, sixAtThree);

        // 4 tokens are left of the first, 3 of the second: one call at its cost of 3, so the second is reported.
        Decision first = SCRIPT.runTogether(redis(server)::executeCommand, keys, both);
        assertThat(first.allowed()).isTrue();
        assertThat(first.band()).isEqualTo(1);
        assertThat(first.remaining()).isEqualTo(3);
        assertThat(SCRIPT.runTogether(redis(server)::executeCommand, keys, both).remaining())
                .isZero();
        Decision refused = SCRIPT.runTogether(redis(server)::executeCommand, keys, both);
        assertThat(refused.allowed()).isFalse();
        assertThat(refused.band()).isEqualTo(1);
        assertThat(refused.retryAfterMillis())
                .isGreaterThan(Duration.ofMinutes(170).toMillis());
        // The refusal took nothing from the first policy, which still holds 3 of its 5 tokens.
        assertThat(tokensIn(server, perClient)).isEqualTo(3);
        assertThat(tokensIn(server, endpointWide)).isZero();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("servers")
    void aGiveBackReturnsOneCallsCostUpToTheCapacity(RedisEndpoint server) {
        String key = freshKey();
        RateLimitPolicy fiveAtTwo = new RateLimitPolicy("given-back", perHour(5), 2, FailureMode.OPEN);
        SCRIPT.run(redis(server)::executeCommand, List.of(key), fiveAtTwo);
        SCRIPT.run(redis(server)::executeCommand, List.of(key), fiveAtTwo);
        assertThat(tokensIn(server, key)).isEqualTo(1);

        SCRIPT.giveBack(redis(server)::executeCommand, List.of(key), fiveAtTwo);
        assertThat(tokensIn(server, key)).isEqualTo(3);
        SCRIPT.giveBack(redis(server)::executeCommand, List.of(key), fiveAtTwo);
        SCRIPT.giveBack(redis(server)::executeCommand, List.of(key), fiveAtTwo);
        assertThat(tokensIn(server, key)).as("never above the capacity").isEqualTo(5);
    }

    private static BucketLimits perHour(long tokens) {
        return new BucketLimits(tokens, 1, Duration.ofHours(1));
    }

    /** Whole tokens the bucket holds as stored: a bucket refilling one token an hour gains none during a test. */
    private static long tokensIn(RedisEndpoint server, String key) {
        return StoredBucket.read(redis(server), key).level()
                / Duration.ofHours(1).toMillis();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("servers")
    void withoutAnExplicitTimeTheScriptUsesRedisClock(RedisEndpoint server) {
        String key = freshKey();
        long redisNowMillis = RedisFixture.redisTimeMillis(redis(server));

        assertThat(SCRIPT.run(redis(server)::executeCommand, List.of(key), policy(FIVE_PER_FIVE_SECONDS, 1)))
                .isEqualTo(new Decision(true, 4, 0, 1000));
        assertThat(StoredBucket.read(redis(server), key).ts()).isBetween(redisNowMillis, redisNowMillis + 5_000);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("servers")
    void aFlushedScriptCacheIsRefilledByTheCallThatFoundItEmpty(RedisEndpoint server) {
        String key = freshKey();
        redis(server).scriptFlush();

        assertThat(at(server, key, FIVE_PER_FIVE_SECONDS, 1, T0)).isEqualTo(new Decision(true, 4, 0, 1000));
        assertThat(redis(server).scriptExists(List.of(SCRIPT.sha1()))).containsExactly(true);
        assertThat(at(server, key, FIVE_PER_FIVE_SECONDS, 1, T0)).isEqualTo(new Decision(true, 3, 0, 2000));
    }

    private static void drain(RedisEndpoint server, String key, BucketLimits limits, long now) {
        for (long i = 0; i < limits.capacity(); i++) {
            assertThat(at(server, key, limits, 1, now).allowed()).isTrue();
        }
    }
}
