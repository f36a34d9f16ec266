package dev.ratelimit.redis;

import redis.clients.jedis.ClientSetInfoConfig;
import redis.clients.jedis.ConnectionPoolConfig;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.JedisClientConfig;
import redis.clients.jedis.RedisProtocol;
import redis.clients.jedis.SslOptions;

/**
 * The settings as Jedis takes them: how to log in to, and wait on, the nodes and the Sentinels, and the pool
 * of connections to each node.
 */
final class JedisConfigs {

    private final RedisSettings settings;

    JedisConfigs(RedisSettings settings) {
        this.settings = settings;
    }

    /** How to log in to, and wait on, the nodes that hold the keys. */
    JedisClientConfig clientConfig() {
        RedisUrl url = settings.redisUrl();
        DefaultJedisClientConfig.Builder client = timedClientConfig()
                .user(settings.user().orElse(url.user()))
                .password(settings.password().orElse(url.password()));
        if (url.database() != 0) {
            client.database(url.database());
        }
        return client.build();
    }

    /** How to log in to, and wait on, the Sentinels. */
    JedisClientConfig sentinelClientConfig() {
        return timedClientConfig()
                .user(settings.sentinelUser().orElse(null))
                .password(settings.sentinelPassword().orElse(null))
                .build();
    }

    private DefaultJedisClientConfig.Builder timedClientConfig() {
        DefaultJedisClientConfig.Builder client = DefaultJedisClientConfig.builder()
                .connectionTimeoutMillis(
                        Math.toIntExact(settings.connectTimeout().toMillis()))
                .socketTimeoutMillis(Math.toIntExact(settings.commandTimeout().toMillis()))
                // A fixed protocol spares the probe connection Jedis otherwise opens to negotiate one, and
                // without CLIENT SETINFO a new connection costs one command less: each waits on Redis.
                .protocol(RedisProtocol.RESP2)
                .clientSetInfoConfig(ClientSetInfoConfig.DISABLED)
                .clientName("ratelimiter");
        if (settings.redisUrl().tls()) {
            // The server's certificate and host name, checked against the truststore, else the JVM's.
            client.sslOptions(
                    settings.loadedTruststore().map(Truststore::sslOptions).orElseGet(SslOptions::defaults));
        }
        return client;
    }

    /** The pool of connections to one node. */
    ConnectionPoolConfig poolConfig() {
        ConnectionPoolConfig pool = new ConnectionPoolConfig();
        pool.setMaxTotal(settings.poolSize());
        pool.setMaxIdle(settings.poolSize());
        // Jedis waits forever for a free connection by default; a request must not.
        pool.setMaxWait(settings.commandTimeout());
        return pool;
    }
}
