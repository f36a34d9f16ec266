package dev.ratelimit.integration.config;

import dev.ratelimit.core.ClientIdSecret;
import dev.ratelimit.integration.http.TrustedProxies;
import dev.ratelimit.redis.RedisSettings;
import dev.ratelimit.redis.RedisSettings.InvalidSettingException;
import dev.ratelimit.redis.RedisSettings.Setting;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
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

    static final String REDIS_URL = "ratelimit.redis.url";
    static final String CONNECT_TIMEOUT = "ratelimit.redis.connect-timeout";
    static final String COMMAND_TIMEOUT = "ratelimit.redis.command-timeout";
    static final String POOL_SIZE = "ratelimit.redis.pool-size";
    static final String KEY_PREFIX = "ratelimit.redis.key-prefix";
    static final String SHIELD_ENABLED = "ratelimit.redis.shield.enabled";
    static final String SHIELD_MAX_ENTRIES = "ratelimit.redis.shield.max-entries";
    static final String BREAKER_WINDOW = "ratelimit.redis.breaker.window";
    static final String BREAKER_FAILURE_RATE = "ratelimit.redis.breaker.failure-rate";
    static final String BREAKER_OPEN_FOR = "ratelimit.redis.breaker.open-for";
    static final String TRUSTED_PROXIES = "ratelimit.trusted-proxies";
    static final String INSTANCES = "ratelimit.instances";
    static final String MAX_LOCAL_CLIENTS = "ratelimit.local.max-clients";
    static final String REDIS_USER = "ratelimit.redis.user";
    static final String REDIS_PASSWORD = "ratelimit.redis.password";
    static final String TRUSTSTORE = "ratelimit.redis.truststore";
    static final String TRUSTSTORE_PASSWORD = "ratelimit.redis.truststore-password";
    static final String TRUSTSTORE_TYPE = "ratelimit.redis.truststore-type";
    static final String SENTINEL_USER = "ratelimit.redis.sentinel.user";
    static final String SENTINEL_PASSWORD = "ratelimit.redis.sentinel.password";
    static final String CLIENT_ID_SECRET = "ratelimit.client-id-secret";
    static final String IPV6_PREFIX_LENGTH = "ratelimit.ipv6-prefix-length";
    static final String READINESS_REQUIRES_REDIS = "ratelimit.health.readiness-requires-redis";
    static final String RELOAD_INTERVAL = "ratelimit.reload-interval";
    static final List<String> KEYS = List.of(
            REDIS_URL,
            REDIS_USER,
            REDIS_PASSWORD,
            TRUSTSTORE,
            TRUSTSTORE_PASSWORD,
            TRUSTSTORE_TYPE,
            SENTINEL_USER,
            SENTINEL_PASSWORD,
            CONNECT_TIMEOUT,
            COMMAND_TIMEOUT,
            POOL_SIZE,
            SHIELD_ENABLED,
            SHIELD_MAX_ENTRIES,
            KEY_PREFIX,
            BREAKER_WINDOW,
            BREAKER_FAILURE_RATE,
            BREAKER_OPEN_FOR,
            TRUSTED_PROXIES,
            INSTANCES,
            MAX_LOCAL_CLIENTS,
            CLIENT_ID_SECRET,
            IPV6_PREFIX_LENGTH,
            READINESS_REQUIRES_REDIS,
            RELOAD_INTERVAL);
    private static final Map<Setting, String> KEY_OF = Map.of(
            Setting.URL,
            REDIS_URL,
            Setting.USER,
            REDIS_USER,
            Setting.PASSWORD,
            REDIS_PASSWORD,
            Setting.TRUSTSTORE,
            TRUSTSTORE,
            Setting.TRUSTSTORE_PASSWORD,
            TRUSTSTORE_PASSWORD,
            Setting.TRUSTSTORE_TYPE,
            TRUSTSTORE_TYPE,
            Setting.SENTINEL_USER,
            SENTINEL_USER,
            Setting.SENTINEL_PASSWORD,
            SENTINEL_PASSWORD);

    static final int DEFAULT_INSTANCES = 1;
    static final int DEFAULT_MAX_LOCAL_CLIENTS = 10_000;
    /** A /64 is what one IPv6 subscriber or host usually gets: grouping less lets one caller hold 2^64 ids. */
    static final int DEFAULT_IPV6_PREFIX_LENGTH = 64;

    static final Duration DEFAULT_RELOAD_INTERVAL = Duration.ofSeconds(10);

    /**
     * Keys that are absent keep {@link RedisSettings}' defaults.
     *
     * @throws InvalidRateLimitConfigException naming the key at fault
     */
    static LimiterSettings read(Config config) {
        RedisSettings.Builder redis = RedisSettings.builder();
        // A Redis URL may hold a password: the builder names a faulty one with the password hidden.
        apply(config, REDIS_URL, false, redis::url);
        apply(config, CONNECT_TIMEOUT, true, text -> redis.connectTimeout(Durations.parse(text)));
        apply(config, COMMAND_TIMEOUT, true, text -> redis.commandTimeout(Durations.parse(text)));
        apply(config, POOL_SIZE, true, text -> redis.poolSize(wholeNumber(text)));
        apply(config, KEY_PREFIX, true, redis::keyPrefix);
        apply(config, SHIELD_MAX_ENTRIES, true, text -> redis.shieldSize(atLeastOne(wholeNumber(text))));
        if (!read(config, SHIELD_ENABLED, true, PolicyResolver::bool).orElse(true)) {
            redis.shieldSize(0);
        }
        apply(config, BREAKER_WINDOW, true, text -> redis.breakerWindow(wholeNumber(text)));
        apply(config, BREAKER_FAILURE_RATE, true, text -> redis.breakerFailureRate(wholeNumber(text)));
        apply(config, BREAKER_OPEN_FOR, true, text -> redis.breakerOpenFor(Durations.parse(text)));
        int instances =
                read(config, INSTANCES, text -> atLeastOne(wholeNumber(text))).orElse(DEFAULT_INSTANCES);
        int maxLocalClients = read(config, MAX_LOCAL_CLIENTS, text -> atLeastOne(wholeNumber(text)))
                .orElse(DEFAULT_MAX_LOCAL_CLIENTS);
        apply(config, REDIS_USER, true, redis::user);
        // The password is taken as it is, untrimmed, since it must equal Redis' own; it is never shown.
        config.getOptionalValue(REDIS_PASSWORD, String.class)
                .ifPresent(password -> named(() -> redis.password(password)));
        apply(config, SENTINEL_USER, true, redis::sentinelUser);
        config.getOptionalValue(SENTINEL_PASSWORD, String.class)
                .ifPresent(password -> named(() -> redis.sentinelPassword(password)));
        readTruststore(config, redis);
        Optional<ClientIdSecret> clientIdSecret = read(config, CLIENT_ID_SECRET, false, ClientIdSecret::of);
        int ipv6PrefixLength = read(config, IPV6_PREFIX_LENGTH, text -> ipv6PrefixLength(wholeNumber(text)))
                .orElse(DEFAULT_IPV6_PREFIX_LENGTH);
        boolean readinessRequiresRedis =
                read(config, READINESS_REQUIRES_REDIS, PolicyResolver::bool).orElse(true);
        Duration reloadInterval =
                read(config, RELOAD_INTERVAL, LimiterSettings::reloadIntervalOf).orElse(DEFAULT_RELOAD_INTERVAL);
        List<String> proxies =
                config.getOptionalValues(TRUSTED_PROXIES, String.class).orElse(List.of());
        TrustedProxies trustedProxies;
        try {
            trustedProxies = TrustedProxies.of(proxies);
        } catch (IllegalArgumentException e) {
            throw new InvalidRateLimitConfigException(
                    TRUSTED_PROXIES + "=" + String.join(",", proxies) + ": " + e.getMessage());
        }
        return new LimiterSettings(
                named(redis::build),
                trustedProxies,
                instances,
                maxLocalClients,
                clientIdSecret,
                ipv6PrefixLength,
                readinessRequiresRedis,
                reloadInterval);
    }

    private static void readTruststore(Config config, RedisSettings.Builder redis) {
        Optional<String> file =
                config.getOptionalValue(TRUSTSTORE, String.class).map(String::trim);
        Optional<String> password = config.getOptionalValue(TRUSTSTORE_PASSWORD, String.class);
        Optional<String> type =
                config.getOptionalValue(TRUSTSTORE_TYPE, String.class).map(String::trim);
        if (file.isEmpty()) {
            if (password.isPresent() || type.isPresent()) {
                throw new InvalidRateLimitConfigException((password.isPresent() ? TRUSTSTORE_PASSWORD : TRUSTSTORE_TYPE)
                        + " is set but " + TRUSTSTORE + " is not: it applies to that file only");
            }
            return;
        }
        Path path;
        try {
            path = Path.of(file.get());
        } catch (InvalidPathException e) {
            throw new InvalidRateLimitConfigException(TRUSTSTORE + "=" + file.get() + ": not a file path");
        }
        named(() -> redis.truststore(path, password.map(String::toCharArray).orElse(null), type.orElse(null)));
    }

    /**
     * Runs a step of the builder, turning its refusal of settings into a message naming their keys; the
     * builder's messages never show a secret.
     */
    private static <T> T named(Supplier<T> step) {
        try {
            return step.get();
        } catch (InvalidSettingException e) {
            throw new InvalidRateLimitConfigException(
                    e.settings().stream().map(KEY_OF::get).collect(Collectors.joining(", ")) + ": " + e.getMessage());
        }
    }

    /** Gives the key's value, when set, to a setter of the builder. */
    private static void apply(Config config, String key, boolean showValue, Function<String, ?> setter) {
        read(config, key, showValue, setter);
    }

    private static <T> Optional<T> read(Config config, String key, Function<String, T> parser) {
        return read(config, key, true, parser);
    }

    /** The key's value, trimmed and parsed, when set; a value the parser refuses fails naming the key. */
    private static <T> Optional<T> read(Config config, String key, boolean showValue, Function<String, T> parser) {
        return config.getOptionalValue(key, String.class).map(value -> {
            try {
                return parser.apply(value.trim());
            } catch (IllegalArgumentException e) {
                throw new InvalidRateLimitConfigException(key + (showValue ? "=" + value : "") + ": " + e.getMessage());
            }
        });
    }

    private static int ipv6PrefixLength(int bits) {
        if (bits < 1 || bits > 128) {
            throw new IllegalArgumentException("must be between 1 and 128 bits, was " + bits);
        }
        return bits;
    }

    private static Duration reloadIntervalOf(String text) {
        if (text.equals("0") || text.equalsIgnoreCase("off")) {
            return Duration.ZERO;
        }
        Duration interval = Durations.parse(text);
        if (interval.toMillis() < 1) {
            throw new IllegalArgumentException(
                    "must be at least 1ms, or 0 or off to read the policies at deployment only");
        }
        return interval;
    }

    private static int atLeastOne(int number) {
        if (number < 1) {
            throw new IllegalArgumentException("must be at least 1, was " + number);
        }
        return number;
    }

    private static int wholeNumber(String text) {
        try {
            return Integer.parseInt(text);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("not a whole number");
        }
    }
}
