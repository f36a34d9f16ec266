package dev.ratelimit.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ClientIdSecretTest {

    private static final String SECRET = "k3y-0f-at-l3ast-32-bytes-for-hmac-sha256";
    private static final String OTHER_SECRET = "an0ther-k3y-0f-at-l3ast-32-bytes-for-hmac";

    private static String hmacHex(String secret, String text) throws Exception {
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
        return HexFormat.of().formatHex(mac.doFinal(text.getBytes(StandardCharsets.UTF_8)));
    }

    @ParameterizedTest
    @ValueSource(strings = {"alice@example.com", "alice", "10.0.0.1", "~anonymous", "x y", "é", ""})
    void everyIdBecomesItsMarkedHmacWithNoTraceOfTheRawId(String raw) throws Exception {
        String keyed = ClientIdSecret.of(SECRET).idOf(raw).value();

        assertThat(keyed).isEqualTo("#" + hmacHex(SECRET, raw)).matches("#[0-9a-f]{64}");
        if (!raw.isEmpty()) {
            assertThat(keyed).doesNotContain(raw);
        }
    }

    @Test
    void theSameIdUnderTheSameSecretIsTheSameClient() {
        assertThat(ClientIdSecret.of(SECRET).idOf("alice"))
                .isEqualTo(ClientIdSecret.of(SECRET).idOf("alice"))
                .isNotEqualTo(ClientIdSecret.of(SECRET).idOf("bob"));
    }

    @Test
    void twoSecretsGiveDifferentIds() {
        assertThat(ClientIdSecret.of(SECRET).idOf("alice"))
                .isNotEqualTo(ClientIdSecret.of(OTHER_SECRET).idOf("alice"));
    }

    @Test
    void keyedIdsNeverEqualUnkeyedOnes() {
        ClientId keyed = ClientIdSecret.of(SECRET).idOf("alice");

        // Sent as a raw id, the keyed form is unsafe ('#') and gets hashed with the other mark
        assertThat(ClientId.of(keyed.value())).isNotEqualTo(keyed);
        assertThat(ClientId.of(keyed.value()).value()).startsWith("~");
        assertThat(ClientId.of("alice")).isNotEqualTo(keyed);
        assertThat(ClientId.of("alice bob").value().substring(1))
                .isNotEqualTo(
                        ClientIdSecret.of(SECRET).idOf("alice bob").value().substring(1));
        assertThat(keyed).isNotEqualTo(ClientId.ANONYMOUS);
    }

    @ParameterizedTest
    @ValueSource(strings = {"short-secret", "0123456789012345678901234567890"}) // 12 and 31 bytes
    void aSecretShorterThan32BytesIsRefusedWithoutShowingIt(String secret) {
        assertThatIllegalArgumentException()
                .isThrownBy(() -> ClientIdSecret.of(secret))
                .withMessageContaining("at least 32 bytes")
                .withMessageNotContaining(secret);
    }

    @Test
    void thirtyTwoBytesAreEnoughAndMayBeMultiByteCharacters() {
        assertThat(ClientIdSecret.of("0123456789012345678901234567890a")
                        .idOf("alice")
                        .value())
                .startsWith("#");
        // 16 two-byte characters: 32 bytes in UTF-8
        assertThat(ClientIdSecret.of("é".repeat(16)).idOf("alice").value()).startsWith("#");
    }

    @Test
    void theSecretNeverShowsInItsTextNorInItsIds() {
        ClientIdSecret secret = ClientIdSecret.of(SECRET);

        assertThat(secret.toString()).doesNotContain(SECRET);
        assertThat(secret.idOf("alice").toString()).doesNotContain(SECRET);
    }
}
