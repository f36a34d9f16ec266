package dev.ratelimit.limiter;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.NullSource;
import org.junit.jupiter.params.provider.ValueSource;


import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

class BucketKeysTest {

    private static final BucketKeys KEYS = new BucketKeys("ratelimit:");

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
        assertThat(KEYS.keyFor("orders", ClientId.of("alice"))).isEqualTo("ratelimit:{orders:alice}");
    }

    @Test
    void keyKeepsPolicyNamesWithDotsAndSlashes() {
        assertThat(KEYS.keyFor("dev.x.OrdersResource/create", ClientId.of("10.0.0.1")))
                .isEqualTo("ratelimit:{dev.x.OrdersResource/create:10.0.0.1}");
    }

    @ParameterizedTest
    @ValueSource(strings = {"}", "{", "a}b", "x}{y", "victim}", "{victim", "orders:victim}", "}{}{", "{}"})
    void braceInIdCannotBreakTheHashTag(String id) {
        String key = KEYS.keyFor("orders", ClientId.of(id));

        assertThat(key.chars().filter(c -> c == '{')).hasSize(1);
        assertThat(key.chars().filter(c -> c == '}')).hasSize(1);
        assertThat(key).endsWith("}");
        assertThat(hashTag(key)).isEqualTo("orders:" + ClientId.of(id).keyPart()).doesNotContain("{", "}");
    }

    @Test
    void everyKeyOfAPolicyAndClientHasTheSameHashTagWhateverThePrefix() {
        assertThat(hashTag(new BucketKeys("a:").keyFor("orders", ClientId.of("alice"))))
                .isEqualTo(hashTag(new BucketKeys("other-app:rl:").keyFor("orders", ClientId.of("alice"))))
                .isEqualTo("orders:alice");
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "ratelimit:", "app:rl:", "a", "rl/v2|", "0123456789012345678901234567890123456789012345678901234567890123"})
    void acceptsPrefixesUpTo64CharactersWithoutBracesOrSpaces(String prefix) {
        assertThat(new BucketKeys(prefix).keyFor("p", ClientId.of("c"))).isEqualTo(prefix + "{p:c}");
    }

    @ParameterizedTest
    @NullSource
    @ValueSource(strings = {
            "{", "}", "rate{limit:", "ratelimit}:", "{ratelimit}:",
            "rate limit:", " ratelimit:", "ratelimit: ", "rate\tlimit", "rate\nlimit",
            "01234567890123456789012345678901234567890123456789012345678901234", // 65
    })
    void rejectsBadPrefixesNamingThem(String prefix) {
        IllegalArgumentException e = catchThrowableOfType(IllegalArgumentException.class, () -> new BucketKeys(prefix));

        assertThat(e).hasMessage("key prefix must be at most 64 characters without braces or spaces, was '" + prefix + "'");
    }

    @ParameterizedTest
    @ValueSource(strings = {"orders", "o", "dev.ratelimit.api.OrdersResource/create", "a-b_c.d/e", "ORDERS2", "dev.x.Outer$Inner/find"})
    void acceptsPolicyNamesOfTheSafeCharacters(String name) {
        BucketKeys.requireValidPolicyName(name);
        BucketKeys.requireValidPolicyName("p".repeat(200));
    }

    @ParameterizedTest
    @NullSource
    @ValueSource(strings = {"", "orders:v2", "or ders", "orders{", "orders}", "ä", "orders\n", "a,b"})
    void rejectsOtherPolicyNamesNamingTheNameProperty(String name) {
        InvalidLimitException e = catchThrowableOfType(InvalidLimitException.class,
                () -> BucketKeys.requireValidPolicyName(name));

        assertThat(e.property()).isEqualTo("name");
        assertThat(e).hasMessage("name must be 1 to 200 of the characters A-Z a-z 0-9 . _ / $ -, was '" + name + "'");
    }

    @Test
    void rejectsPolicyNamesLongerThan200() {
        assertThatThrownBy(() -> BucketKeys.requireValidPolicyName("p".repeat(201)))
                .isInstanceOf(InvalidLimitException.class);
    }
}
