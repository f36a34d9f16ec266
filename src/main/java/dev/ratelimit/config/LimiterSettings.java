package dev.ratelimit.config;

import dev.ratelimit.identity.TrustedProxies;
import dev.ratelimit.limiter.BucketKeys;
import dev.ratelimit.redis.RedisSettings;
import org.eclipse.microprofile.config.Config;

import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.List;
import java.util.function.Function;

/** The settings shared by every policy: how to reach Redis, how to name keys, which proxies to trust. */
public record LimiterSettings(RedisSettings redis, BucketKeys keys, TrustedProxies trustedProxies) {

    public static final String REDIS_URL = "ratelimit.redis.url";
    public static final String CONNECT_TIMEOUT = "ratelimit.redis.connect-timeout";
    public static final String COMMAND_TIMEOUT = "ratelimit.redis.command-timeout";
    public static final String POOL_SIZE = "ratelimit.redis.pool-size";
    public static final String KEY_PREFIX = "ratelimit.key-prefix";
    public static final String TRUSTED_PROXIES = "ratelimit.trusted-proxies";

    private static final int DEFAULT_REDIS_PORT = 6379;

    /** @throws InvalidRateLimitConfigException naming the key at fault */
    public static LimiterSettings read(Config config) {
        URI url = setting(config, REDIS_URL, "redis://127.0.0.1:" + DEFAULT_REDIS_PORT, LimiterSettings::redisUrl);
        Duration connectTimeout = setting(config, CONNECT_TIMEOUT, "50ms", LimiterSettings::positiveDuration);
        Duration commandTimeout = setting(config, COMMAND_TIMEOUT, "50ms", LimiterSettings::positiveDuration);
        int poolSize = setting(config, POOL_SIZE, "16", LimiterSettings::positiveInt);
        BucketKeys keys = setting(config, KEY_PREFIX, "ratelimit:", BucketKeys::new);
        List<String> proxies = config.getOptionalValues(TRUSTED_PROXIES, String.class).orElse(List.of());
        TrustedProxies trustedProxies = setting(TRUSTED_PROXIES, proxies.toString(), proxies, TrustedProxies::of);
        return new LimiterSettings(new RedisSettings(url, connectTimeout, commandTimeout, poolSize), keys,
                trustedProxies);
    }

    private static <T> T setting(Config config, String key, String defaultValue, Function<String, T> parse) {
        String value = config.getOptionalValue(key, String.class).orElse(defaultValue).trim();
        // A Redis URL may hold a password: its parser names the faulty URL with the password hidden.
        return setting(key, key.equals(REDIS_URL) ? "(hidden)" : value, value, parse);
    }

    private static <V, T> T setting(String key, String shownValue, V value, Function<V, T> parse) {
        try {
            return parse.apply(value);
        } catch (IllegalArgumentException e) {
            throw new InvalidRateLimitConfigException("Invalid rate limit configuration: " + key + "=" + shownValue
                    + ": " + e.getMessage());
        }
    }

    private static Duration positiveDuration(String text) {
        Duration duration = Durations.parse(text);
        if (duration.toMillis() < 1) {
            throw new IllegalArgumentException("must be at least 1ms");
        }
        return duration;
    }

    private static int positiveInt(String text) {
        int value = Integer.parseInt(text);
        if (value < 1) {
            throw new IllegalArgumentException("must be at least 1");
        }
        return value;
    }

    /** Redis' own default port applies when the URL names none. */
    private static URI redisUrl(String text) {
        URI url;
        try {
            url = new URI(text);
            if (url.getHost() != null && url.getPort() == -1) {
                url = new URI(url.getScheme(), url.getUserInfo(), url.getHost(), DEFAULT_REDIS_PORT,
                        url.getPath(), url.getQuery(), url.getFragment());
            }
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("not a URL: " + e.getReason());
        }
        if (url.getHost() == null || !("redis".equals(url.getScheme()) || "rediss".equals(url.getScheme()))) {
            throw new IllegalArgumentException("must look like redis://[user:password@]host[:port][/db] or rediss://..., was "
                    + RedisSettings.redacted(url));
        }
        return url;
    }
}
