package dev.ratelimit.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.ratelimit.redis.RedisSettings.InvalidSettingException;
import dev.ratelimit.redis.RedisSettings.Setting;
import dev.ratelimit.testsupport.TestCertificates;
import java.io.IOException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.UnaryOperator;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * What a user of the settings reads and copies: every default through a public getter, and {@link
 * RedisSettings#toBuilder()}, which changes what it is told and keeps the rest, passwords and truststore
 * included. Truststores are made at test time.
 */
class RedisSettingsTest {

    private static final String PASSWORD = "n0de-Pa55-kept";
    private static final String SENTINEL_PASSWORD = "sent1nel-Pa55-kept";

    private static TestCertificates certificates;

    @BeforeAll
    static void makeTruststores() throws IOException {
        certificates = TestCertificates.sharedOrSkipped();
    }

    /** Every value the settings hold, by name: their public getters', and the passwords they keep for Redis. */
    private static Map<String, Object> described(RedisSettings settings) {
        Map<String, Object> values = new LinkedHashMap<>();
        values.put("url", settings.url());
        values.put("topology", settings.topology());
        values.put("connectTimeout", settings.connectTimeout());
        values.put("commandTimeout", settings.commandTimeout());
        values.put("poolSize", settings.poolSize());
        values.put("shieldSize", settings.shieldSize());
        values.put("leasedBuckets", settings.leasedBuckets());
        values.put("keyPrefix", settings.keyPrefix());
        values.put("breakerWindow", settings.breakerWindow());
        values.put("breakerFailureRate", settings.breakerFailureRate());
        values.put("breakerOpenFor", settings.breakerOpenFor());
        values.put("breakerProbes", settings.breakerProbes());
        values.put("user", settings.user());
        values.put("password", settings.password());
        values.put("sentinelUser", settings.sentinelUser());
        values.put("sentinelPassword", settings.sentinelPassword());
        values.put("truststore", settings.truststore());
        values.put("truststoreType", settings.truststoreType());
        values.put(
                "truststorePassword",
                settings.loadedTruststore().map(Truststore::password).map(String::new));
        return values;
    }

    private static Set<String> publicGetters() {
        return Arrays.stream(RedisSettings.class.getDeclaredMethods())
                .filter(method -> Modifier.isPublic(method.getModifiers()))
                .filter(method -> !Modifier.isStatic(method.getModifiers()))
                .filter(method -> method.getParameterCount() == 0)
                .map(Method::getName)
                .filter(name -> !name.equals("toString") && !name.equals("toBuilder"))
                .collect(Collectors.toSet());
    }

    @Test
    void everyDefaultIsReadableAsDocumented() {
        Map<String, Object> documented = new LinkedHashMap<>();
        documented.put("url", URI.create("redis://127.0.0.1:6379"));
        documented.put("topology", RedisTopology.STANDALONE);
        documented.put("connectTimeout", Duration.ofMillis(500));
        documented.put("commandTimeout", Duration.ofMillis(500));
        documented.put("poolSize", 8);
        documented.put("shieldSize", 10_000);
        documented.put("leasedBuckets", 10_000);
        documented.put("keyPrefix", "ratelimit:");
        documented.put("breakerWindow", 10);
        documented.put("breakerFailureRate", 50);
        documented.put("breakerOpenFor", Duration.ofSeconds(1));
        documented.put("breakerProbes", 3);
        documented.put("user", Optional.empty());
        documented.put("password", Optional.empty());
        documented.put("sentinelUser", Optional.empty());
        documented.put("sentinelPassword", Optional.empty());
        documented.put("truststore", Optional.empty());
        documented.put("truststoreType", Optional.empty());
        documented.put("truststorePassword", Optional.empty());

        assertThat(described(RedisSettings.defaults())).isEqualTo(documented);
        assertThat(RedisSettings.defaults().redisUrl().database()).isZero();
        assertThat(RedisSettings.defaults().redisUrl().tls()).isFalse();
        assertThat(RedisSettings.defaults().secrets()).isEmpty();
        assertThat(RedisSettings.defaults().toString())
                .isEqualTo("RedisSettings[url=redis://127.0.0.1:6379, connectTimeout=500ms, commandTimeout=500ms,"
                        + " poolSize=8, shieldSize=10000, leasedBuckets=10000, keyPrefix=ratelimit:, breakerWindow=10,"
                        + " breakerFailureRate=50, breakerOpenFor=1s]");
    }

    @Test
    void everyPublicGetterIsDescribed() {
        // A setting added with a getter but not here would go unchecked by the tests of defaults and toBuilder.
        assertThat(described(RedisSettings.defaults()).keySet()).containsAll(publicGetters());
    }

    @Test
    void defaultsToBuilderBuildsTheDefaults() {
        assertThat(described(RedisSettings.defaults().toBuilder().build()))
                .isEqualTo(described(RedisSettings.defaults()));
    }

    /** Settings where no value is a default: a Sentinel deployment over TLS, with every credential. */
    private static RedisSettings everySettingGiven() {
        return RedisSettings.builder()
                .url("rediss-sentinel://127.0.0.1:26380,127.0.0.1:26381/2#primary")
                .connectTimeout(Duration.ofMillis(300))
                .commandTimeout(Duration.ofMillis(400))
                .poolSize(3)
                .shieldSize(50)
                .keyPrefix("limits:")
                .breakerWindow(20)
                .breakerFailureRate(30)
                .breakerOpenFor(Duration.ofSeconds(5))
                .user("limiter")
                .password(PASSWORD)
                .sentinelUser("watcher")
                .sentinelPassword(SENTINEL_PASSWORD)
                .truststore(certificates.pkcs12Truststore(), TestCertificates.TRUSTSTORE_PASSWORD.toCharArray(), null)
                .build();
    }

    static Stream<Arguments> oneChange() {
        return Stream.of(
                change(b -> b.url("rediss-sentinel://127.0.0.1:26390#other"), "url"),
                change(b -> b.connectTimeout(Duration.ofMillis(700)), "connectTimeout"),
                change(b -> b.commandTimeout(Duration.ofMillis(750)), "commandTimeout"),
                change(b -> b.poolSize(16), "poolSize"),
                change(b -> b.shieldSize(0), "shieldSize"),
                change(b -> b.leasedBuckets(5), "leasedBuckets"),
                change(b -> b.keyPrefix("other:"), "keyPrefix"),
                change(b -> b.breakerWindow(2), "breakerWindow", "breakerProbes"),
                change(b -> b.breakerFailureRate(75), "breakerFailureRate"),
                change(b -> b.breakerOpenFor(Duration.ofMillis(250)), "breakerOpenFor"),
                change(b -> b.user("someone-else"), "user"),
                change(b -> b.password("an0ther-Pa55"), "password"),
                change(b -> b.sentinelUser("another-watcher"), "sentinelUser"),
                change(b -> b.sentinelPassword("an0ther-sent1nel-Pa55"), "sentinelPassword"),
                change(
                        b -> b.truststore(
                                certificates.jksTruststore(), TestCertificates.TRUSTSTORE_PASSWORD.toCharArray(), null),
                        "truststore",
                        "truststoreType"));
    }

    private static Arguments change(UnaryOperator<RedisSettings.Builder> change, String... changed) {
        return Arguments.of(change, Set.of(changed));
    }

    @ParameterizedTest(name = "{1}")
    @MethodSource("oneChange")
    void toBuilderChangesWhatItIsToldAndKeepsEveryOtherSetting(
            UnaryOperator<RedisSettings.Builder> change, Set<String> changed) {
        RedisSettings original = everySettingGiven();
        Map<String, Object> before = described(original);

        RedisSettings copy = change.apply(original.toBuilder()).build();

        Map<String, Object> after = described(copy);
        Set<String> differing = before.keySet().stream()
                .filter(name -> !before.get(name).equals(after.get(name)))
                .collect(Collectors.toSet());
        assertThat(differing).isEqualTo(changed);
        assertThat(described(original)).as("the settings copied from").isEqualTo(before);
    }

    @Test
    void toBuilderKeepsTheCredentialsOfTheUrl() {
        RedisSettings original = RedisSettings.builder()
                .url("redis://limiter:" + PASSWORD + "@127.0.0.1:6390/3")
                .build();

        RedisSettings copy = original.toBuilder().poolSize(2).build();

        assertThat(copy.url()).isEqualTo(original.url());
        assertThat(copy.redisUrl()).isEqualTo(original.redisUrl());
        assertThat(copy.secrets()).containsExactly(PASSWORD);
        assertThat(copy.toString()).doesNotContain(PASSWORD);
    }

    @Test
    void toBuilderChecksTheSettingsTogetherAgain() {
        RedisSettings inTheUrl = RedisSettings.builder()
                .url("redis://limiter:" + PASSWORD + "@127.0.0.1")
                .build();

        InvalidSettingException e = catchThrowableOfType(
                InvalidSettingException.class,
                () -> inTheUrl.toBuilder().password(SENTINEL_PASSWORD).build());

        assertThat(e.settings()).containsExactly(Setting.URL, Setting.PASSWORD);
    }

    @Test
    void toBuilderKeepsTheTruststoreAsReadWithoutReadingItAgain(@TempDir Path dir) throws IOException {
        Path file = Files.copy(certificates.jksTruststore(), dir.resolve("truststore.jks"));
        RedisSettings original = RedisSettings.builder()
                .url("rediss://127.0.0.1:6390")
                .truststore(file, TestCertificates.TRUSTSTORE_PASSWORD.toCharArray(), "jks")
                .build();
        Files.delete(file);

        RedisSettings copy = original.toBuilder().keyPrefix("copied:").build();

        assertThat(copy.truststore()).contains(file);
        assertThat(copy.truststoreType()).contains("JKS");
        assertThat(copy.secrets()).containsExactly(TestCertificates.TRUSTSTORE_PASSWORD);
    }

    @Test
    void aCopyKeepsTheSecretsAndHidesThem() {
        RedisSettings original = everySettingGiven();
        RedisSettings copy = original.toBuilder().build();

        assertThat(copy.secrets())
                .containsExactlyInAnyOrder(PASSWORD, SENTINEL_PASSWORD, TestCertificates.TRUSTSTORE_PASSWORD);
        assertThat(copy.toString())
                .isEqualTo(original.toString())
                .doesNotContain(PASSWORD)
                .doesNotContain(SENTINEL_PASSWORD)
                .doesNotContain(TestCertificates.TRUSTSTORE_PASSWORD);
        assertThat(new JedisConfigs(copy).clientConfig().getPassword()).isEqualTo(PASSWORD);
        assertThat(new JedisConfigs(copy).sentinelClientConfig().getPassword()).isEqualTo(SENTINEL_PASSWORD);
        assertThat(new JedisConfigs(copy).clientConfig().getSslOptions()).isNotNull();
    }
}
