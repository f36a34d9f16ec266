package dev.ratelimit.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ratelimit.core.Band;
import dev.ratelimit.core.BucketLimits;
import dev.ratelimit.core.BucketState;
import dev.ratelimit.core.ClientId;
import dev.ratelimit.core.FailureMode;
import dev.ratelimit.core.FailureReason;
import dev.ratelimit.core.LimiterUnavailableException;
import dev.ratelimit.core.RateLimitPolicy;
import dev.ratelimit.testsupport.RedisFixture;
import dev.ratelimit.testsupport.TcpProxy;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.RedisClient;

/** A client's bucket read and filled again as support staff and tests do it, against a real Redis. */
class BucketAdministrationTest {

    private static final RateLimitPolicy SEARCH = new RateLimitPolicy(
            "search",
            new BucketLimits(5, 1, Duration.ofSeconds(1)),
            2,
            FailureMode.CLOSED,
            List.of(new Band("hourly", new BucketLimits(10, 10, Duration.ofHours(1)))));

    private static RedisClient redis;
    private static String prefix;
    private static RedisRateLimiter limiter;

    @BeforeAll
    static void connect() {
        redis = RedisFixture.shared().client();
        prefix = "admin-" + UUID.randomUUID() + ":";
        limiter = RedisRateLimiter.connect(RedisSettings.builder()
                .url(RedisFixture.shared().url().toString())
                .keyPrefix(prefix)
                .build());
    }

    @AfterAll
    static void close() {
        limiter.close();
        redis.close();
    }

    @Test
    void aClientThatNeverCalledHasFullBucketsAndInspectingWritesNothing() {
        BucketState state = limiter.inspect(SEARCH, ClientId.of("newcomer"));

        assertThat(state.bands())
                .containsExactly(
                        new BucketState.Band("search", 5, 5, 0), new BucketState.Band("search.hourly", 10, 10, 0));
        assertThat(state.full()).isTrue();
        assertThat(redis.keys(prefix + "{search:newcomer}*")).isEmpty();
    }

    @Test
    void inspectingShowsWhatCallsTookFromEveryBandAndTakesNothing() {
        ClientId alice = ClientId.of("alice");
        limiter.acquire(SEARCH, alice);
        limiter.acquire(SEARCH, alice);

        BucketState state = limiter.inspect(SEARCH, alice);
        BucketState again = limiter.inspect(SEARCH, alice);

        assertThat(state.own().tokens()).isBetween(1L, 2L);
        assertThat(state.own().fullInMillis()).isBetween(3_000L, 4_000L);
        assertThat(state.bands().get(1).tokens()).isEqualTo(6);
        assertThat(state.tokens()).isEqualTo(state.own().tokens());
        assertThat(again.bands().get(1).tokens())
                .as("an inspection takes no token")
                .isEqualTo(6);
    }

    @Test
    void aResetFillsEveryBandAndTheShieldLetsTheClientThrough() {
        ClientId bob = ClientId.of("bob");
        while (limiter.acquire(SEARCH, bob).allowed()) {
            // empty the bucket: Redis refuses, and the shield remembers the refusal
        }
        assertThat(limiter.acquire(SEARCH, bob).allowed())
                .as("refused by the shield")
                .isFalse();

        limiter.reset(SEARCH, bob);

        assertThat(redis.keys(prefix + "{search:bob}*")).isEmpty();
        assertThat(limiter.inspect(SEARCH, bob).full()).isTrue();
        assertThat(limiter.acquire(SEARCH, bob).allowed()).isTrue();
    }

    @Test
    void aResetOfAnotherClientLeavesThisOneAlone() {
        ClientId carol = ClientId.of("carol");
        limiter.acquire(SEARCH, carol);

        limiter.reset(SEARCH, ClientId.of("dave"));

        assertThat(limiter.inspect(SEARCH, carol).bands().get(1).tokens()).isEqualTo(8);
    }

    @Test
    void aRedisThatCannotBeReachedMakesBothUnavailableWithTheReason() throws Exception {
        URI shared = RedisFixture.shared().url();
        try (TcpProxy proxy = TcpProxy.start(shared.getHost(), shared.getPort());
                RedisRateLimiter throughProxy = RedisRateLimiter.connect(RedisSettings.builder()
                        .url("redis://127.0.0.1:" + proxy.port())
                        .connectTimeout(Duration.ofMillis(200))
                        .commandTimeout(Duration.ofMillis(200))
                        .build())) {
            proxy.mode(TcpProxy.Mode.REFUSE);

            assertThatThrownBy(() -> throughProxy.inspect(SEARCH, ClientId.of("erin")))
                    .isInstanceOfSatisfying(
                            LimiterUnavailableException.class,
                            e -> assertThat(e.reason()).isEqualTo(FailureReason.CONNECTION));
            assertThatThrownBy(() -> throughProxy.reset(SEARCH, ClientId.of("erin")))
                    .isInstanceOf(LimiterUnavailableException.class)
                    .hasMessageContaining("'search'");
        }
    }
}
