package dev.ratelimit.redis;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.net.URI;
import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** What a user of the settings reads: every default through a public getter. */
class RedisSettingsTest {

    /** Every value the settings hold, by name: their public getters', and the passwords they keep for Redis. */
    private static Map<String, Object> described(RedisSettings settings) {
        Map<String, Object> values = new LinkedHashMap<>();
        values.put("url", settings.url());
        values.put("topology", settings.topology());
        values.put("connectTimeout", settings.connectTimeout());
        values.put("commandTimeout", settings.commandTimeout());
        values.put("poolSize", settings.poolSize());
        values.put("shieldSize", settings.shieldSize());
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
                .filter(name -> !name.equals("toString"))
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
    }

    @Test
    void everyPublicGetterIsDescribed() {
        // A setting added with a getter but not here would go unchecked by the tests of defaults and toBuilder.
        assertThat(described(RedisSettings.defaults()).keySet()).containsAll(publicGetters());
    }
}
