package dev.ratelimit.integration.http;

import com.google.gson.Strictness;
import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonToken;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.io.StringReader;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The JSON quoting of the problem body. Building the rejection's {@link jakarta.ws.rs.core.Response} needs a JAX-RS
 * RuntimeDelegate implementation, and none is on the test classpath (only the jakarta.ws.rs API), so the
 * responses themselves (status, Retry-After, Cache-Control, content type, body) are left to the integration tests.
 */
class RateLimitRejectionTest {

    /** Reads one JSON string value with a strict parser: fails on anything RFC 8259 does not allow. */
    private static String parseJsonString(String json) throws IOException {
        try (JsonReader reader = new JsonReader(new StringReader(json))) {
            reader.setStrictness(Strictness.STRICT);
            String value = reader.nextString();
            assertThat(reader.peek()).isEqualTo(JsonToken.END_DOCUMENT);
            return value;
        }
    }

    @Test
    void plainTextIsQuoted() {
        assertThat(RateLimitRejection.jsonString("orders")).isEqualTo("\"orders\"");
        assertThat(RateLimitRejection.jsonString("")).isEqualTo("\"\"");
    }

    @Test
    void quotesAndBackslashesAreEscaped() {
        assertThat(RateLimitRejection.jsonString("say \"hi\"")).isEqualTo("\"say \\\"hi\\\"\"");
        assertThat(RateLimitRejection.jsonString("C:\\dir\\")).isEqualTo("\"C:\\\\dir\\\\\"");
        assertThat(RateLimitRejection.jsonString("\\\"")).isEqualTo("\"\\\\\\\"\"");
    }

    @ParameterizedTest(name = "U+{0}")
    @CsvSource({
            "0000, \\u0000",
            "0001, \\u0001",
            "0008, \\u0008",
            "0009, \\u0009",
            "000a, \\u000a",
            "000d, \\u000d",
            "001b, \\u001b",
            "001f, \\u001f",
    })
    void controlCharactersAreUnicodeEscaped(String hex, String escaped) {
        String character = String.valueOf((char) Integer.parseInt(hex, 16));

        assertThat(RateLimitRejection.jsonString("a" + character + "b")).isEqualTo("\"a" + escaped + "b\"");
    }

    @ParameterizedTest
    @ValueSource(strings = {" ", "/", "'", "<script>", "~", "\u007f", "é", "名前", "😀", "\u2028", "a:b{c}[d]"})
    void everythingElsePassesThrough(String text) {
        assertThat(RateLimitRejection.jsonString(text)).isEqualTo("\"" + text + "\"");
    }

    @Test
    void everyCharacterUpToU00FFRoundTripsThroughAStrictJsonParser() throws IOException {
        StringBuilder all = new StringBuilder();
        for (char c = 0; c <= 0xFF; c++) {
            all.append(c);
        }
        String text = all + "\"\\ ∑ 😀 \u2028\u2029";

        String json = RateLimitRejection.jsonString(text);

        assertThat(parseJsonString(json)).isEqualTo(text);
        assertThat(json.chars()).noneMatch(c -> c < 0x20);
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "Rate limit of policy 'orders' exceeded: retry in 7 s",
            "Missing client id: rate-limit policy 'orders' needs the request header X-\"Client\"-Id",
            "line one\nline two\ttabbed\r\n",
            "back\\slash",
    })
    void detailsRoundTripThroughAStrictJsonParser(String detail) throws IOException {
        assertThat(parseJsonString(RateLimitRejection.jsonString(detail))).isEqualTo(detail);
    }

    @Test
    void constantsAreTheHttpNames() {
        assertThat(RateLimitRejection.PROBLEM_JSON).isEqualTo("application/problem+json");
        assertThat(RateLimitRejection.RETRY_AFTER).isEqualTo("Retry-After");
        assertThat(RateLimitRejection.UNAVAILABLE_RETRY_AFTER_SECONDS).isPositive();
    }
}
