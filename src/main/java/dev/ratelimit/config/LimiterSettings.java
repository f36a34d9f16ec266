package dev.ratelimit.config;

import dev.ratelimit.identity.TrustedProxies;
import dev.ratelimit.limiter.BucketKeys;
import dev.ratelimit.redis.RedisSettings;
import org.eclipse.microprofile.config.Config;

import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Pattern;

/** The settings shared by every policy: how to reach Redis, how to name keys, which proxies to trust. */
public record LimiterSettings(RedisSettings redis, BucketKeys keys, TrustedProxies trustedProxies) {

    public static final String REDIS_URL = "ratelimit.redis.url";
    public static final String CONNECT_TIMEOUT = "ratelimit.redis.connect-timeout";
    public static final String COMMAND_TIMEOUT = "ratelimit.redis.command-timeout";
    public static final String POOL_SIZE = "ratelimit.redis.pool-size";
    public static final String KEY_PREFIX = "ratelimit.key-prefix";
    public static final String TRUSTED_PROXIES = "ratelimit.trusted-proxies";
    static final Set<String> KEYS =
            Set.of(REDIS_URL, CONNECT_TIMEOUT, COMMAND_TIMEOUT, POOL_SIZE, KEY_PREFIX, TRUSTED_PROXIES);

    private static final int DEFAULT_REDIS_PORT = 6379;
    private static final Pattern DATABASE_PATH = Pattern.compile("/?|/\\d{1,9}");

    /** @throws InvalidRateLimitConfigException naming the key at fault */
    public static LimiterSettings read(Config config) {
        URI url = setting(config, REDIS_URL, "redis://127.0.0.1:" + DEFAULT_REDIS_PORT, LimiterSettings::redisUrl);
        Duration connectTimeout = setting(config, CONNECT_TIMEOUT, "50ms", LimiterSettings::timeout);
        Duration commandTimeout = setting(config, COMMAND_TIMEOUT, "50ms", LimiterSettings::timeout);
        int poolSize = setting(config, POOL_SIZE, "16", LimiterSettings::poolSize);
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

    private static Duration timeout(String text) {
        return RedisSettings.requireValidTimeout(Durations.parse(text));
    }

    private static int poolSize(String text) {
        return RedisSettings.requireValidPoolSize(Integer.parseInt(text));
    }

    /** Redis' own default port applies when the URL names none. */
    private static URI redisUrl(String text) {
        try {
            URI url = new URI(text);
            if (url.getScheme() != null && url.getHost() != null && url.getPath() != null
                    && DATABASE_PATH.matcher(url.getPath()).matches()) {
                String scheme = url.getScheme().toLowerCase(Locale.ROOT);
                int port = url.getPort() == -1 ? DEFAULT_REDIS_PORT : url.getPort();
                if (scheme.equals("redis") || scheme.equals("rediss")) {
                    return new URI(scheme, url.getUserInfo(), url.getHost(), port, url.getPath(), url.getQuery(),
                            url.getFragment());
                }
            }
        } catch (URISyntaxException e) {
            // reported below, like any other URL that is not a Redis URL
        }
        throw new IllegalArgumentException("must look like redis://[user:password@]host[:port][/db] or rediss://..., was "
                + RedisSettings.redacted(text));
    }
}
