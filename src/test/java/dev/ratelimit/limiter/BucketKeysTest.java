package dev.ratelimit.limiter;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.NullSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

class BucketKeysTest {

    private static final BucketKeys KEYS = new BucketKeys("ratelimit:");

    private static String sha256Hex(String text) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
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
        assertThat(KEYS.keyFor("orders", "alice")).isEqualTo("ratelimit:{orders:alice}");
    }

    @Test
    void keyKeepsPolicyNamesWithDotsAndSlashes() {
        assertThat(KEYS.keyFor("dev.x.OrdersResource/create", "10.0.0.1"))
                .isEqualTo("ratelimit:{dev.x.OrdersResource/create:10.0.0.1}");
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "alice",
            "a",
            "ABCxyz0189",
            "user@example.com",
            "10.0.0.1",
            "::1",
            "2001:db8::ff00:42:8329",
            "client-42_v1.2",
            "a.b_c:d@e-f",
            "anonymous",
            "0123456789012345678901234567890123456789012345678901234567890123", // exactly 64
    })
    void safeIdsPassThroughUnchanged(String id) {
        assertThat(BucketKeys.safeClientId(id)).isEqualTo(id);
        assertThat(KEYS.keyFor("p", id)).isEqualTo("ratelimit:{p:" + id + "}");
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "01234567890123456789012345678901234567890123456789012345678901234", // 65
            "alice bob",
            "alice\tbob",
            "a/b",
            "a+b",
            "a,b",
            "a;b",
            "a*b",
            "a?b",
            "a\"b",
            "a\\b",
            "a\nb",
            "a}b",
            "a{b",
            "}",
            "{",
            "{orders:victim}",
            "élodie",
            "名前",
            "😀",
            "~",
            "~abc",
            "",
            " alice",
            "alice ",
    })
    void unsafeOrLongIdsBecomeAMarkedSha256(String id) throws Exception {
        String safe = BucketKeys.safeClientId(id);

        assertThat(safe).isEqualTo("~" + sha256Hex(id)).matches("~[0-9a-f]{64}");
        assertThat(KEYS.keyFor("orders", id)).isEqualTo("ratelimit:{orders:" + safe + "}");
    }

    @Test
    void idsOfExactly64SafeCharactersPassAnd65AreHashed() {
        String sixtyFour = "x".repeat(BucketKeys.MAX_CLIENT_ID_LENGTH);

        assertThat(BucketKeys.MAX_CLIENT_ID_LENGTH).isEqualTo(64);
        assertThat(BucketKeys.safeClientId(sixtyFour)).isEqualTo(sixtyFour);
        assertThat(BucketKeys.safeClientId(sixtyFour + "x")).startsWith("~").hasSize(65);
    }

    @Test
    void hashingIsDeterministic() {
        assertThat(BucketKeys.safeClientId("alice bob")).isEqualTo(BucketKeys.safeClientId("alice bob"));
    }

    @Test
    void differentUnsafeIdsGetDifferentKeys() {
        List<String> ids = List.of("a b", "a  b", "a\tb", "a b ", "{a}", "{a", "a}", "x".repeat(65), "x".repeat(66));
        Set<String> keys = new HashSet<>();
        ids.forEach(id -> keys.add(KEYS.keyFor("p", id)));

        assertThat(keys).hasSameSizeAs(ids);
    }

    @Test
    void aRawIdCanNeverEqualAHashedOne() {
        String hashed = BucketKeys.safeClientId("alice bob");

        // Sending the hashed form itself as an id does not reach the same bucket: '~' is not a safe character
        assertThat(BucketKeys.safeClientId(hashed)).startsWith("~").isNotEqualTo(hashed);
        // Nor does any 64-hex-character id, marked or not
        String hex = hashed.substring(1);
        assertThat(BucketKeys.safeClientId(hex)).isEqualTo(hex).isNotEqualTo(hashed);
    }

    @ParameterizedTest
    @ValueSource(strings = {"}", "{", "a}b", "x}{y", "victim}", "{victim", "orders:victim}", "}{}{", "{}"})
    void braceInIdCannotBreakTheHashTag(String id) {
        String key = KEYS.keyFor("orders", id);

        assertThat(key.chars().filter(c -> c == '{')).hasSize(1);
        assertThat(key.chars().filter(c -> c == '}')).hasSize(1);
        assertThat(key).endsWith("}");
        assertThat(hashTag(key)).isEqualTo("orders:" + BucketKeys.safeClientId(id)).doesNotContain("{", "}");
    }

    @Test
    void everyKeyOfAPolicyAndClientHasTheSameHashTagWhateverThePrefix() {
        assertThat(hashTag(new BucketKeys("a:").keyFor("orders", "alice")))
                .isEqualTo(hashTag(new BucketKeys("other-app:rl:").keyFor("orders", "alice")))
                .isEqualTo("orders:alice");
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "ratelimit:", "app:rl:", "a", "rl/v2|", "0123456789012345678901234567890123456789012345678901234567890123"})
    void acceptsPrefixesUpTo64CharactersWithoutBracesOrSpaces(String prefix) {
        assertThat(new BucketKeys(prefix).keyFor("p", "c")).isEqualTo(prefix + "{p:c}");
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
    @ValueSource(strings = {"orders", "o", "dev.ratelimit.api.OrdersResource/create", "a-b_c.d/e", "ORDERS2"})
    void acceptsPolicyNamesOfTheSafeCharacters(String name) {
        BucketKeys.requireValidPolicyName(name);
        BucketKeys.requireValidPolicyName("p".repeat(200));
    }

    @ParameterizedTest
    @NullSource
    @ValueSource(strings = {"", "orders:v2", "or ders", "orders{", "orders}", "a$b", "ä", "orders\n", "a,b"})
    void rejectsOtherPolicyNamesNamingTheNameProperty(String name) {
        InvalidLimitException e = catchThrowableOfType(InvalidLimitException.class,
                () -> BucketKeys.requireValidPolicyName(name));

        assertThat(e.property()).isEqualTo("name");
        assertThat(e).hasMessage("name must be 1 to 200 of the characters A-Z a-z 0-9 . _ / -, was '" + name + "'");
    }

    @Test
    void rejectsPolicyNamesLongerThan200() {
        assertThatThrownBy(() -> BucketKeys.requireValidPolicyName("p".repeat(201)))
                .isInstanceOf(InvalidLimitException.class);
    }

    @Test
    void anonymousIdIsItselfASafeId() {
        assertThat(BucketKeys.safeClientId(BucketKeys.ANONYMOUS_CLIENT_ID)).isEqualTo("anonymous");
    }
}
