package dev.ratelimit.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import dev.ratelimit.core.Band;
import dev.ratelimit.core.BucketLimits;
import dev.ratelimit.core.Decision;
import dev.ratelimit.core.FailureMode;
import dev.ratelimit.core.RateLimitPolicy;
import dev.ratelimit.testsupport.RedisFixture;
import dev.ratelimit.testsupport.RedisFixture.RedisEndpoint;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import redis.clients.jedis.RedisClient;
import redis.clients.jedis.resps.Tuple;

/**
 * The Lua script's leasing against real Redis servers (every version available here), at explicit times: a call
 * takes up to {@code want} tokens, holds those beyond its cost, and may end an earlier lease giving back what it did
 * not spend.
 */
class TokenLeaseScriptTest {

    private static final TokenBucketScript SCRIPT = TokenBucketScript.load();
    private static final long T0 = 1_700_000_000_000L;
    /** 10 tokens at most, one more every 100 ms: a level of 100 token-ms per token, gaining 1 each millisecond. */
    private static final BucketLimits TEN_PER_SECOND = new BucketLimits(10, 1, Duration.ofMillis(100));
    /** 5 tokens at most, one more every second. */
    private static final BucketLimits FIVE_PER_FIVE_SECONDS = new BucketLimits(5, 1, Duration.ofSeconds(1));
    /** 4 tokens an hour: a level of 3,600,000 token-ms per token, gaining 4 each millisecond. */
    private static final BucketLimits FOUR_PER_HOUR = new BucketLimits(4, 4, Duration.ofHours(1));

    private static final RateLimitPolicy TEN = policy(TEN_PER_SECOND, 1);

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
        return "test:{lease:" + UUID.randomUUID() + "}";
    }

    /** The band keys, then the set of the leases out on them: {@code <firstBandKey>#leases}, the same hash tag. */
    private static List<String> leaseKeys(String... bandKeys) {
        List<String> keys = new ArrayList<>(List.of(bandKeys));
        keys.add(leasesKey(bandKeys[0]));
        return keys;
    }

    private static String leasesKey(String firstBandKey) {
        return firstBandKey + "#leases";
    }

    private static RateLimitPolicy policy(BucketLimits limits, long cost, Band... extraBands) {
        return new RateLimitPolicy("script", limits, cost, FailureMode.OPEN, List.of(extraBands));
    }

    private static LeaseGrant leaseAt(
            RedisEndpoint server, List<String> keys, RateLimitPolicy policy, LeaseCall call, long now) {
        return SCRIPT.leaseAt(redis(server)::executeCommand, keys, policy, call, Long.toString(now));
    }

    /** A call taking {@code cost}, and up to {@code want} tokens in all, ending no lease. */
    private static LeaseCall take(long cost, long want, long holdMillis, String leaseId) {
        return new LeaseCall(cost, want, holdMillis, leaseId, "", 0);
    }

    /** A call taking {@code cost} and leasing nothing, ending the lease of {@code tokens} named {@code leaseId}. */
    private static LeaseCall giveBack(long cost, long tokens, String leaseId, long unspent) {
        return new LeaseCall(cost, cost, 1000, "unused-" + leaseId, LeaseCall.member(tokens, leaseId), unspent);
    }

    private static LeaseGrant granted(Decision decision, long leased) {
        return new LeaseGrant(decision, leased);
    }

    // 1. A call wanting only its cost.

    @ParameterizedTest(name = "{0}")
    @MethodSource("servers")
    void aCallWantingOnlyItsCostLeasesNothingAndDecidesAsThePlainCall(RedisEndpoint server) {
        String plain = freshKey();
        String leasing = freshKey();
        RateLimitPolicy costOfTwo = policy(FIVE_PER_FIVE_SECONDS, 2);
        long[] times = {T0, T0, T0, T0 + 1000, T0 + 3500, T0 + 3500};
        List<Decision> expected = List.of(
                new Decision(true, 3, 0, 2000),
                new Decision(true, 1, 0, 4000),
                new Decision(false, 1, 1000, 4000),
                new Decision(true, 0, 0, 5000),
                new Decision(true, 0, 0, 4500),
                new Decision(false, 0, 1500, 4500));
        for (int i = 0; i < times.length; i++) {
            Decision decided = SCRIPT.runAt(redis(server)::executeCommand, List.of(plain), costOfTwo, times[i]);
            LeaseGrant grant = leaseAt(server, leaseKeys(leasing), costOfTwo, take(2, 2, 60_000, "l" + i), times[i]);

            assertThat(decided).as("call %d", i).isEqualTo(expected.get(i));
            assertThat(grant).as("call %d", i).isEqualTo(granted(decided, 0));
            assertThat(StoredBucket.read(redis(server), leasing)).isEqualTo(StoredBucket.read(redis(server), plain));
        }
        assertThat(redis(server).exists(leasesKey(leasing))).isFalse();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("servers")
    void aCallWantingOnlyItsCostDecidesAsThePlainCallOverSeveralBands(RedisEndpoint server) {
        String plain = freshKey();
        String leasing = freshKey();
        RateLimitPolicy fivePerFiveSecondsAndSevenPerHour =
                policy(FIVE_PER_FIVE_SECONDS, 1, new Band("hourly", new BucketLimits(7, 7, Duration.ofHours(1))));
        List<Long> times = new ArrayList<>();
        List<Decision> expected = new ArrayList<>();
        for (long remaining = 4; remaining >= 0; remaining--) {
            times.add(T0);
            expected.add(new Decision(true, remaining, 0, (5 - remaining) * 1000, 0));
        }
        times.addAll(List.of(T0, T0 + 5000, T0 + 5000, T0 + 5000));
        expected.addAll(List.of(
                new Decision(false, 0, 1000, 5000, 0),
                new Decision(true, 1, 0, 3_080_715, 1),
                new Decision(true, 0, 0, 3_595_000, 1),
                new Decision(false, 0, 509_286, 3_595_000, 1)));
        for (int i = 0; i < times.size(); i++) {
            Decision decided = SCRIPT.runAt(
                    redis(server)::executeCommand,
                    List.of(plain, plain + ":hourly"),
                    fivePerFiveSecondsAndSevenPerHour,
                    times.get(i));
            LeaseGrant grant = leaseAt(
                    server,
                    leaseKeys(leasing, leasing + ":hourly"),
                    fivePerFiveSecondsAndSevenPerHour,
                    take(1, 1, 60_000, "l" + i),
                    times.get(i));

            assertThat(decided).as("call %d", i).isEqualTo(expected.get(i));
            assertThat(grant).as("call %d", i).isEqualTo(granted(decided, 0));
        }
        assertThat(redis(server).exists(leasesKey(leasing))).isFalse();
    }

    // 2. Wanting more than the cost.

    @ParameterizedTest(name = "{0}")
    @MethodSource("servers")
    void aCallWantingMoreLeasesTheRestOfWhatItWantsFromAFullBucket(RedisEndpoint server) {
        String key = freshKey();

        // 7 of the 10 tokens are taken, 2 for the call and 5 leased: 3 are left, 700 ms short of full.
        assertThat(leaseAt(server, leaseKeys(key), TEN, take(2, 7, 10_000, "a"), T0))
                .isEqualTo(granted(new Decision(true, 3, 0, 700, 0), 5));
        assertThat(StoredBucket.read(redis(server), key)).isEqualTo(new StoredBucket(300, T0, 100));
        assertThat(redis(server).zrangeWithScores(leasesKey(key), 0, -1))
                .containsExactly(new Tuple("5:a", (double) (T0 + 10_000)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("servers")
    void aLeaseTakesWhatTheBucketHoldsItsCostIncludedNeverMore(RedisEndpoint server) {
        String key = freshKey();

        // 50 wanted, 10 held: 2 for the call, 8 leased, nothing left.
        assertThat(leaseAt(server, leaseKeys(key), TEN, take(2, 50, 10_000, "a"), T0))
                .isEqualTo(granted(new Decision(true, 0, 0, 1000, 0), 8));
        assertThat(StoredBucket.read(redis(server), key)).isEqualTo(new StoredBucket(0, T0, 100));
        // Nothing is left to take, and 100 ms bring one token back.
        assertThat(leaseAt(server, leaseKeys(key), TEN, take(1, 5, 10_000, "b"), T0))
                .isEqualTo(granted(new Decision(false, 0, 100, 1000, 0), 0));
        assertThat(redis(server).zrangeWithScores(leasesKey(key), 0, -1))
                .containsExactly(new Tuple("8:a", (double) (T0 + 10_000)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("servers")
    void aBucketHoldingFewerTokensThanTheCostRefusesAndLeasesNothing(RedisEndpoint server) {
        String key = freshKey();
        assertThat(leaseAt(server, leaseKeys(key), TEN, take(9, 9, 10_000, "a"), T0))
                .isEqualTo(granted(new Decision(true, 1, 0, 900, 0), 0));

        assertThat(leaseAt(server, leaseKeys(key), TEN, take(2, 6, 10_000, "b"), T0))
                .isEqualTo(granted(new Decision(false, 1, 100, 900, 0), 0));
        assertThat(StoredBucket.read(redis(server), key)).isEqualTo(new StoredBucket(100, T0, 100));
        assertThat(redis(server).exists(leasesKey(key))).isFalse();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("servers")
    void aBucketDrainedByALeaseRefusesACostItHasNotRefilledAndWritesNothing(RedisEndpoint server) {
        String key = freshKey();
        assertThat(leaseAt(server, leaseKeys(key), TEN, take(2, 10, 10_000, "a"), T0))
                .isEqualTo(granted(new Decision(true, 0, 0, 1000, 0), 8));

        // 150 ms later: 1.5 tokens, under the 2 of the 8 held; the call needs 2, 50 ms away.
        assertThat(leaseAt(server, leaseKeys(key), TEN, take(2, 5, 10_000, "b"), T0 + 150))
                .isEqualTo(granted(new Decision(false, 1, 50, 850, 0), 0));
        assertThat(StoredBucket.read(redis(server), key)).isEqualTo(new StoredBucket(0, T0, 100));
        assertThat(redis(server).zrangeWithScores(leasesKey(key), 0, -1))
                .containsExactly(new Tuple("8:a", (double) (T0 + 10_000)));
    }

    // 3. Holds cap the refill.

    @ParameterizedTest(name = "{0}")
    @MethodSource("servers")
    void whileTokensAreHeldTheBucketRefillsOnlyToItsCapacityLessTheHolds(RedisEndpoint server) {
        String key = freshKey();
        assertThat(leaseAt(server, leaseKeys(key), TEN, take(1, 6, 10_000, "a"), T0))
                .isEqualTo(granted(new Decision(true, 4, 0, 600, 0), 5));

        // 5 s later the bucket would be full; the 5 held keep it at 5, and the call takes 1: 10 - 5 - 1.
        assertThat(leaseAt(server, leaseKeys(key), TEN, take(1, 1, 10_000, "b"), T0 + 5000))
                .isEqualTo(granted(new Decision(true, 4, 0, 600, 0), 0));
        // One millisecond before the hold ends, still 5 at most.
        assertThat(leaseAt(server, leaseKeys(key), TEN, take(0, 0, 10_000, "c"), T0 + 9999))
                .isEqualTo(granted(new Decision(true, 5, 0, 500, 0), 0));
        // The hold ended at T0 + 10 s: from there, 300 ms refill 3 tokens onto the 5; the call takes 1.
        // Tokens the cap kept out while the lease was held are not kept: not 9.
        assertThat(leaseAt(server, leaseKeys(key), TEN, take(1, 1, 10_000, "d"), T0 + 10_300))
                .isEqualTo(granted(new Decision(true, 7, 0, 300, 0), 0));
        assertThat(redis(server).exists(leasesKey(key))).isFalse();
        // With the hold gone, the bucket fills up to its whole capacity.
        assertThat(leaseAt(server, leaseKeys(key), TEN, take(1, 1, 10_000, "e"), T0 + 20_000))
                .isEqualTo(granted(new Decision(true, 9, 0, 100, 0), 0));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("servers")
    void aHoldThatEndedBetweenTwoCallsCapsTheRefillUntilItsEndOnly(RedisEndpoint server) {
        String key = freshKey();
        assertThat(leaseAt(server, leaseKeys(key), TEN, take(1, 6, 10_000, "a"), T0))
                .isEqualTo(granted(new Decision(true, 4, 0, 600, 0), 5));

        // Capped at 5 up to T0 + 10 s, then 300 ms of refill: 8, less the call's 1.
        assertThat(leaseAt(server, leaseKeys(key), TEN, take(1, 1, 10_000, "b"), T0 + 10_300))
                .isEqualTo(granted(new Decision(true, 7, 0, 300, 0), 0));
        assertThat(StoredBucket.read(redis(server), key)).isEqualTo(new StoredBucket(700, T0 + 10_300, 100));
        assertThat(redis(server).exists(leasesKey(key))).isFalse();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("servers")
    void holdsEndingAtDifferentTimesRaiseTheCapOneAfterTheOther(RedisEndpoint server) {
        String stepwise = freshKey();
        String direct = freshKey();
        for (String key : List.of(stepwise, direct)) {
            assertThat(leaseAt(server, leaseKeys(key), TEN, take(1, 4, 1000, "a"), T0))
                    .isEqualTo(granted(new Decision(true, 6, 0, 400, 0), 3));
            assertThat(leaseAt(server, leaseKeys(key), TEN, take(1, 3, 2000, "b"), T0))
                    .isEqualTo(granted(new Decision(true, 3, 0, 700, 0), 2));
        }

        // Capped at 10 - 5 until T0 + 1 s, then at 10 - 2: 8, less the call's 1.
        assertThat(leaseAt(server, leaseKeys(stepwise), TEN, take(1, 1, 1000, "c"), T0 + 1500))
                .isEqualTo(granted(new Decision(true, 7, 0, 300, 0), 0));
        assertThat(redis(server).zrangeWithScores(leasesKey(stepwise), 0, -1))
                .containsExactly(new Tuple("2:b", (double) (T0 + 2000)));
        // Up to T0 + 2 s still 8, then 100 ms more: 9, less 1.
        assertThat(leaseAt(server, leaseKeys(stepwise), TEN, take(1, 1, 1000, "d"), T0 + 2100))
                .isEqualTo(granted(new Decision(true, 8, 0, 200, 0), 0));

        // 3 tokens, at most 5 until T0 + 1 s, at most 8 until T0 + 2 s, then 100 ms at most 10: 9, less 1.
        assertThat(leaseAt(server, leaseKeys(direct), TEN, take(1, 1, 1000, "c"), T0 + 2100))
                .isEqualTo(granted(new Decision(true, 8, 0, 200, 0), 0));
        assertThat(redis(server).exists(leasesKey(stepwise))).isFalse();
        assertThat(redis(server).exists(leasesKey(direct))).isFalse();
    }

    /**
     * When the holds leave less room than the call's cost, the call waits for a hold to end and then for the refill
     * from there: like any refusal's, its retry-after is exactly when the call is allowed.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("servers")
    void aRefusalTheHoldsCauseRetriesExactlyAfterTheWaitItAnnounces(RedisEndpoint server) {
        String key = freshKey();
        RateLimitPolicy costOfTwo = policy(TEN_PER_SECOND, 2);
        assertThat(leaseAt(server, leaseKeys(key), costOfTwo, take(1, 10, 5000, "a"), T0))
                .isEqualTo(granted(new Decision(true, 0, 0, 1000, 0), 9));

        // 1 s later the bucket holds 1 token, all the 9 held leave it; the call needs 2.
        LeaseGrant refused = leaseAt(server, leaseKeys(key), costOfTwo, take(2, 2, 5000, "b"), T0 + 1000);
        assertThat(refused.decision().allowed()).isFalse();
        assertThat(refused.decision().remaining()).isEqualTo(1);
        long retryAt = T0 + 1000 + refused.decision().retryAfterMillis();

        // The hold ends at T0 + 5 s with 1 token in the bucket; the second comes 100 ms later.
        assertThat(leaseAt(server, leaseKeys(key), costOfTwo, take(2, 2, 5000, "c"), retryAt - 1)
                        .decision()
                        .allowed())
                .as("refused 1 ms before the announced retry, at T0 + %d", retryAt - 1 - T0)
                .isFalse();
        assertThat(leaseAt(server, leaseKeys(key), costOfTwo, take(2, 2, 5000, "d"), retryAt)
                        .decision()
                        .allowed())
                .as("allowed at the announced retry, T0 + %d (expected T0 + 5100)", retryAt - T0)
                .isTrue();
    }

    // 4. Giving back.

    @ParameterizedTest(name = "{0}")
    @MethodSource("servers")
    void givingBackReturnsTheUnspentTokensOnceAndEndsTheHold(RedisEndpoint server) {
        String key = freshKey();
        assertThat(leaseAt(server, leaseKeys(key), TEN, take(1, 6, 10_000, "a"), T0))
                .isEqualTo(granted(new Decision(true, 4, 0, 600, 0), 5));

        // A member naming other tokens is no lease out: nothing comes back; the bucket is at its cap of 5.
        assertThat(leaseAt(server, leaseKeys(key), TEN, giveBack(0, 4, "a", 3), T0 + 1000))
                .isEqualTo(granted(new Decision(true, 5, 0, 500, 0), 0));
        // 3 of the 5 come back onto the 5 the bucket holds.
        assertThat(leaseAt(server, leaseKeys(key), TEN, giveBack(0, 5, "a", 3), T0 + 1000))
                .isEqualTo(granted(new Decision(true, 8, 0, 200, 0), 0));
        assertThat(redis(server).exists(leasesKey(key))).isFalse();
        assertThat(StoredBucket.read(redis(server), key)).isEqualTo(new StoredBucket(800, T0 + 1000, 100));
        // The lease is over: the bucket expires when it is full again, 200 ms on, not after the hold's 10 s.
        assertThat(redis(server).pttl(key)).isBetween(0L, 1200L);

        // The same give-back once more credits nothing.
        assertThat(leaseAt(server, leaseKeys(key), TEN, giveBack(0, 5, "a", 3), T0 + 1000))
                .isEqualTo(granted(new Decision(true, 8, 0, 200, 0), 0));
        assertThat(StoredBucket.read(redis(server), key)).isEqualTo(new StoredBucket(800, T0 + 1000, 100));
        // Without the hold, the bucket refills past 5 again.
        assertThat(leaseAt(server, leaseKeys(key), TEN, take(1, 1, 10_000, "b"), T0 + 1100))
                .isEqualTo(granted(new Decision(true, 8, 0, 200, 0), 0));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("servers")
    void aCallTakingItsCostCanGiveBackTooAndTheTokensCountForIt(RedisEndpoint server) {
        String key = freshKey();
        assertThat(leaseAt(server, leaseKeys(key), TEN, take(1, 10, 10_000, "a"), T0))
                .isEqualTo(granted(new Decision(true, 0, 0, 1000, 0), 9));
        // The bucket is empty, the cap 1 token: the call gets its cost from the 4 given back.
        assertThat(leaseAt(server, leaseKeys(key), TEN, giveBack(1, 9, "a", 4), T0))
                .isEqualTo(granted(new Decision(true, 3, 0, 700, 0), 0));
        assertThat(redis(server).exists(leasesKey(key))).isFalse();

        // And giving back while leasing anew: 1 s later the bucket holds 10 (cap 10); 1 call, 4 leased.
        assertThat(leaseAt(server, leaseKeys(key), TEN, take(1, 5, 10_000, "b"), T0 + 1000))
                .isEqualTo(granted(new Decision(true, 5, 0, 500, 0), 4));
        assertThat(leaseAt(
                        server,
                        leaseKeys(key),
                        TEN,
                        new LeaseCall(1, 8, 10_000, "c", LeaseCall.member(4, "b"), 2),
                        T0 + 1000))
                .isEqualTo(granted(new Decision(true, 0, 0, 1000, 0), 6));
        assertThat(redis(server).zrangeWithScores(leasesKey(key), 0, -1))
                .containsExactly(new Tuple("6:c", (double) (T0 + 11_000)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("servers")
    void aGiveBackNeverCreditsMoreThanTheLeaseNorPastWhatOtherHoldsLeave(RedisEndpoint server) {
        String key = freshKey();
        assertThat(leaseAt(server, leaseKeys(key), TEN, take(1, 6, 10_000, "a"), T0))
                .isEqualTo(granted(new Decision(true, 4, 0, 600, 0), 5));
        assertThat(leaseAt(server, leaseKeys(key), TEN, take(1, 4, 10_000, "b"), T0))
                .isEqualTo(granted(new Decision(true, 0, 0, 1000, 0), 3));

        // 5 s later the bucket holds 2 (10 less 8 held); lease a claims 9 unspent of its 5: 5 come back, to 7,
        // all that lease b's 3 leave.
        assertThat(leaseAt(server, leaseKeys(key), TEN, giveBack(0, 5, "a", 9), T0 + 5000))
                .isEqualTo(granted(new Decision(true, 7, 0, 300, 0), 0));
        assertThat(redis(server).zrangeWithScores(leasesKey(key), 0, -1))
                .containsExactly(new Tuple("3:b", (double) (T0 + 10_000)));
        // Lease b still holds 3: a second later the bucket is still at 7.
        assertThat(leaseAt(server, leaseKeys(key), TEN, take(0, 0, 10_000, "c"), T0 + 6000))
                .isEqualTo(granted(new Decision(true, 7, 0, 300, 0), 0));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("servers")
    void aGiveBackClaimingMoreUnspentThanTheLeaseCreditsTheLeaseOnly(RedisEndpoint server) {
        String key = freshKey();
        assertThat(leaseAt(server, leaseKeys(key), TEN, take(1, 6, 10_000, "a"), T0))
                .isEqualTo(granted(new Decision(true, 4, 0, 600, 0), 5));

        // 6 claimed of a lease of 5: 5 come back onto the 4 left, not 6 up to the capacity.
        assertThat(leaseAt(server, leaseKeys(key), TEN, giveBack(0, 5, "a", 6), T0))
                .isEqualTo(granted(new Decision(true, 9, 0, 100, 0), 0));
        assertThat(StoredBucket.read(redis(server), key)).isEqualTo(new StoredBucket(900, T0, 100));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("servers")
    void aGiveBackOfALeaseWhoseHoldEndedCreditsNothing(RedisEndpoint server) {
        String late = freshKey();
        String inTime = freshKey();
        for (String key : List.of(late, inTime)) {
            assertThat(leaseAt(server, leaseKeys(key), TEN, take(1, 6, 1000, "a"), T0))
                    .isEqualTo(granted(new Decision(true, 4, 0, 600, 0), 5));
        }

        // At T0 + 1 s the hold has ended: its 5 tokens are lost; the bucket holds the 5 of its cap.
        assertThat(leaseAt(server, leaseKeys(late), TEN, giveBack(0, 5, "a", 5), T0 + 1000))
                .isEqualTo(granted(new Decision(true, 5, 0, 500, 0), 0));
        assertThat(redis(server).exists(leasesKey(late))).isFalse();
        assertThat(leaseAt(server, leaseKeys(late), TEN, giveBack(0, 5, "a", 5), T0 + 1000))
                .isEqualTo(granted(new Decision(true, 5, 0, 500, 0), 0));
        // 1 ms before, the same give-back returns all 5.
        assertThat(leaseAt(server, leaseKeys(inTime), TEN, giveBack(0, 5, "a", 5), T0 + 999))
                .isEqualTo(granted(new Decision(true, 10, 0, 0, 0), 0));
    }

    // 5. Bands.

    @ParameterizedTest(name = "{0}")
    @MethodSource("servers")
    void aLeaseIsLimitedByTheBandWithFewestTokensAndTakenFromEveryBand(RedisEndpoint server) {
        RateLimitPolicy tenPerSecondAndFourPerHour = policy(TEN_PER_SECOND, 1, new Band("hourly", FOUR_PER_HOUR));
        String unspentNone = freshKey();
        String unspentAll = freshKey();
        for (String key : List.of(unspentNone, unspentAll)) {
            List<String> keys = leaseKeys(key, key + ":hourly");
            // 9 and 3 left: the hourly band is the closer one.
            assertThat(leaseAt(server, keys, tenPerSecondAndFourPerHour, take(1, 1, 60_000, "x"), T0))
                    .isEqualTo(granted(new Decision(true, 3, 0, 900_000, 1), 0));
            // 8 wanted; the hourly band holds 3, so 3 are taken from both bands: 1 for the call, 2 leased.
            assertThat(leaseAt(server, keys, tenPerSecondAndFourPerHour, take(1, 8, 60_000, "a"), T0))
                    .isEqualTo(granted(new Decision(true, 0, 0, 3_600_000, 1), 2));
            assertThat(StoredBucket.read(redis(server), key)).isEqualTo(new StoredBucket(600, T0, 100));
            assertThat(StoredBucket.read(redis(server), key + ":hourly")).isEqualTo(new StoredBucket(0, T0, 3_600_000));
            // The hourly band now refuses: nothing is taken from the first one, nothing leased.
            assertThat(leaseAt(server, keys, tenPerSecondAndFourPerHour, take(1, 5, 60_000, "b"), T0))
                    .isEqualTo(granted(new Decision(false, 0, 900_000, 3_600_000, 1), 0));
            assertThat(StoredBucket.read(redis(server), key)).isEqualTo(new StoredBucket(600, T0, 100));
        }

        // 10 s later: the first band would be full, the 2 held keep it at 8; the hourly band gained 40,000 token-ms.
        assertThat(leaseAt(
                        server,
                        leaseKeys(unspentNone, unspentNone + ":hourly"),
                        tenPerSecondAndFourPerHour,
                        giveBack(0, 2, "a", 0),
                        T0 + 10_000))
                .isEqualTo(granted(new Decision(true, 0, 0, 3_590_000, 1), 0));
        assertThat(StoredBucket.read(redis(server), unspentNone)).isEqualTo(new StoredBucket(800, T0 + 10_000, 100));
        assertThat(StoredBucket.read(redis(server), unspentNone + ":hourly"))
                .isEqualTo(new StoredBucket(40_000, T0 + 10_000, 3_600_000));

        // Both unspent tokens return to each band: the first is full, the hourly one holds 2 and 40,000 token-ms.
        assertThat(leaseAt(
                        server,
                        leaseKeys(unspentAll, unspentAll + ":hourly"),
                        tenPerSecondAndFourPerHour,
                        giveBack(0, 2, "a", 2),
                        T0 + 10_000))
                .isEqualTo(granted(new Decision(true, 2, 0, 1_790_000, 1), 0));
        assertThat(StoredBucket.read(redis(server), unspentAll)).isEqualTo(new StoredBucket(1000, T0 + 10_000, 100));
        assertThat(StoredBucket.read(redis(server), unspentAll + ":hourly"))
                .isEqualTo(new StoredBucket(7_240_000, T0 + 10_000, 3_600_000));
        assertThat(redis(server).exists(leasesKey(unspentNone))).isFalse();
        assertThat(redis(server).exists(leasesKey(unspentAll))).isFalse();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("servers")
    void aLeaseIsLimitedByTheFirstBandWhenItHoldsFewest(RedisEndpoint server) {
        RateLimitPolicy fivePerFiveSecondsAndTenPerSecond =
                policy(FIVE_PER_FIVE_SECONDS, 1, new Band("fast", TEN_PER_SECOND));
        String key = freshKey();
        List<String> keys = leaseKeys(key, key + ":fast");

        assertThat(leaseAt(server, keys, fivePerFiveSecondsAndTenPerSecond, take(1, 8, 60_000, "a"), T0))
                .isEqualTo(granted(new Decision(true, 0, 0, 5000, 0), 4));
        assertThat(StoredBucket.read(redis(server), key)).isEqualTo(new StoredBucket(0, T0, 1000));
        assertThat(StoredBucket.read(redis(server), key + ":fast")).isEqualTo(new StoredBucket(500, T0, 100));
    }

    // 6. The invariant.

    @ParameterizedTest(name = "{0}")
    @MethodSource("servers")
    void whatLeasesAndCallsAdmitStaysWithinCapacityPlusRefillOverEveryInterval(RedisEndpoint server) {
        admissionsStayWithinTheBound(server, TEN, 20_241_201L, 1);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("servers")
    void whatLeasesAndCallsAdmitStaysWithinEveryBandsBoundOverEveryInterval(RedisEndpoint server) {
        admissionsStayWithinTheBound(
                server,
                policy(TEN_PER_SECOND, 1, new Band("slow", new BucketLimits(25, 1, Duration.ofMillis(400)))),
                20_241_202L,
                5);
    }

    private static final int STEPS = 2000;

    /** A lease the simulated instances hold: granted at {@code grantedAt}, held by Redis until {@code endsAt}. */
    private record OpenLease(String id, long tokens, long grantedAt, long endsAt) {}

    /**
     * Leasing calls, give-backs and time advances at random (seeded), with the instances spending their leases at
     * random times before each one's hold ends (and before it is given back); then, for every band, over every
     * interval between two times something was admitted, what was admitted (costs of allowed calls when allowed,
     * lease tokens when spent) stays within capacity + refill x elapsed. Those are all the intervals that matter: the
     * most admitted beyond the bound over any interval is over one that starts and ends at such times. And some
     * interval comes within {@code closeTokens} of a band's bound, so that the run does test the bound.
     */
    private static void admissionsStayWithinTheBound(
            RedisEndpoint server, RateLimitPolicy policy, long seed, long closeTokens) {
        Random random = new Random(seed);
        String key = freshKey();
        List<String> keys = new ArrayList<>();
        keys.add(key);
        for (int band = 1; band < policy.bandCount(); band++) {
            keys.add(key + ":" + policy.extraBands().get(band - 1).name());
        }
        keys.add(leasesKey(key));

        List<OpenLease> open = new ArrayList<>();
        SortedMap<Long, Long> admitted = new TreeMap<>();
        long now = T0;
        int refused = 0;
        int leasesGranted = 0;
        int givenBack = 0;
        for (int step = 0; step < STEPS; step++) {
            now += advance(random, open, now);
            long cost = random.nextInt(4) == 0 ? 0 : 1 + random.nextInt(2);
            long want = cost + (random.nextBoolean() ? 0 : random.nextInt(9));
            long hold = 50L + random.nextInt(1500);
            String id = "l" + step;
            OpenLease ended = null;
            long unspent = 0;
            if (!open.isEmpty() && random.nextInt(3) == 0) {
                ended = open.remove(random.nextInt(open.size()));
                unspent = random.nextInt((int) ended.tokens() + 1);
            }
            LeaseCall call = new LeaseCall(
                    cost, want, hold, id, ended == null ? "" : LeaseCall.member(ended.tokens(), ended.id()), unspent);

            LeaseGrant grant = leaseAt(server, keys, policy, call, now);

            String at = "step " + step + " at T0 + " + (now - T0) + ", " + call + " -> " + grant;
            if (ended != null) {
                // What the instance did not give back, it spent before the hold ended and before giving back.
                spend(random, admitted, ended.grantedAt(), Math.min(ended.endsAt() - 1, now), ended.tokens() - unspent);
                givenBack++;
            }
            Decision decision = grant.decision();
            if (decision.allowed()) {
                admit(admitted, now, cost);
                assertThat(grant.leased()).as(at).isBetween(0L, want - cost);
                if (grant.leased() < want - cost) {
                    // Fewer leased than wanted: the band with fewest tokens gave all it held.
                    assertThat(decision.remaining()).as(at).isZero();
                }
            } else {
                refused++;
                assertThat(grant.leased()).as(at).isZero();
            }
            if (grant.leased() > 0) {
                open.add(new OpenLease(id, grant.leased(), now, now + hold));
                leasesGranted++;
            }
            long decidedAt = now;
            long held = open.stream()
                    .filter(lease -> lease.endsAt() > decidedAt)
                    .mapToLong(OpenLease::tokens)
                    .sum();
            assertThat(decision.remaining() + held)
                    .as("%s: remaining + held within the capacity", at)
                    .isLessThanOrEqualTo(policy.limitsOfBand(decision.band()).capacity());
        }
        long end = now;
        // The leases never given back were spent in full, before their holds ended or the run did.
        for (OpenLease lease : open) {
            spend(random, admitted, lease.grantedAt(), Math.min(lease.endsAt() - 1, end), lease.tokens());
        }

        assertThat(refused).as("refusals: the limit was reached").isGreaterThan(STEPS / 10);
        assertThat(leasesGranted).as("leases granted").isGreaterThan(STEPS / 10);
        assertThat(givenBack).as("leases given back").isGreaterThan(STEPS / 20);

        long[] times = admitted.keySet().stream().mapToLong(Long::longValue).toArray();
        long[] before = new long[times.length + 1];
        int index = 0;
        for (long tokens : admitted.values()) {
            before[index + 1] = before[index] + tokens;
            index++;
        }
        long closest = Long.MIN_VALUE;
        for (int band = 0; band < policy.bandCount(); band++) {
            BucketLimits limits = policy.limitsOfBand(band);
            long period = limits.refillPeriodMillis();
            // In token-ms, as the script counts: a token is `period`, a millisecond adds `refillTokens`.
            long total = before[times.length];
            assertThat(total * period)
                    .as("band %d: all %d tokens admitted over [T0, T0 + %d]", band, total, end - T0)
                    .isLessThanOrEqualTo(limits.capacity() * period + limits.refillTokens() * (end - T0));
            long tightest = Long.MIN_VALUE;
            for (int from = 0; from < times.length; from++) {
                for (int to = from; to < times.length; to++) {
                    long excess = (before[to + 1] - before[from]) * period
                            - limits.capacity() * period
                            - limits.refillTokens() * (times[to] - times[from]);
                    if (excess > 0) {
                        fail(
                                "band %d: %d tokens admitted over [T0 + %d, T0 + %d], more than %d + %d x %d ms / %d ms",
                                band,
                                before[to + 1] - before[from],
                                times[from] - T0,
                                times[to] - T0,
                                limits.capacity(),
                                limits.refillTokens(),
                                times[to] - times[from],
                                period);
                    }
                    tightest = Math.max(tightest, excess);
                }
            }
            closest = Math.max(closest, tightest / period);
        }
        // Some interval comes that close to a band's bound: a leak of that many tokens would show.
        assertThat(closest).as("tokens short of a band's bound, at the closest").isGreaterThan(-closeTokens);
    }

    /**
     * Mostly short steps, some long ones; and sometimes to just around the end of a lease out, when the cap rises:
     * where a hold counted wrongly would show.
     */
    private static long advance(Random random, List<OpenLease> open, long now) {
        int kind = random.nextInt(10);
        if (kind == 0) {
            return 0;
        }
        if (kind <= 4) {
            return random.nextInt(60);
        }
        if (kind <= 6) {
            return random.nextInt(400);
        }
        if (kind == 7) {
            return random.nextInt(3000);
        }
        if (!open.isEmpty()) {
            long target = open.get(random.nextInt(open.size())).endsAt() - 5 + random.nextInt(30);
            if (target >= now) {
                return target - now;
            }
        }
        return random.nextInt(200);
    }

    private static void admit(Map<Long, Long> admitted, long at, long tokens) {
        if (tokens > 0) {
            admitted.merge(at, tokens, Long::sum);
        }
    }

    /** Spends {@code tokens} one by one in [from, to]: at the start, mostly at the end, or anywhere between. */
    private static void spend(Random random, Map<Long, Long> admitted, long from, long to, long tokens) {
        assertThat(to).isGreaterThanOrEqualTo(from);
        for (long token = 0; token < tokens; token++) {
            long at = switch (random.nextInt(4)) {
                case 0 -> from;
                case 1, 2 -> to;
                default -> from + (long) random.nextInt((int) (to - from + 1));
            };
            admit(admitted, at, 1);
        }
    }

    // 7. Expiry.

    @ParameterizedTest(name = "{0}")
    @MethodSource("servers")
    void whileTokensAreHeldNeitherTheBucketNorTheLeasesExpire(RedisEndpoint server) {
        String key = freshKey();
        assertThat(leaseAt(server, leaseKeys(key), TEN, take(1, 6, 60_000, "a"), T0))
                .isEqualTo(granted(new Decision(true, 4, 0, 600, 0), 5));

        // The hold's 60 s, then the 600 ms to refill from 4 and a second's margin.
        assertThat(redis(server).pttl(key)).isBetween(60_000L, 61_600L);
        assertThat(redis(server).pttl(leasesKey(key))).isBetween(60_000L, 61_000L);

        // A call 1 s later takes only its cost: both keys still last at least the 59 s the hold has left.
        assertThat(leaseAt(server, leaseKeys(key), TEN, take(1, 1, 60_000, "b"), T0 + 1000))
                .isEqualTo(granted(new Decision(true, 4, 0, 600, 0), 0));
        assertThat(redis(server).pttl(key)).isBetween(59_000L, 60_600L);
        assertThat(redis(server).pttl(leasesKey(key))).isBetween(59_000L, 60_000L);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("servers")
    void everyBandsBucketLastsAsLongAsTheHold(RedisEndpoint server) {
        RateLimitPolicy fiveAndTen = policy(FIVE_PER_FIVE_SECONDS, 1, new Band("fast", TEN_PER_SECOND));
        String key = freshKey();
        List<String> keys = leaseKeys(key, key + ":fast");

        assertThat(leaseAt(server, keys, fiveAndTen, take(1, 3, 120_000, "a"), T0))
                .isEqualTo(granted(new Decision(true, 2, 0, 3000, 0), 2));
        // 120 s held, then 3 s and 300 ms to refill, and a second.
        assertThat(redis(server).pttl(key)).isBetween(120_000L, 124_000L);
        assertThat(redis(server).pttl(key + ":fast")).isBetween(120_000L, 121_300L);
        assertThat(redis(server).pttl(leasesKey(key))).isBetween(120_000L, 121_000L);
    }
}
