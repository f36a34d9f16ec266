package dev.ratelimit.integration.config;

import dev.ratelimit.core.ClientIdSecret;
import dev.ratelimit.integration.http.TrustedProxies;
import dev.ratelimit.redis.RedisSettings;
import dev.ratelimit.redis.RedisSettings.InvalidSettingException;
import dev.ratelimit.redis.RedisSettings.Setting;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import org.eclipse.microprofile.config.Config;

/**
 * The settings shared by every policy: how to reach Redis, which proxies to trust, how to size the
 * local buckets of {@code failure-mode: local} policies, how client ids are stored, and what readiness means.
 *
 * @param instances              how many instances share each policy: a local bucket holds that fraction of it
 * @param maxLocalClients        local buckets kept per policy at most
 * @param clientIdSecret         when present, every client id is stored as its keyed hash
 * @param ipv6PrefixLength       the leading bits of an IPv6 caller's address that make its remote-address id
 * @param readinessRequiresRedis whether the readiness check reports DOWN while Redis does not answer
 * @param reloadInterval         how often the policies are read again while the application runs; zero never
 */
public record LimiterSettings(
        RedisSettings redis,
        TrustedProxies trustedProxies,
        int instances,
        int maxLocalClients,
        Optional<ClientIdSecret> clientIdSecret,
        int ipv6PrefixLength,
        boolean readinessRequiresRedis,
        Duration reloadInterval) {

    private static final Map<Setting, ConfigKeys.Key<?>> KEY_OF = Map.of(
            Setting.URL, ConfigKeys.REDIS_URL,
            Setting.USER, ConfigKeys.REDIS_USER,
            Setting.PASSWORD, ConfigKeys.REDIS_PASSWORD,
            Setting.TRUSTSTORE, ConfigKeys.TRUSTSTORE,
            Setting.TRUSTSTORE_PASSWORD, ConfigKeys.TRUSTSTORE_PASSWORD,
            Setting.TRUSTSTORE_TYPE, ConfigKeys.TRUSTSTORE_TYPE,
            Setting.SENTINEL_USER, ConfigKeys.SENTINEL_USER,
            Setting.SENTINEL_PASSWORD, ConfigKeys.SENTINEL_PASSWORD);

    /**
     * Reads every shared setting of {@link ConfigKeys#SHARED}; keys that are absent keep their defaults, which are
     * {@link RedisSettings}' own for Redis.
     *
     * @throws InvalidRateLimitConfigException naming the key at fault as it was written
     */
    static LimiterSettings read(Config config, WrittenKeys written) {
        Reader reader = new Reader(config, written);
        RedisSettings.Builder redis = RedisSettings.builder();
        reader.apply(ConfigKeys.REDIS_URL, redis::url);
        reader.apply(ConfigKeys.CONNECT_TIMEOUT, redis::connectTimeout);
        reader.apply(ConfigKeys.COMMAND_TIMEOUT, redis::commandTimeout);
        reader.apply(ConfigKeys.POOL_SIZE, redis::poolSize);
        reader.apply(ConfigKeys.KEY_PREFIX, redis::keyPrefix);
        reader.apply(ConfigKeys.SHIELD_MAX_ENTRIES, redis::shieldSize);
        reader.apply(ConfigKeys.LEASED_BUCKETS, redis::leasedBuckets);
        if (!reader.value(ConfigKeys.SHIELD_ENABLED)) {
            redis.shieldSize(0);
        }
        reader.apply(ConfigKeys.BREAKER_WINDOW, redis::breakerWindow);
        reader.apply(ConfigKeys.BREAKER_FAILURE_RATE, redis::breakerFailureRate);
        reader.apply(ConfigKeys.BREAKER_OPEN_FOR, redis::breakerOpenFor);
        reader.apply(ConfigKeys.REDIS_USER, redis::user);
        reader.apply(ConfigKeys.REDIS_PASSWORD, redis::password);
        reader.apply(ConfigKeys.SENTINEL_USER, redis::sentinelUser);
        reader.apply(ConfigKeys.SENTINEL_PASSWORD, redis::sentinelPassword);
        readTruststore(reader, redis);
        return new LimiterSettings(
                reader.named(redis::build),
                reader.configured(ConfigKeys.TRUSTED_PROXIES).orElseGet(() -> TrustedProxies.of(List.of())),
                reader.value(ConfigKeys.INSTANCES),
                reader.value(ConfigKeys.MAX_LOCAL_CLIENTS),
                reader.configured(ConfigKeys.CLIENT_ID_SECRET),
                reader.value(ConfigKeys.IPV6_PREFIX_LENGTH),
                reader.value(ConfigKeys.READINESS_REQUIRES_REDIS),
                reader.value(ConfigKeys.RELOAD_INTERVAL));
    }

    private static void readTruststore(Reader reader, RedisSettings.Builder redis) {
        Optional<Path> file = reader.configured(ConfigKeys.TRUSTSTORE);
        Optional<String> password = reader.configured(ConfigKeys.TRUSTSTORE_PASSWORD);
        Optional<String> type = reader.configured(ConfigKeys.TRUSTSTORE_TYPE);
        if (file.isEmpty()) {
            if (password.isPresent() || type.isPresent()) {
                throw new InvalidRateLimitConfigException(
                        (password.isPresent() ? ConfigKeys.TRUSTSTORE_PASSWORD : ConfigKeys.TRUSTSTORE_TYPE).name()
                                + " is set but " + ConfigKeys.TRUSTSTORE.name()
                                + " is not: it applies to that file only");
            }
            return;
        }
        reader.named(() ->
                redis.truststore(file.get(), password.map(String::toCharArray).orElse(null), type.orElse(null)));
    }

    /** Reads shared settings, naming the key at fault as it was written. */
    private static final class Reader {

        private final Config config;
        private final WrittenKeys written;

        Reader(Config config, WrittenKeys written) {
            this.config = config;
            this.written = written;
        }

        /** The configured value, read; empty when the key is not set. */
        <T> Optional<T> configured(ConfigKeys.Key<T> key) {
            return config.getOptionalValue(key.name(), String.class).map(value -> {
                try {
                    return key.parse(value);
                } catch (IllegalArgumentException e) {
                    throw invalid(key, value, e);
                }
            });
        }

        /** The configured value, else the key's default. */
        <T> T value(ConfigKeys.Key<T> key) {
            return configured(key).or(key::builtIn).orElseThrow();
        }

        /** Gives the configured value, when set, to a setter of the builder, which may refuse it too. */
        <T> void apply(ConfigKeys.Key<T> key, Consumer<T> setter) {
            config.getOptionalValue(key.name(), String.class).ifPresent(value -> {
                try {
                    setter.accept(key.parse(value));
                } catch (InvalidSettingException e) {
                    throw settingsRefused(e);
                } catch (IllegalArgumentException e) {
                    throw invalid(key, value, e);
                }
            });
        }

        /**
         * Runs a step of the builder, turning its refusal of settings into a message naming their keys; the
         * builder's messages never show a secret.
         */
        <T> T named(Supplier<T> step) {
            try {
                return step.get();
            } catch (InvalidSettingException e) {
                throw settingsRefused(e);
            }
        }

        /** The key as it was written where it is set: its environment variable when the value came from one. */
        String asWritten(ConfigKeys.Key<?> key) {
            return config.getOptionalValue(key.name(), String.class)
                    .map(value -> written.of(key.name(), value))
                    .orElse(key.name());
        }

        private InvalidRateLimitConfigException settingsRefused(InvalidSettingException e) {
            return new InvalidRateLimitConfigException(
                    e.settings().stream().map(KEY_OF::get).map(this::asWritten).collect(Collectors.joining(", ")) + ": "
                            + e.getMessage());
        }

        private InvalidRateLimitConfigException invalid(ConfigKeys.Key<?> key, String value, RuntimeException e) {
            return new InvalidRateLimitConfigException(
                    written.of(key.name(), value) + (key.shown() ? "=" + value : "") + ": " + e.getMessage());
        }
    }
}
