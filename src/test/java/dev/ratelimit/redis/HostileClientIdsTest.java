package dev.ratelimit.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ratelimit.core.BucketLimits;
import dev.ratelimit.core.ClientId;
import dev.ratelimit.core.ClientIdSecret;
import dev.ratelimit.core.FailureMode;
import dev.ratelimit.core.RateLimitPolicy;
import dev.ratelimit.testsupport.RedisFixture;
import java.text.Normalizer;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import redis.clients.jedis.RedisClient;

/**
 * Client ids as a hostile or careless caller sends them, each beside a look-alike, decided by the real
 * limiter against a real Redis: every id gets a bucket of its own, under a short key of safe characters,
 * with or without a client-id secret. These are ids as the core receives them ({@link ClientId#of}); on the
 * HTTP path, surrounding whitespace is stripped first and a blank id is no id (RequestClientIdsTest).
 */
class HostileClientIdsTest {

    /** A bounded id is 64 safe characters at most, or a one-character mark and 64 hex digits. */
    static final int MAX_CLIENT_ID_LENGTH = 65;

    private static final String BOUNDED_ID = "[A-Za-z0-9._:@-]{1,64}|[~#][0-9a-f]{64}";

    private static final String SECRET = "hostile-ids-test-secret-of-at-least-32-bytes";
    private static final BucketLimits TWO_PER_HOUR = new BucketLimits(2, 2, Duration.ofHours(1));
    private static final AtomicInteger POLICIES = new AtomicInteger();

    private static RedisClient redis;
    private static String prefix;
    private static BucketKeys keys;
    private static RedisRateLimiter limiter;

    @BeforeAll
    static void connect() {
        redis = RedisFixture.shared().client();
        prefix = "hostile-" + UUID.randomUUID() + ":";
        keys = new BucketKeys(prefix);
        limiter = RedisRateLimiter.connect(RedisSettings.builder()
                .url(RedisFixture.shared().url().toString())
                .keyPrefix(prefix)
                .connectTimeout(Duration.ofSeconds(2))
                .commandTimeout(Duration.ofSeconds(2))
                .poolSize(2)
                .build());
    }

    @AfterAll
    static void close() {
        limiter.close();
        redis.close();
    }

    private static String nfd(String text) {
        return Normalizer.normalize(text, Normalizer.Form.NFD);
    }

    /** Each hostile id with a look-alike that must not share its bucket. */
    static Stream<Arguments> hostileIds() {
        String tenKilobytes = "x".repeat(10 * 1024);
        return Stream.of(
                Arguments.of("empty vs whitespace", "", " "),
                Arguments.of("space vs tab", " ", "\t"),
                Arguments.of("whitespace only", "   ", "    "),
                Arguments.of("10 KB vs one character changed", tenKilobytes, tenKilobytes.substring(1) + "y"),
                Arguments.of("10 KB vs its first 64 characters", tenKilobytes, tenKilobytes.substring(0, 64)),
                Arguments.of("CR LF vs LF", "alice\r\nbob", "alice\nbob"),
                Arguments.of("header injection", "alice\r\nSet-Cookie: session=stolen", "alice"),
                Arguments.of("NUL vs nothing", "alice\u0000", "alice"),
                Arguments.of("NUL inside", "al\u0000ice", "alice"),
                Arguments.of("NFC vs NFD", "\u00e9lodie", nfd("\u00e9lodie")),
                Arguments.of("combining character vs none", "e\u0301", "e"),
                Arguments.of("right-to-left override", "\u202Eecila", "alice"),
                Arguments.of("Hebrew vs Arabic", "\u05e9\u05dc\u05d5\u05dd", "\u0633\u0644\u0627\u0645"),
                Arguments.of("emoji vs emoji", "\ud83d\ude00", "\ud83d\ude01"),
                Arguments.of("emoji with skin tone vs without", "\ud83d\udc4d\ud83c\udffd", "\ud83d\udc4d"),
                Arguments.of("Cyrillic a vs Latin a", "\u0430lice", "alice"),
                Arguments.of("open brace", "{", "}"),
                Arguments.of("hash tag of another bucket", "{probe:alice}", "alice"),
                Arguments.of("colon vs policy-like prefix", "probe:alice", "alice"),
                Arguments.of("glob star", "*", "alice*"),
                Arguments.of("case", "Alice", "alice"),
                Arguments.of("upper case", "ALICE", "alice"),
                Arguments.of("dot vs underscore", "a.b", "a_b"),
                Arguments.of("underscore vs hyphen", "a_b", "a-b"),
                Arguments.of("trailing space", "alice ", "alice"),
                Arguments.of("leading space", " alice", "alice"),
                Arguments.of(
                        "the hashed form of another id",
                        ClientId.of("alice bob").value(),
                        "alice bob"),
                Arguments.of(
                        "the keyed form of another id",
                        ClientIdSecret.of(SECRET).idOf("alice").value(),
                        "alice"),
                Arguments.of("anonymous", "~anonymous", "anonymous"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("hostileIds")
    void aHostileIdAndItsLookAlikeNeverShareABucket(String description, String id, String lookAlike) {
        assertSeparateBuckets(ClientId::of, id, lookAlike);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("hostileIds")
    void underAClientIdSecretTooAHostileIdAndItsLookAlikeNeverShareABucket(
            String description, String id, String lookAlike) {
        assertSeparateBuckets(ClientIdSecret.of(SECRET)::idOf, id, lookAlike);
    }

    /** Drains the id's bucket and finds the look-alike's still full; both keys short and safe. */
    private static void assertSeparateBuckets(Function<String, ClientId> idOf, String id, String lookAlike) {
        RateLimitPolicy policy =
                new RateLimitPolicy("hostile-" + POLICIES.incrementAndGet(), TWO_PER_HOUR, 2, FailureMode.CLOSED);
        ClientId client = idOf.apply(id);
        ClientId other = idOf.apply(lookAlike);

        assertThat(keys.keyFor(policy, client)).isNotEqualTo(keys.keyFor(policy, other));
        for (ClientId bounded : List.of(client, other)) {
            assertThat(bounded.value()).matches(BOUNDED_ID).hasSizeLessThanOrEqualTo(MAX_CLIENT_ID_LENGTH);
            assertThat(keys.keyFor(policy, bounded))
                    .hasSizeLessThanOrEqualTo(prefix.length() + policy.name().length() + MAX_CLIENT_ID_LENGTH + 3);
        }

        assertThat(limiter.acquire(policy, client).allowed())
                .as("the id's first call takes its whole bucket")
                .isTrue();
        assertThat(limiter.acquire(policy, client).allowed())
                .as("the id's bucket is empty")
                .isFalse();
        assertThat(limiter.acquire(policy, other).allowed())
                .as("the look-alike's bucket is still full")
                .isTrue();
        assertThat(redis.exists(keys.keyFor(policy, client))).isTrue();
        assertThat(redis.exists(keys.keyFor(policy, other))).isTrue();
    }

    @Test
    void everyHostileIdHasAKeyOfItsOwn() {
        Set<String> raw = new HashSet<>();
        hostileIds().forEach(arguments -> {
            raw.add((String) arguments.get()[1]);
            raw.add((String) arguments.get()[2]);
        });
        RateLimitPolicy policy = new RateLimitPolicy("all", TWO_PER_HOUR, 1, FailureMode.CLOSED);
        ClientIdSecret secret = ClientIdSecret.of(SECRET);
        Set<String> unkeyed = new HashSet<>();
        Set<String> keyed = new HashSet<>();

        raw.forEach(id -> {
            unkeyed.add(keys.keyFor(policy, ClientId.of(id)));
            keyed.add(keys.keyFor(policy, secret.idOf(id)));
        });

        assertThat(unkeyed).hasSameSizeAs(raw).doesNotContainAnyElementsOf(keyed);
        assertThat(keyed).hasSameSizeAs(raw);
    }

    @Test
    void underAClientIdSecretTheRedisKeyHoldsNoTraceOfTheRawId() {
        RateLimitPolicy policy = new RateLimitPolicy("private", TWO_PER_HOUR, 1, FailureMode.CLOSED);
        String email = "alice.smith@example.com";

        limiter.acquire(policy, ClientIdSecret.of(SECRET).idOf(email));

        List<String> stored = List.copyOf(redis.keys(prefix + "{private:*"));
        assertThat(stored)
                .singleElement()
                .asString()
                .doesNotContainIgnoringCase("alice")
                .doesNotContain("example")
                .doesNotContain("@")
                .isEqualTo(prefix + "{private:"
                        + ClientIdSecret.of(SECRET).idOf(email).value() + "}");
        assertThat(stored.get(0))
                .isNotEqualTo(prefix + "{private:" + ClientId.of(email).value() + "}");
    }

    @Test
    void twoSecretsStoreOneIdUnderDifferentKeys() {
        String other = "another-secret-of-at-least-32-bytes-long!";

        assertThat(keys.keyFor(
                        new RateLimitPolicy("p", TWO_PER_HOUR, 1, FailureMode.CLOSED),
                        ClientIdSecret.of(SECRET).idOf("alice")))
                .isNotEqualTo(keys.keyFor(
                        new RateLimitPolicy("p", TWO_PER_HOUR, 1, FailureMode.CLOSED),
                        ClientIdSecret.of(other).idOf("alice")));
    }
}
