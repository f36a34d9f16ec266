package dev.ratelimit.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import dev.ratelimit.core.Band;
import dev.ratelimit.core.BucketLimits;
import dev.ratelimit.core.ClientId;
import dev.ratelimit.core.FailureMode;
import dev.ratelimit.core.RateLimitPolicy;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.NullSource;
import org.junit.jupiter.params.provider.ValueSource;

class BucketKeysTest {

    private static final BucketKeys KEYS = new BucketKeys("ratelimit:");

    private static RateLimitPolicy policy(String name) {
        return new RateLimitPolicy(name, new BucketLimits(1, 1, Duration.ofSeconds(1)), 1, FailureMode.OPEN);
    }

    /** The part of a key Redis Cluster hashes: between the first '{' and the first '}' after it. */
    private static String hashTag(String key) {
        int open = key.indexOf('{');
        int close = key.indexOf('}', open + 1);
        assertThat(open).as("key %s has a '{'", key).isNotNegative();
        assertThat(close).as("key %s has a '}' after its '{'", key).isGreaterThan(open + 1);
        return key.substring(open + 1, close);
    }

    @Test
    void keyIsPrefixThenPolicyAndClientInOneHashTag() {
        assertThat(KEYS.keyFor(policy("orders"), ClientId.of("alice"))).isEqualTo("ratelimit:{orders:alice}");
        assertThat(KEYS.keyFor(policy("dev.x.OrdersResource/create"), ClientId.of("10.0.0.1")))
                .isEqualTo("ratelimit:{dev.x.OrdersResource/create:10.0.0.1}");
        assertThat(KEYS.keyFor(policy("orders"), ClientId.ANONYMOUS)).isEqualTo("ratelimit:{orders:~anonymous}");
    }

    @ParameterizedTest
    @ValueSource(strings = {"}", "{", "a}b", "x}{y", "victim}", "{victim", "orders:victim}", "}{}{", "{}"})
    void braceInIdCannotBreakTheHashTag(String id) {
        String key = KEYS.keyFor(policy("orders"), ClientId.of(id));

        assertThat(key.chars().filter(c -> c == '{')).hasSize(1);
        assertThat(key.chars().filter(c -> c == '}')).hasSize(1);
        assertThat(key).endsWith("}");
        assertThat(hashTag(key)).isEqualTo("orders:" + ClientId.of(id).value()).doesNotContain("{", "}");
    }

    @Test
    void aPolicyLimitedAsAWholeHasKeysNamedAfterThePolicyAlone() {
        RateLimitPolicy banded = new RateLimitPolicy(
                "search",
                new BucketLimits(5, 5, Duration.ofSeconds(1)),
                1,
                FailureMode.OPEN,
                List.of(new Band("hourly", new BucketLimits(50, 50, Duration.ofHours(1)))));

        assertThat(KEYS.keysFor(banded, ClientId.EVERYONE))
                .containsExactly("ratelimit:{search}", "ratelimit:{search}:hourly");
        assertThat(KEYS.keyFor(policy("search"), ClientId.EVERYONE))
                .isNotEqualTo(KEYS.keyFor(policy("search"), ClientId.ANONYMOUS))
                .isNotEqualTo(KEYS.keyFor(policy("search"), ClientId.of("search")));
    }

    @Test
    void aPolicysBandsHaveOneKeyEachInTheHashTagOfItsOwnKey() {
        RateLimitPolicy banded = new RateLimitPolicy(
                "search",
                new BucketLimits(5, 5, Duration.ofSeconds(1)),
                1,
                FailureMode.OPEN,
                List.of(
                        new Band("hourly", new BucketLimits(50, 50, Duration.ofHours(1))),
                        new Band("daily", new BucketLimits(500, 500, Duration.ofDays(1)))));

        List<String> keys = KEYS.keysFor(banded, ClientId.of("alice"));

        assertThat(keys)
                .containsExactly(
                        "ratelimit:{search:alice}",
                        "ratelimit:{search:alice}:hourly",
                        "ratelimit:{search:alice}:daily");
        assertThat(keys).extracting(BucketKeysTest::hashTag).containsOnly("search:alice");
        assertThat(KEYS.keysFor(policy("search"), ClientId.of("alice"))).containsExactly("ratelimit:{search:alice}");
    }

    @Test
    void everyKeyOfAPolicyAndClientHasTheSameHashTagWhateverThePrefix() {
        assertThat(hashTag(new BucketKeys("a:").keyFor(policy("orders"), ClientId.of("alice"))))
                .isEqualTo(hashTag(new BucketKeys("other-app:rl:").keyFor(policy("orders"), ClientId.of("alice"))))
                .isEqualTo("orders:alice");
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "",
                "ratelimit:",
                "app:rl:",
                "rl/v2|",
                "0123456789012345678901234567890123456789012345678901234567890123"
            })
    void acceptsPrefixesUpTo64CharactersWithoutBracesOrSpaces(String prefix) {
        assertThat(new BucketKeys(prefix).keyFor(policy("p"), ClientId.of("c"))).isEqualTo(prefix + "{p:c}");
    }

    @ParameterizedTest
    @NullSource
    @ValueSource(
            strings = {
                "{",
                "}",
                "rate{limit:",
                "ratelimit}:",
                "rate limit:",
                " ratelimit:",
                "rate\tlimit",
                "rate\nlimit",
                "01234567890123456789012345678901234567890123456789012345678901234", // 65
            })
    void rejectsBadPrefixesNamingThem(String prefix) {
        assertThatIllegalArgumentException()
                .isThrownBy(() -> new BucketKeys(prefix))
                .withMessage("must be at most 64 characters without braces or spaces, was '" + prefix + "'");
    }
}
