package dev.ratelimit.integration.config;

import dev.ratelimit.integration.http.TrustedProxies;
import dev.ratelimit.redis.RedisSettings;
import org.eclipse.microprofile.config.Config;

import java.util.List;
import java.util.function.Consumer;

/** The settings shared by every policy: how to reach Redis and which proxies to trust. */
public record LimiterSettings(RedisSettings redis, TrustedProxies trustedProxies) {

    static final String REDIS_URL = "ratelimit.redis.url";
    static final String CONNECT_TIMEOUT = "ratelimit.redis.connect-timeout";
    static final String COMMAND_TIMEOUT = "ratelimit.redis.command-timeout";
    static final String POOL_SIZE = "ratelimit.redis.pool-size";
    static final String KEY_PREFIX = "ratelimit.redis.key-prefix";
    static final String TRUSTED_PROXIES = "ratelimit.trusted-proxies";
    static final List<String> KEYS =
            List.of(REDIS_URL, CONNECT_TIMEOUT, COMMAND_TIMEOUT, POOL_SIZE, KEY_PREFIX, TRUSTED_PROXIES);

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
        List<String> proxies = config.getOptionalValues(TRUSTED_PROXIES, String.class).orElse(List.of());
        TrustedProxies trustedProxies;
        try {
            trustedProxies = TrustedProxies.of(proxies);
        } catch (IllegalArgumentException e) {
            throw new InvalidRateLimitConfigException(TRUSTED_PROXIES + "=" + String.join(",", proxies) + ": "
                    + e.getMessage());
        }
        return new LimiterSettings(redis.build(), trustedProxies);
    }

    private static void apply(Config config, String key, boolean showValue, Consumer<String> setter) {
        config.getOptionalValue(key, String.class).ifPresent(value -> {
            try {
                setter.accept(value.trim());
            } catch (IllegalArgumentException e) {
                throw new InvalidRateLimitConfigException(key + (showValue ? "=" + value : "") + ": " + e.getMessage());
            }
        });
    }

    private static int wholeNumber(String text) {
        try {
            return Integer.parseInt(text);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("not a whole number");
        }
    }
}
