package dev.ratelimit.integration.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.ratelimit.core.ClientIdSecret;
import dev.ratelimit.redis.RedisSettings;
import io.smallrye.config.PropertiesConfigSource;
import io.smallrye.config.SmallRyeConfigBuilder;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.eclipse.microprofile.config.Config;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** LimiterSettings over a real MicroProfile Config implementation (SmallRye Config). */
class LimiterSettingsTest {

    private static final WrittenKeys NO_ENVIRONMENT = new WrittenKeys(Map.of());

    private static final String SECRET = "Sup3rS3cret-client-id-key-0f-40-bytes!!!";

    private static Config config(Map<String, String> values) {
        return new SmallRyeConfigBuilder()
                .withSources(new PropertiesConfigSource(values, "test", 100))
                .build();
    }

    private static LimiterSettings read(Map<String, String> values) {
        return LimiterSettings.read(config(values), NO_ENVIRONMENT);
    }

    private static LimiterSettings read(String key, String value) {
        return read(Map.of(key, value));
    }

    private static InvalidRateLimitConfigException failure(String key, String value) {
        InvalidRateLimitConfigException e =
                catchThrowableOfType(InvalidRateLimitConfigException.class, () -> read(key, value));
        assertThat(e)
                .as("InvalidRateLimitConfigException for %s=%s", key, value)
                .isNotNull();
        return e;
    }

    @Test
    void withoutAnyKeyTheRedisSettingsAreTheirOwnDefaults() {
        LimiterSettings settings = read(Map.of());

        assertThat(settings.redis()).hasToString(RedisSettings.defaults().toString());
        assertThat(settings.redis().url()).isEqualTo(URI.create("redis://127.0.0.1:6379"));
        assertThat(settings.redis().connectTimeout()).isEqualTo(Duration.ofMillis(500));
        assertThat(settings.redis().commandTimeout()).isEqualTo(Duration.ofMillis(500));
        assertThat(settings.redis().poolSize()).isEqualTo(8);
        assertThat(settings.redis().keyPrefix()).isEqualTo("ratelimit:");
        assertThat(settings.redis().breakerWindow()).isEqualTo(10);
        assertThat(settings.redis().breakerFailureRate()).isEqualTo(50);
        assertThat(settings.redis().breakerOpenFor()).isEqualTo(Duration.ofSeconds(1));
        assertThat(settings.instances()).isEqualTo(1);
        assertThat(settings.maxLocalClients()).isEqualTo(10_000);
        assertThat(settings.clientIdSecret()).isEmpty();
        assertThat(settings.ipv6PrefixLength()).isEqualTo(64);
        assertThat(settings.readinessRequiresRedis()).isTrue();
        assertThat(settings.reloadInterval()).isEqualTo(Duration.ofSeconds(10));
        // No trusted proxy: X-Forwarded-For is ignored
        assertThat(settings.trustedProxies().clientAddress("127.0.0.1", List.of("203.0.113.7")))
                .isEqualTo("127.0.0.1");
    }

    @Test
    void readsEveryKey() {
        LimiterSettings settings = read(Map.ofEntries(
                Map.entry("ratelimit.redis.url", "redis://user:pw@redis.internal:6380/2"),
                Map.entry("ratelimit.redis.connect-timeout", "2s"),
                Map.entry("ratelimit.redis.command-timeout", "PT0.1S"),
                Map.entry("ratelimit.redis.pool-size", "64"),
                Map.entry("ratelimit.redis.shield.max-entries", "2000"),
                Map.entry("ratelimit.redis.key-prefix", "shop:rl:"),
                Map.entry("ratelimit.trusted-proxies", "10.0.0.0/8, fd00::/8"),
                Map.entry("ratelimit.redis.breaker.window", "40"),
                Map.entry("ratelimit.redis.breaker.failure-rate", "25"),
                Map.entry("ratelimit.redis.breaker.open-for", "5s"),
                Map.entry("ratelimit.instances", "3"),
                Map.entry("ratelimit.local.max-clients", "500"),
                Map.entry("ratelimit.client-id-secret", SECRET),
                Map.entry("ratelimit.ipv6-prefix-length", "48"),
                Map.entry("ratelimit.health.readiness-requires-redis", "false"),
                Map.entry("ratelimit.reload-interval", "30s")));

        assertThat(settings.redis().url()).isEqualTo(URI.create("redis://user:pw@redis.internal:6380/2"));
        assertThat(settings.redis().connectTimeout()).isEqualTo(Duration.ofSeconds(2));
        assertThat(settings.redis().commandTimeout()).isEqualTo(Duration.ofMillis(100));
        assertThat(settings.redis().poolSize()).isEqualTo(64);
        assertThat(settings.redis().shieldSize()).isEqualTo(2000);
        assertThat(settings.redis().keyPrefix()).isEqualTo("shop:rl:");
        assertThat(settings.redis().breakerWindow()).isEqualTo(40);
        assertThat(settings.redis().breakerFailureRate()).isEqualTo(25);
        assertThat(settings.redis().breakerOpenFor()).isEqualTo(Duration.ofSeconds(5));
        assertThat(settings.instances()).isEqualTo(3);
        assertThat(settings.maxLocalClients()).isEqualTo(500);
        assertThat(settings.clientIdSecret())
                .get()
                .extracting(secret -> secret.idOf("alice"))
                .isEqualTo(ClientIdSecret.of(SECRET).idOf("alice"));
        assertThat(settings.ipv6PrefixLength()).isEqualTo(48);
        assertThat(settings.readinessRequiresRedis()).isFalse();
        assertThat(settings.reloadInterval()).isEqualTo(Duration.ofSeconds(30));
        assertThat(settings.trustedProxies().clientAddress("10.1.2.3", List.of("203.0.113.7")))
                .isEqualTo("203.0.113.7");
        assertThat(settings.trustedProxies().clientAddress("fd00::1", List.of("203.0.113.8")))
                .isEqualTo("203.0.113.8");
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource({
        "redis://redis.internal,                 redis://redis.internal:6379",
        "redis://redis.internal/3,               redis://redis.internal:6379/3",
        "redis://user:secret@redis.internal/0,   redis://user:secret@redis.internal:6379/0",
        "rediss://redis.internal,                rediss://redis.internal:6379",
        "redis://[::1],                          redis://[::1]:6379",
        "redis://10.0.0.5,                       redis://10.0.0.5:6379",
    })
    void urlWithoutPortGetsRedisDefaultPort(String url, String expected) {
        assertThat(read("ratelimit.redis.url", url).redis().url()).isEqualTo(URI.create(expected));
    }

    @ParameterizedTest
    @ValueSource(strings = {"redis://h:6380", "rediss://h:6380", "rediss://user:pw@h:6380/1", "redis://h:1"})
    void explicitPortsAndRedissAreKept(String url) {
        assertThat(read("ratelimit.redis.url", url).redis().url()).isEqualTo(URI.create(url));
    }

    @Test
    void passwordWithEscapedCharactersSurvivesAddingThePort() {
        URI url = read("ratelimit.redis.url", "redis://user:p%40ss%2Fw%25rd@h")
                .redis()
                .url();

        assertThat(url.getRawUserInfo()).isEqualTo("user:p%40ss%2Fw%25rd");
        assertThat(url.getUserInfo()).isEqualTo("user:p@ss/w%rd");
        assertThat(url.getPort()).isEqualTo(6379);
    }

    @Test
    void valuesAreTrimmed() {
        LimiterSettings settings = read(Map.of(
                "ratelimit.redis.url", "  redis://h:1  ",
                "ratelimit.redis.pool-size", " 4 ",
                "ratelimit.redis.connect-timeout", " 1s "));

        assertThat(settings.redis().url()).isEqualTo(URI.create("redis://h:1"));
        assertThat(settings.redis().poolSize()).isEqualTo(4);
        assertThat(settings.redis().connectTimeout()).isEqualTo(Duration.ofSeconds(1));
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "http://h:6379",
                "tcp://h:6379",
                "h:6379",
                "redis:h",
                "redis:///0",
                "/tmp/redis.sock",
                "valkey://h:6379"
            })
    void urlsThatAreNotRedisUrlsAreRefusedNamingTheKey(String url) {
        InvalidRateLimitConfigException e = failure("ratelimit.redis.url", url);

        assertThat(e.getMessage())
                .startsWith("Invalid rate limit configuration: ratelimit.redis.url: ")
                .contains(
                        "must look like redis://[user:password@]host[:port][/db], redis-cluster://host:port,host:port,..."
                                + " or redis-sentinel://host:port,host:port,...[/db]#master (rediss... for TLS)");
    }

    @ParameterizedTest
    @ValueSource(strings = {"redis://h:6379/a b", "redis://[bad:6379", "redis://", "redis://h:6379/%zz", "::::"})
    void unparsableUrlsAreRefusedNamingTheKey(String url) {
        InvalidRateLimitConfigException e = failure("ratelimit.redis.url", url);

        assertThat(e.getMessage())
                .startsWith("Invalid rate limit configuration: ratelimit.redis.url: ")
                .contains("must look like");
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "http://user:Sup3rS3cret@h:6379",
                "http://:Sup3rS3cret@h",
                "ftp://user:Sup3rS3cret@h:21/0",
                "redis://user:Sup3rS3cret@h:6379/a b",
                "redis://user:Sup3rS3cret@[bad:6379",
            })
    void aPasswordInABadUrlNeverAppearsInTheMessage(String url) {
        InvalidRateLimitConfigException e = failure("ratelimit.redis.url", url);

        assertThat(e.getMessage()).contains("ratelimit.redis.url").doesNotContain("Sup3rS3cret");
    }

    @Test
    void aBadSchemeShowsTheUrlWithThePasswordHidden() {
        InvalidRateLimitConfigException e = failure("ratelimit.redis.url", "http://user:Sup3rS3cret@h:6379");

        assertThat(e.getMessage()).endsWith("was http://***@h:6379");
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "redis://user:Sup3r@S3cret@h:6379",
                "redis://:Sup3r/S3cret@h:6379",
                "redis://:Sup3r#S3cret@h:6379",
                "redis://user:S3cret@h:port",
                "redis:user:S3cret@h"
            })
    void aPasswordWithUnescapedDelimitersNeverAppearsInTheMessage(String url) {
        InvalidRateLimitConfigException e = failure("ratelimit.redis.url", url);

        assertThat(e.getMessage()).doesNotContain("S3cret");
    }

    @Test
    void aHostNameWithAnUnderscoreIsRefusedSayingSo() {
        assertThat(failure("ratelimit.redis.url", "redis://rate_limit_redis:6379")
                        .getMessage())
                .contains("ratelimit.redis.url: host names may not hold '_'");
    }

    @Test
    void upperCaseSchemeIsAccepted() {
        assertThat(read("ratelimit.redis.url", "REDIS://h:6379").redis().url().getHost())
                .isEqualTo("h");
    }

    @Test
    void aNonNumericDatabaseIsRefusedNamingTheKey() {
        assertThat(failure("ratelimit.redis.url", "redis://h:6379/db1").getMessage())
                .contains("ratelimit.redis.url");
    }

    @ParameterizedTest(name = "{0}={1}")
    @CsvSource(
            delimiter = '|',
            value = {
                "ratelimit.redis.connect-timeout | 0ms   | must be at least 1ms",
                "ratelimit.redis.connect-timeout | 0s    | must be at least 1ms",
                "ratelimit.redis.connect-timeout | PT0S  | must be at least 1ms",
                "ratelimit.redis.connect-timeout | PT-1S | must be at least 1ms",
                "ratelimit.redis.connect-timeout | PT0.0009S | must be at least 1ms",
                "ratelimit.redis.connect-timeout | 50    | '50' is not a duration",
                "ratelimit.redis.connect-timeout | fast  | 'fast' is not a duration",
                "ratelimit.redis.command-timeout | 0ms   | must be at least 1ms",
                "ratelimit.redis.command-timeout | PT-1S | must be at least 1ms",
                "ratelimit.redis.command-timeout | 1 sec | '1 sec' is not a duration",
                "ratelimit.redis.pool-size       | 0     | must be at least 1",
                "ratelimit.redis.pool-size       | -4    | must be at least 1",
                "ratelimit.redis.pool-size       | many  | not a whole number",
                "ratelimit.redis.pool-size       | 1.5   | not a whole number",
                "ratelimit.redis.pool-size       | 99999999999 | not a whole number",
                "ratelimit.redis.shield.enabled  | yes   | must be true or false",
                "ratelimit.redis.shield.max-entries | 0  | must be at least 1",
                "ratelimit.redis.shield.max-entries | lots | not a whole number",
                "ratelimit.redis.key-prefix      | rate{limit | must be at most 64 characters without braces or spaces",
                "ratelimit.redis.key-prefix      | rate limit | must be at most 64 characters without braces or spaces",
                "ratelimit.redis.breaker.window  | 0     | must be between 1 and 1000 calls",
                "ratelimit.redis.breaker.window  | ten   | not a whole number",
                "ratelimit.redis.breaker.failure-rate | 0   | must be between 1 and 100 percent",
                "ratelimit.redis.breaker.failure-rate | 101 | must be between 1 and 100 percent",
                "ratelimit.redis.breaker.open-for | 0s   | must be at least 1ms",
                "ratelimit.instances             | 0     | must be at least 1",
                "ratelimit.instances             | two   | not a whole number",
                "ratelimit.local.max-clients     | -1    | must be at least 1",
                "ratelimit.ipv6-prefix-length    | 0     | must be between 1 and 128 bits",
                "ratelimit.ipv6-prefix-length    | 129   | must be between 1 and 128 bits",
                "ratelimit.ipv6-prefix-length    | -64   | must be between 1 and 128 bits",
                "ratelimit.ipv6-prefix-length    | /64   | not a whole number",
                "ratelimit.health.readiness-requires-redis | no | must be true or false",
                "ratelimit.reload-interval       | PT-1S | must be at least 1ms, or 0 or off",
                "ratelimit.reload-interval       | 0s    | must be at least 1ms, or 0 or off",
                "ratelimit.reload-interval       | never | 'never' is not a duration",
            })
    void invalidValuesAreRefusedNamingTheKeyAndValue(String key, String value, String problem) {
        InvalidRateLimitConfigException e = failure(key, value);

        assertThat(e.getMessage())
                .startsWith("Invalid rate limit configuration: " + key + "=" + value + ": ")
                .contains(problem);
    }

    @ParameterizedTest
    @ValueSource(strings = {"0", "off", "OFF", " off "})
    void reloadingIsTurnedOffByZeroOrOff(String value) {
        assertThat(read("ratelimit.reload-interval", value).reloadInterval()).isZero();
    }

    @Test
    void ipv6PrefixLengthsAtTheLimitsAreAccepted() {
        assertThat(read("ratelimit.ipv6-prefix-length", "1").ipv6PrefixLength()).isEqualTo(1);
        assertThat(read("ratelimit.ipv6-prefix-length", "128").ipv6PrefixLength())
                .isEqualTo(128);
    }

    @Test
    void aShortClientIdSecretIsRefusedNamingTheKeyButNeverShowingTheSecret() {
        String shortSecret = "S3cret-but-too-short";
        InvalidRateLimitConfigException e = failure("ratelimit.client-id-secret", shortSecret);

        assertThat(e.getMessage())
                .startsWith("Invalid rate limit configuration: ratelimit.client-id-secret: ")
                .contains("at least 32 bytes")
                .doesNotContain(shortSecret);
        assertThat(e).hasNoCause();
    }

    @Test
    void theClientIdSecretNeverShowsInTheSettingsText() {
        assertThat(read("ratelimit.client-id-secret", SECRET).toString()).doesNotContain(SECRET);
    }

    @Test
    void aKeyPrefixOfMoreThan64CharactersIsRefused() {
        assertThat(failure("ratelimit.redis.key-prefix", "p".repeat(65)).getMessage())
                .contains("ratelimit.redis.key-prefix");
        assertThat(read("ratelimit.redis.key-prefix", "p".repeat(64)).redis().keyPrefix())
                .isEqualTo("p".repeat(64));
    }

    @Test
    void oneMillisecondTimeoutsAndAPoolOfOneAreAccepted() {
        LimiterSettings settings = read(Map.of(
                "ratelimit.redis.connect-timeout", "1ms",
                "ratelimit.redis.command-timeout", "1ms",
                "ratelimit.redis.pool-size", "1"));

        assertThat(settings.redis().connectTimeout()).isEqualTo(Duration.ofMillis(1));
        assertThat(settings.redis().commandTimeout()).isEqualTo(Duration.ofMillis(1));
        assertThat(settings.redis().poolSize()).isEqualTo(1);
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "10.0.0.0/8,proxy.internal",
                "localhost",
                "10.0.0.0/33",
                "fd00::/129",
                "10.0.0.0/x",
                "10.0.0.0/-1",
                "not an address",
            })
    void badTrustedProxyEntriesAreRefusedNamingTheKeyAndTheEntry(String proxies) {
        InvalidRateLimitConfigException e = failure("ratelimit.trusted-proxies", proxies);

        String bad = proxies.substring(proxies.lastIndexOf(',') + 1);
        assertThat(e.getMessage())
                .startsWith("Invalid rate limit configuration: ratelimit.trusted-proxies=")
                .contains("'" + bad + "'");
    }

    @Test
    void trustedProxiesAreAListWithEntriesTrimmedAndEmptyOnesIgnored() {
        LimiterSettings settings = read("ratelimit.trusted-proxies", " 10.0.0.1 , 192.168.0.0/16 ,");

        assertThat(settings.trustedProxies().clientAddress("192.168.4.4", List.of("203.0.113.9, 10.0.0.1")))
                .isEqualTo("203.0.113.9");
    }

    @ParameterizedTest
    @ValueSource(strings = {"ratelimit.redis.connect-timeout", "ratelimit.redis.command-timeout"})
    void aTimeoutJedisCannotTakeIsRefusedNamingTheKey(String key) {
        assertThat(failure(key, "25d").getMessage()).contains(key);
    }
}
