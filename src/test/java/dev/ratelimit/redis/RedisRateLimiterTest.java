package dev.ratelimit.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.ratelimit.core.BucketLimits;
import dev.ratelimit.core.Charge;
import dev.ratelimit.core.ClientId;
import dev.ratelimit.core.FailureMode;
import dev.ratelimit.core.LimiterUnavailableException;
import dev.ratelimit.core.RateLimitPolicy;
import dev.ratelimit.testsupport.RedisFixture;
import dev.ratelimit.testsupport.RedisServerProcess;
import dev.ratelimit.testsupport.TcpProxy;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import redis.clients.jedis.RedisClient;

class RedisRateLimiterTest {

    private static final BucketLimits TWO_PER_HOUR = new BucketLimits(2, 2, Duration.ofHours(1));

    /** Reads what the limiter wrote, on a connection of its own. */
    private static RedisClient redis;

    private static String prefix;
    private static RedisRateLimiter limiter;

    private static RateLimitPolicy policy(String name, long cost) {
        return new RateLimitPolicy(name, TWO_PER_HOUR, cost, FailureMode.CLOSED);
    }

    private static RedisSettings.Builder settings(URI url, Duration timeouts) {
        return RedisSettings.builder()
                .url(url.toString())
                .keyPrefix(prefix)
                .connectTimeout(timeouts)
                .commandTimeout(timeouts)
                .poolSize(2);
    }

    @BeforeAll
    static void connect() {
        redis = RedisFixture.shared().client();
        prefix = "test-" + UUID.randomUUID() + ":";
        limiter = RedisRateLimiter.connect(
                settings(RedisFixture.shared().url(), Duration.ofSeconds(2)).build());
    }

    @AfterAll
    static void close() {
        limiter.close();
        redis.close();
    }

    @Test
    void eachClientOfAPolicyHasItsOwnHashTaggedKey() {
        limiter.acquire(policy("orders", 1), ClientId.of("alice"));

        assertThat(redis.exists(prefix + "{orders:alice}")).isTrue();
    }

    @Test
    void aPerClientAndAnEndpointWidePolicyAreDecidedTogetherOnOneRedis() {
        RateLimitPolicy perClient = policy("together-client", 1);
        RateLimitPolicy wholeEndpoint = new RateLimitPolicy(
                "together-endpoint", new BucketLimits(3, 3, Duration.ofHours(1)), 1, FailureMode.CLOSED);
        List<String> clients = List.of("alice", "alice", "bob", "carol");
        List<Boolean> allowed = clients.stream()
                .map(client -> limiter.acquireTogether(List.of(
                                new Charge(perClient, ClientId.of(client)),
                                new Charge(wholeEndpoint, ClientId.EVERYONE)))
                        .orElseThrow()
                        .decision()
                        .allowed())
                .toList();

        // alice's second call leaves the endpoint's 3 tokens at 2; carol finds none after bob took the last.
        assertThat(allowed).containsExactly(true, true, true, false);
        assertThat(limiter.inspect(perClient, ClientId.of("carol"))
                        .bands()
                        .get(0)
                        .tokens())
                .as("the endpoint's refusal took nothing from carol's own bucket")
                .isEqualTo(2);
    }

    @Test
    void aGiveBackReturnsOneCallsCost() {
        RateLimitPolicy given = policy("given-back", 2);
        limiter.acquire(given, ClientId.of("alice"));
        assertThat(limiter.acquire(given, ClientId.of("alice")).allowed()).isFalse();

        limiter.giveBack(given, ClientId.of("alice"));

        assertThat(limiter.acquire(given, ClientId.of("alice")).allowed()).isTrue();
    }

    @Test
    void clientsDoNotShareABucket() {
        limiter.acquire(policy("isolation", 2), ClientId.of("alice"));

        assertThat(limiter.acquire(policy("isolation", 1), ClientId.of("alice")).allowed())
                .isFalse();
        assertThat(limiter.acquire(policy("isolation", 1), ClientId.of("bob")).allowed())
                .isTrue();
    }

    @Test
    void unsafeOrLongIdsAreHashedIntoBoundedKeys() {
        limiter.acquire(policy("hashed", 1), ClientId.of("} evil {"));
        limiter.acquire(policy("hashed", 1), ClientId.of("x".repeat(10_000)));

        assertThat(redis.keys(prefix + "{hashed:*"))
                .hasSize(2)
                .allSatisfy(key ->
                        assertThat(key).matches(java.util.regex.Pattern.quote(prefix) + "\\{hashed:~[0-9a-f]{64}}"));
    }

    @Test
    void anUnreachableRedisMakesTheLimiterUnavailable() throws Exception {
        URI nobodyListening = URI.create("redis://127.0.0.1:" + RedisServerProcess.freePort());
        try (RedisRateLimiter unreachable = RedisRateLimiter.connect(
                settings(nobodyListening, Duration.ofMillis(100)).build())) {
            assertThatThrownBy(() -> unreachable.acquire(policy("down", 1), ClientId.of("alice")))
                    .isInstanceOf(LimiterUnavailableException.class)
                    .hasMessageContaining("'down'");
        }
    }

    @Test
    void aRedisThatDoesNotAnswerMakesTheLimiterUnavailableAfterTheCommandTimeout() throws Exception {
        URI shared = RedisFixture.shared().url();
        try (TcpProxy proxy = TcpProxy.start(shared.getHost(), shared.getPort());
                RedisRateLimiter throughProxy = RedisRateLimiter.connect(
                        settings(URI.create("redis://127.0.0.1:" + proxy.port()), Duration.ofMillis(100))
                                .build())) {
            assertThat(warmedUp(throughProxy)).isTrue();

            proxy.mode(TcpProxy.Mode.HANG);
            long started = System.nanoTime();
            assertThatThrownBy(() -> throughProxy.acquire(policy("hung", 1), ClientId.of("alice")))
                    .isInstanceOf(LimiterUnavailableException.class);
            // Far below Jedis' own 2 s default: the configured 100 ms applies. A wide bound, not a benchmark.
            assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofMillis(1500));
        }
    }

    /**
     * One decision made through a connection of the limiter's own; a host with no idle CPU may miss the 100 ms of a
     * first handshake, so a few attempts are allowed.
     */
    private static boolean warmedUp(RedisRateLimiter limiter) {
        for (int attempt = 1; ; attempt++) {
            try {
                return limiter.acquire(policy("hung", 1), ClientId.of("alice")).allowed();
            } catch (LimiterUnavailableException e) {
                if (attempt == 10) {
                    throw e;
                }
            }
        }
    }

    @ParameterizedTest(name = "password in the URL: {0}")
    @ValueSource(booleans = {false, true})
    void aPasswordThatRedisEchoesIsHiddenInTheFailure(boolean inUrl) throws Exception {
        String password = "echoed-S3cret-" + UUID.randomUUID();
        Path executable = RedisFixture.redisServerOnPath() != null
                ? RedisFixture.redisServerOnPath()
                : RedisFixture.embeddedBinary();
        // Without HELLO, as before Redis 6 or behind some proxies, Redis answers Jedis' handshake with an
        // error that repeats its arguments, the password among them.
        try (RedisServerProcess withoutHello = RedisServerProcess.start(
                executable, RedisServerProcess.freePort(), List.of("--rename-command", "HELLO", ""))) {
            String address = "127.0.0.1:" + withoutHello.port();
            RedisSettings.Builder settings = inUrl
                    ? settings(URI.create("redis://limiter:" + password + "@" + address), Duration.ofSeconds(2))
                    : settings(URI.create("redis://" + address), Duration.ofSeconds(2))
                            .user("limiter")
                            .password(password);
            LimiterUnavailableException e;
            try (RedisRateLimiter limiter = RedisRateLimiter.connect(settings.build())) {
                e = catchThrowableOfType(
                        LimiterUnavailableException.class,
                        () -> limiter.acquire(policy("echo", 1), ClientId.of("alice")));
            }

            StringWriter trace = new StringWriter();
            e.printStackTrace(new PrintWriter(trace));
            assertThat(trace.toString())
                    .contains("unknown command 'HELLO'", "'limiter' '***'")
                    .doesNotContain(password);
        }
    }
}
