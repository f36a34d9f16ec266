package dev.ratelimit.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ClientIdTest {

    private static String safe(String raw) {
        return ClientId.of(raw).value();
    }

    private static String sha256Hex(String text) throws Exception {
        return HexFormat.of()
                .formatHex(MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
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
        assertThat(safe(id)).isEqualTo(id);
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
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
        String safe = safe(id);

        assertThat(safe).isEqualTo("~" + sha256Hex(id)).matches("~[0-9a-f]{64}");
    }

    @Test
    void differentUnsafeIdsGetDifferentIds() {
        List<String> ids = List.of("a b", "a  b", "a\tb", "a b ", "{a}", "{a", "a}", "x".repeat(65), "x".repeat(66));
        Set<String> bounded = new HashSet<>();
        ids.forEach(id -> bounded.add(safe(id)));

        assertThat(bounded).hasSameSizeAs(ids);
    }

    @Test
    void aRawIdCanNeverEqualAHashedOne() {
        String hashed = safe("alice bob");

        // Sending the hashed form itself as an id does not reach the same bucket: '~' is not a safe character
        assertThat(safe(hashed)).startsWith("~").isNotEqualTo(hashed);
        // Nor does any 64-hex-character id, marked or not
        String hex = hashed.substring(1);
        assertThat(safe(hex)).isEqualTo(hex).isNotEqualTo(hashed);
    }

    @ParameterizedTest
    @ValueSource(strings = {"anonymous", "~anonymous", "ANONYMOUS"})
    void noRequestCanClaimTheAnonymousBucket(String claimed) {
        assertThat(ClientId.of(claimed)).isNotEqualTo(ClientId.ANONYMOUS);
        assertThat(safe(claimed)).isNotEqualTo(ClientId.ANONYMOUS.value());
    }

    @ParameterizedTest
    @ValueSource(strings = {"", " ", "~"})
    void noRequestCanClaimTheBucketOfEveryone(String claimed) {
        assertThat(ClientId.of(claimed)).isNotEqualTo(ClientId.EVERYONE);
        assertThat(ClientId.of(claimed).value()).isNotEmpty();
    }

    @Test
    void equalIdsAreEqual() {
        assertThat(ClientId.of("alice"))
                .isEqualTo(ClientId.of("alice"))
                .hasSameHashCodeAs(ClientId.of("alice"))
                .isNotEqualTo(ClientId.of("bob"));
    }
}
