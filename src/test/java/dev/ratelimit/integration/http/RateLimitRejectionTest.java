package dev.ratelimit.integration.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import com.google.gson.Strictness;
import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonToken;
import dev.ratelimit.core.BucketLimits;
import dev.ratelimit.core.Decision;
import dev.ratelimit.core.FailureMode;
import dev.ratelimit.core.RateLimitPolicy;
import jakarta.ws.rs.core.Response;
import java.io.IOException;
import java.io.StringReader;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The responses a refused call gets (built with Jersey's RuntimeDelegate, on the test classpath only) and the
 * JSON quoting of their problem body.
 */
class RateLimitRejectionTest {

    private static final RateLimitPolicy ORDERS =
            new RateLimitPolicy("orders", new BucketLimits(5, 5, Duration.ofMinutes(1)), 1, FailureMode.CLOSED);

    /** Parses a whole body with a strict parser, failing on anything RFC 8259 does not allow. */
    private static JsonObject body(Response response) {
        JsonReader reader = new JsonReader(new StringReader((String) response.getEntity()));
        reader.setStrictness(Strictness.STRICT);
        return JsonParser.parseReader(reader).getAsJsonObject();
    }

    @Test
    void tooManyRequestsIsA429ProblemWithRetryAfterRoundedUp() {
        Response response = RateLimitRejection.tooManyRequests(ORDERS, new Decision(false, 0, 11_200, 60_000))
                .getResponse();

        assertThat(response.getStatus()).isEqualTo(429);
        assertThat(response.getHeaderString("Retry-After")).isEqualTo("12");
        assertThat(response.getHeaderString("Cache-Control")).isEqualTo("no-store");
        assertThat(response.getMediaType()).hasToString("application/problem+json");
        JsonObject body = body(response);
        assertThat(body.get("status").getAsInt()).isEqualTo(429);
        assertThat(body.get("title").getAsString()).isEqualTo("Too Many Requests");
        assertThat(body.get("policy").getAsString()).isEqualTo("orders");
        assertThat(body.get("retryAfter").getAsLong()).isEqualTo(12);
        assertThat(body.get("detail").getAsString()).contains("retry in 12 s");
    }

    @Test
    void refusalsCarryNoStackTrace() {
        assertThat(RateLimitRejection.tooManyRequests(ORDERS, new Decision(false, 0, 1000, 1000))
                        .getStackTrace())
                .isEmpty();
        assertThat(RateLimitRejection.unavailable(ORDERS).getStackTrace()).isEmpty();
    }

    @Test
    void unavailableIsA503ProblemAskingToRetryInOneSecond() {
        Response response = RateLimitRejection.unavailable(ORDERS).getResponse();

        assertThat(response.getStatus()).isEqualTo(503);
        assertThat(response.getHeaderString("Retry-After")).isEqualTo("1");
        assertThat(response.getHeaderString("Cache-Control")).isEqualTo("no-store");
        assertThat(body(response).get("retryAfter").getAsLong()).isEqualTo(1);
    }

    @Test
    void aMissingClientIdIsA400ProblemSayingWhatToSendAndNoRetryAfter() {
        Response response = RateLimitRejection.missingClientId(ORDERS, "the request header X-Client-Id")
                .getResponse();

        assertThat(response.getStatus()).isEqualTo(400);
        assertThat(response.getHeaderString("Retry-After")).isNull();
        JsonObject body = body(response);
        assertThat(body.has("retryAfter")).isFalse();
        assertThat(body.get("detail").getAsString()).contains("'orders'", "the request header X-Client-Id");
    }

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
    @ValueSource(
            strings = {
                "Rate limit of policy 'orders' exceeded: retry in 7 s",
                "Missing client id: rate-limit policy 'orders' needs the request header X-\"Client\"-Id",
                "line one\nline two\ttabbed\r\n",
                "back\\slash",
            })
    void detailsRoundTripThroughAStrictJsonParser(String detail) throws IOException {
        assertThat(parseJsonString(RateLimitRejection.jsonString(detail))).isEqualTo(detail);
    }
}
