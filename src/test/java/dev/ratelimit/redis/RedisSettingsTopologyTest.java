package dev.ratelimit.redis;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import redis.clients.jedis.JedisClientConfig;

/**
 * The same credentials, TLS, timeouts and pool apply to the nodes that hold the keys whichever deployment the URL
 * names; the Sentinels get only the timeouts, TLS and their own credentials.
 */
class RedisSettingsTopologyTest {

    private static RedisSettings settings(String url) {
        return RedisSettings.builder()
                .url(url)
                .user("limiter")
                .password("node-secret")
                .connectTimeout(Duration.ofMillis(300))
                .commandTimeout(Duration.ofMillis(400))
                .poolSize(7)
                .build();
    }

    @ParameterizedTest
    @ValueSource(strings = {"rediss://h:6380", "rediss-cluster://a:1,b:2", "rediss-sentinel://s1,s2#primary"})
    void everyNodeIsReachedTheSameWayInEveryDeployment(String url) {
        RedisSettings settings = settings(url);
        JedisConfigs jedis = new JedisConfigs(settings);
        JedisClientConfig nodes = jedis.clientConfig();

        // Jedis opens TLS sockets for any config holding SslOptions; its older isSsl() flag stays false.
        assertThat(nodes.getSslOptions()).isNotNull();
        assertThat(nodes.getUser()).isEqualTo("limiter");
        assertThat(nodes.getPassword()).isEqualTo("node-secret");
        assertThat(nodes.getConnectionTimeoutMillis()).isEqualTo(300);
        assertThat(nodes.getSocketTimeoutMillis()).isEqualTo(400);
        assertThat(jedis.poolConfig().getMaxTotal()).isEqualTo(7);
        assertThat(jedis.poolConfig().getMaxWaitDuration()).isEqualTo(Duration.ofMillis(400));
    }

    @ParameterizedTest
    @ValueSource(strings = {"redis-sentinel://s1#primary", "rediss-sentinel://s1#primary"})
    void sentinelsGetTheirOwnCredentialsAndTheNodesTls(String url) {
        RedisSettings settings = RedisSettings.builder()
                .url(url)
                .password("node-secret")
                .sentinelUser("watcher")
                .sentinelPassword("sentinel-secret")
                .build();
        JedisConfigs jedis = new JedisConfigs(settings);
        JedisClientConfig sentinels = jedis.sentinelClientConfig();

        assertThat(sentinels.getUser()).isEqualTo("watcher");
        assertThat(sentinels.getPassword()).isEqualTo("sentinel-secret");
        assertThat(sentinels.getSslOptions() != null).isEqualTo(url.startsWith("rediss"));
        assertThat(jedis.clientConfig().getPassword()).isEqualTo("node-secret");
    }
}
