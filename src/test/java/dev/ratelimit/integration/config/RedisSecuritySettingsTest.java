package dev.ratelimit.integration.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.ratelimit.redis.RedisSettings;
import dev.ratelimit.testsupport.TestCertificates;
import io.smallrye.config.EnvConfigSource;
import io.smallrye.config.PropertiesConfigSource;
import io.smallrye.config.SmallRyeConfigBuilder;
import java.io.IOException;
import java.util.HashMap;
import java.util.Map;
import org.eclipse.microprofile.config.Config;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The credentials and the truststore of the Redis link, read by LimiterSettings from a real MicroProfile
 * Config (SmallRye Config), with truststores made at test time: each bad value fails naming its key, and no
 * message or toString shows a password.
 */
class RedisSecuritySettingsTest {

    private static final WrittenKeys NO_ENVIRONMENT = new WrittenKeys(Map.of());

    private static final String SECRET = "Sup3r-S3cret-redis-pa55";
    private static final String TLS_URL = "rediss://redis.internal:6380";

    private static TestCertificates certificates;

    @BeforeAll
    static void makeTruststores() throws IOException {
        String missing = TestCertificates.unavailableReason();
        assumeTrue(missing == null, () -> "skipped: cannot make test truststores: " + missing);
        certificates = TestCertificates.shared();
    }

    private static RedisSettings read(Map<String, String> values) {
        Config config = new SmallRyeConfigBuilder()
                .withSources(new PropertiesConfigSource(values, "test", 100))
                .build();
        return LimiterSettings.read(config, NO_ENVIRONMENT).redis();
    }

    private static String failure(Map<String, String> values) {
        InvalidRateLimitConfigException e =
                catchThrowableOfType(InvalidRateLimitConfigException.class, () -> read(values));
        assertThat(e).as("InvalidRateLimitConfigException for %s", values).isNotNull();
        assertThat(e.getMessage()).doesNotContain(SECRET).doesNotContain(TestCertificates.TRUSTSTORE_PASSWORD);
        return e.getMessage();
    }

    private static Map<String, String> truststore(String file, String... more) {
        Map<String, String> values = new HashMap<>(Map.of(
                "ratelimit.redis.url",
                TLS_URL,
                "ratelimit.redis.truststore",
                file,
                "ratelimit.redis.truststore-password",
                TestCertificates.TRUSTSTORE_PASSWORD));
        for (int i = 0; i < more.length; i += 2) {
            values.put(more[i], more[i + 1]);
        }
        return values;
    }

    @Test
    void credentialsAreReadApartFromTheUrlAndThePasswordIsNeverShown() {
        RedisSettings settings = read(Map.of("ratelimit.redis.user", "limiter", "ratelimit.redis.password", SECRET));

        assertThat(settings.user()).contains("limiter");
        assertThat(settings.toString()).contains("user=limiter", "password=***").doesNotContain(SECRET);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(
            delimiter = '|',
            value = {
                "ratelimit.redis.password                      | ratelimit.redis.url, ratelimit.redis.password",
                "ratelimit.redis.user                          | ratelimit.redis.url, ratelimit.redis.user",
                "ratelimit.redis.user,ratelimit.redis.password | ratelimit.redis.url, ratelimit.redis.user, ratelimit.redis.password",
            })
    void credentialsBothInTheUrlAndApartFailNamingEveryKeyGiven(String keysApart, String named) {
        Map<String, String> values =
                new HashMap<>(Map.of("ratelimit.redis.url", "redis://limiter:" + SECRET + "@h:6379"));
        for (String key : keysApart.split(",", -1)) {
            values.put(key, key.endsWith("password") ? SECRET : "limiter");
        }

        assertThat(failure(values)).contains(named + ": credentials are given both in the URL and apart from it");
    }

    @Test
    void aUserWithoutAPasswordFailsNamingBothKeys() {
        assertThat(failure(Map.of("ratelimit.redis.user", "limiter")))
                .contains("ratelimit.redis.user, ratelimit.redis.password: a user needs a password");
    }

    @Test
    void aBlankPasswordFailsNamingTheKeyAlone() {
        assertThat(failure(Map.of("ratelimit.redis.password", "   ")))
                .endsWith("ratelimit.redis.password: must not be blank");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({
        "truststore.p12, , PKCS12",
        "truststore.jks, , JKS",
        "truststore.jks, JKS, JKS",
        "truststore.p12, pkcs12, PKCS12"
    })
    void aTruststoreIsReadWithItsTypeToldFromTheFileUnlessGiven(String file, String type, String read) {
        String path = certificates.directory().resolve(file).toString();
        Map<String, String> values =
                type == null ? truststore(path) : truststore(path, "ratelimit.redis.truststore-type", type);

        RedisSettings settings = read(values);

        assertThat(settings.truststore()).hasValue(certificates.directory().resolve(file));
        assertThat(settings.toString())
                .contains("truststore=" + path + " (" + read + ")")
                .doesNotContain(TestCertificates.TRUSTSTORE_PASSWORD);
    }

    @Test
    void aMissingTruststoreFileFailsNamingTheKey() {
        String missing = certificates.directory().resolve("nowhere.p12").toString();

        assertThat(failure(truststore(missing))).contains("ratelimit.redis.truststore: no readable file at " + missing);
    }

    @Test
    void aFileThatIsNoKeystoreFailsNamingTheKey() {
        assertThat(failure(truststore(certificates.caCertificate().toString())))
                .contains("ratelimit.redis.truststore: " + certificates.caCertificate()
                        + " is not a PKCS12 or JKS keystore");
    }

    @Test
    void aPkcs12TruststoreWithoutItsPasswordFailsSayingItLooksEmpty() {
        Map<String, String> values = truststore(certificates.pkcs12Truststore().toString());
        values.remove("ratelimit.redis.truststore-password");

        assertThat(failure(values))
                .contains("ratelimit.redis.truststore: " + certificates.pkcs12Truststore()
                        + " holds no trusted certificate that can be read without a password");
    }

    @ParameterizedTest
    @ValueSource(strings = {"truststore.p12", "truststore.jks"})
    void aWrongTruststorePasswordFailsNamingItsKeyWithoutShowingIt(String file) {
        Map<String, String> values = truststore(
                certificates.directory().resolve(file).toString(), "ratelimit.redis.truststore-password", SECRET);

        assertThat(failure(values)).contains("ratelimit.redis.truststore-password: the password does not open");
    }

    @Test
    void anUnknownTruststoreTypeFailsNamingItsKey() {
        Map<String, String> values =
                truststore(certificates.pkcs12Truststore().toString(), "ratelimit.redis.truststore-type", "PEM-BUNDLE");

        assertThat(failure(values)).contains("ratelimit.redis.truststore-type: unknown keystore type 'PEM-BUNDLE'");
    }

    @Test
    void aTruststoreWithAPlainUrlFailsNamingBothKeys() {
        Map<String, String> values = truststore(
                certificates.pkcs12Truststore().toString(),
                "ratelimit.redis.url",
                "redis://limiter:" + SECRET + "@h:6379");

        assertThat(failure(values))
                .contains(
                        "ratelimit.redis.truststore, ratelimit.redis.url: a truststore is only"
                                + " used with TLS, a rediss://, rediss-cluster:// or rediss-sentinel:// URL, was redis://***@h:6379");
    }

    @ParameterizedTest
    @ValueSource(strings = {"ratelimit.redis.truststore-password", "ratelimit.redis.truststore-type"})
    void aTruststoreSettingWithoutTheTruststoreFailsNamingIt(String key) {
        assertThat(failure(Map.of("ratelimit.redis.url", TLS_URL, key, "PKCS12")))
                .contains(key + " is set but ratelimit.redis.truststore is not");
    }

    @Test
    void everyKeyIsReadFromItsEnvironmentVariable() {
        Config config = new SmallRyeConfigBuilder()
                .withSources(new EnvConfigSource(
                        Map.of(
                                "RATELIMIT_REDIS_URL",
                                TLS_URL,
                                "RATELIMIT_REDIS_USER",
                                "limiter",
                                "RATELIMIT_REDIS_PASSWORD",
                                SECRET,
                                "RATELIMIT_REDIS_TRUSTSTORE",
                                certificates.jksTruststore().toString(),
                                "RATELIMIT_REDIS_TRUSTSTORE_PASSWORD",
                                TestCertificates.TRUSTSTORE_PASSWORD,
                                // Not the type the file would be taken for: the variable must have been read.
                                "RATELIMIT_REDIS_TRUSTSTORE_TYPE",
                                "PKCS12"),
                        EnvConfigSource.ORDINAL))
                .build();

        RedisSettings settings = LimiterSettings.read(config, NO_ENVIRONMENT).redis();

        assertThat(settings.user()).contains("limiter");
        assertThat(settings.truststore()).contains(certificates.jksTruststore());
        assertThat(settings.toString()).contains("password=***", "(PKCS12)").doesNotContain(SECRET);
    }
}
