package dev.ratelimit.redis;

import redis.clients.jedis.ClientSetInfoConfig;
import redis.clients.jedis.ConnectionPoolConfig;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.RedisClient;
import redis.clients.jedis.RedisProtocol;
import redis.clients.jedis.util.JedisURIHelper;

import java.net.URI;
import java.time.Duration;

/**
 * How to reach Redis. The timeouts bound how long a request can wait on Redis before its policy's
 * failure mode decides: a pool wait or a connect, then one command.
 *
 * @param url            {@code redis://[user:password@]host[:port][/db]}, or {@code rediss://} for TLS
 * @param connectTimeout how long to wait for a new connection
 * @param commandTimeout how long to wait for a reply, and for a free pooled connection
 * @param poolSize       connections kept open at most
 */
public record RedisSettings(URI url, Duration connectTimeout, Duration commandTimeout, int poolSize) {

    /** Jedis takes its timeouts as an int of milliseconds. */
    private static final Duration MAX_TIMEOUT = Duration.ofMillis(Integer.MAX_VALUE);

    public RedisSettings {
        if (url == null || !JedisURIHelper.isValid(url)) {
            throw new IllegalArgumentException("must be redis://host:port or rediss://host:port, was " + redacted(url));
        }
        requireValidTimeout(connectTimeout);
        requireValidTimeout(commandTimeout);
        requireValidPoolSize(poolSize);
    }

    /** @throws IllegalArgumentException unless the timeout is between 1 ms and what Jedis can take */
    public static Duration requireValidTimeout(Duration timeout) {
        if (timeout.compareTo(Duration.ofMillis(1)) < 0) {
            throw new IllegalArgumentException("must be at least 1ms");
        }
        if (timeout.compareTo(MAX_TIMEOUT) > 0) {
            throw new IllegalArgumentException("must be at most " + MAX_TIMEOUT.toMillis() + "ms");
        }
        return timeout;
    }

    /** @throws IllegalArgumentException unless the pool holds at least one connection */
    public static int requireValidPoolSize(int poolSize) {
        if (poolSize < 1) {
            throw new IllegalArgumentException("must be at least 1, was " + poolSize);
        }
        return poolSize;
    }

    public RedisClient connect() {
        DefaultJedisClientConfig.Builder client = DefaultJedisClientConfig.builder()
                .connectionTimeoutMillis(Math.toIntExact(connectTimeout.toMillis()))
                .socketTimeoutMillis(Math.toIntExact(commandTimeout.toMillis()))
                .ssl(JedisURIHelper.isRedisSSLScheme(url))
                // A fixed protocol spares the probe connection Jedis otherwise opens to negotiate one, and
                // without CLIENT SETINFO a new connection costs one command less: each waits on Redis.
                .protocol(RedisProtocol.RESP2)
                .clientSetInfoConfig(ClientSetInfoConfig.DISABLED)
                .clientName("ratelimiter");
        String user = JedisURIHelper.getUser(url);
        String password = JedisURIHelper.getPassword(url);
        if (user != null) {
            client.user(user);
        }
        if (password != null) {
            client.password(password);
        }
        if (JedisURIHelper.hasDbIndex(url)) {
            client.database(JedisURIHelper.getDBIndex(url));
        }
        ConnectionPoolConfig pool = new ConnectionPoolConfig();
        pool.setMaxTotal(poolSize);
        pool.setMaxIdle(poolSize);
        // Jedis waits forever for a free connection by default; a request must not.
        pool.setMaxWait(commandTimeout);
        HostAndPort address = JedisURIHelper.getHostAndPort(url);
        return RedisClient.builder().hostAndPort(address).clientConfig(client.build()).poolConfig(pool).build();
    }

    /** The URL with its password hidden, fit for logs and error messages. */
    public static String redacted(URI url) {
        return redacted(String.valueOf(url));
    }

    /**
     * The text of a URL with everything between the scheme and the last '@' hidden: it works on URLs too
     * broken to parse, whose password may hold any character.
     */
    public static String redacted(String url) {
        int at = url.lastIndexOf('@');
        if (at < 0) {
            return url;
        }
        int authority = url.indexOf("//");
        int start = authority >= 0 && authority < at ? authority + 2 : url.indexOf(':') + 1;
        return url.substring(0, start) + "***" + url.substring(at);
    }

    @Override
    public String toString() {
        return "RedisSettings[url=" + redacted(url) + ", connectTimeout=" + connectTimeout + ", commandTimeout="
                + commandTimeout + ", poolSize=" + poolSize + "]";
    }
}
