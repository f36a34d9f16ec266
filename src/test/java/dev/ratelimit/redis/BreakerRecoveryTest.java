package dev.ratelimit.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ratelimit.core.BucketLimits;
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
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/**
 * Redis down while calls are few, then back: the failures from before it answered never open the breaker, and
 * every call after is decided. A real outage still opens it, and so does a Redis failing every other call.
 */
class BreakerRecoveryTest {

    private static final RateLimitPolicy OPEN_POLICY =
            new RateLimitPolicy("recovery", new BucketLimits(1_000, 1_000, Duration.ofSeconds(1)), 1, FailureMode.OPEN);

    private final List<BreakerState> openings = new CopyOnWriteArrayList<>();
    private final RedisEvents events = new RedisEvents() {
        @Override
        public void breakerTransitioned(BreakerState from, BreakerState to) {
            openings.add(to);
        }
    };

    private RedisRateLimiter throughProxy(TcpProxy proxy) {
        return RedisRateLimiter.connect(
                RedisSettings.builder()
                        .url("redis://127.0.0.1:" + proxy.port())
                        .connectTimeout(Duration.ofMillis(200))
                        .commandTimeout(Duration.ofMillis(200))
                        .breakerWindow(10)
                        .breakerFailureRate(50)
                        .build(),
                events);
    }

    private static TcpProxy proxyToRedis() throws Exception {
        URI shared = RedisFixture.shared().url();
        return TcpProxy.start(shared.getHost(), shared.getPort());
    }

    @Test
    void failuresOfAQuietStartDoNotAddUpWithTheSuccessesAfterRedisIsBack() throws Exception {
        try (TcpProxy proxy = proxyToRedis();
                RedisRateLimiter limiter = throughProxy(proxy)) {
            proxy.mode(TcpProxy.Mode.REFUSE);
            for (int call = 0; call < 6; call++) {
                assertThatThrownBy(() -> limiter.acquire(OPEN_POLICY, ClientId.of("quiet")))
                        .isInstanceOfSatisfying(
                                LimiterUnavailableException.class,
                                e -> assertThat(e.reason()).isEqualTo(FailureReason.CONNECTION));
            }
            proxy.mode(TcpProxy.Mode.FORWARD);

            for (int call = 0; call < 20; call++) {
                assertThat(limiter.acquire(OPEN_POLICY, ClientId.of("quiet")).allowed())
                        .as("call %d after Redis is back", call)
                        .isTrue();
            }

            assertThat(openings).as("breaker transitions").isEmpty();
            assertThat(limiter.breakerStates()).containsValue(BreakerState.CLOSED);
        }
    }

    @Test
    void anOutageStillOpensTheBreakerOnceItHasWeighedAFullWindow() throws Exception {
        try (TcpProxy proxy = proxyToRedis();
                RedisRateLimiter limiter = throughProxy(proxy)) {
            for (int call = 0; call < 10; call++) {
                limiter.acquire(OPEN_POLICY, ClientId.of("busy"));
            }
            proxy.mode(TcpProxy.Mode.REFUSE);

            for (int call = 0; call < 5; call++) {
                assertThatThrownBy(() -> limiter.acquire(OPEN_POLICY, ClientId.of("busy")))
                        .isInstanceOf(LimiterUnavailableException.class);
            }

            assertThat(openings).containsExactly(BreakerState.OPEN);
            assertThatThrownBy(() -> limiter.acquire(OPEN_POLICY, ClientId.of("busy")))
                    .isInstanceOfSatisfying(
                            LimiterUnavailableException.class,
                            e -> assertThat(e.reason()).isEqualTo(FailureReason.BREAKER_OPEN));
        }
    }

    @Test
    void aRedisFailingEveryOtherCallStillOpensTheBreakerByItsFailureRate() throws Exception {
        try (TcpProxy proxy = proxyToRedis();
                RedisRateLimiter limiter = throughProxy(proxy)) {
            for (int call = 0; call < 40 && openings.isEmpty(); call++) {
                proxy.mode(call % 2 == 0 ? TcpProxy.Mode.REFUSE : TcpProxy.Mode.FORWARD);
                try {
                    limiter.acquire(OPEN_POLICY, ClientId.of("flapping"));
                } catch (LimiterUnavailableException expected) {
                    // every other call meets the outage
                }
            }

            assertThat(openings).as("breaker transitions").contains(BreakerState.OPEN);
        }
    }
}
