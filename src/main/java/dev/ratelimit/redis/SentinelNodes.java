package dev.ratelimit.redis;

import java.util.LinkedHashSet;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.IntConsumer;
import redis.clients.jedis.CommandObject;
import redis.clients.jedis.Connection;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.providers.SentineledConnectionProvider;
import redis.clients.jedis.util.Pool;

/**
 * The primary that Redis Sentinel watches. Jedis listens to the Sentinels and moves its pool to the new
 * primary when they promote one; until then, calls to the lost primary fail like calls to any lost Redis.
 */
final class SentinelNodes extends RedisNodes {

    private static final long SWAP_POLL_NANOS = TimeUnit.MICROSECONDS.toNanos(100);

    private final OnFirstUse<SentineledConnectionProvider> provider;
    /** Jedis moves the provider's connections to the new primary: the calls queued follow them. */
    private final PipelinedCalls calls;

    private final String sentinels;
    private final long waitNanos;
    /** The pool that last lent a connection, to tell the old primary's pool until Jedis replaces it. */
    private volatile PoolOfPrimary lastServed;

    SentinelNodes(RedisSettings settings, IntConsumer pipelineSent) {
        super(settings, pipelineSent);
        RedisUrl url = settings.redisUrl();
        JedisConfigs jedis = new JedisConfigs(settings);
        this.sentinels = url.address();
        this.provider = new OnFirstUse<>(
                () -> new SentineledConnectionProvider(
                        url.masterName(),
                        jedis.clientConfig(),
                        jedis.poolConfig(),
                        new LinkedHashSet<>(url.nodes()),
                        jedis.sentinelClientConfig()),
                settings.commandTimeout());
        this.waitNanos = settings.commandTimeout().toNanos();
        this.calls = pipelinedCalls(this::connectionToTheNamedPrimary);
    }

    /**
     * A connection to the primary that {@link #nodeFor} names now. Jedis names the new primary a moment before its
     * pool replaces the old one's: a call sent meanwhile would try the lost primary and count against the new
     * one's circuit breaker, opening it just as the new primary serves. So a pool last seen serving another
     * primary is not asked, and a connection to another primary is given back; the swap, which takes no round
     * trip, is awaited for at most one command wait.
     */
    private Connection connectionToTheNamedPrimary() {
        SentineledConnectionProvider primary = provider.get();
        long deadline = System.nanoTime() + waitNanos;
        while (true) {
            HostAndPort named = primary.getCurrentMaster();
            Pool<Connection> pool =
                    primary.getConnectionMap().values().iterator().next();
            boolean waitedLongEnough = System.nanoTime() - deadline > 0;
            PoolOfPrimary last = lastServed;
            if (waitedLongEnough
                    || last == null
                    || last.pool() != pool
                    || last.primary().equals(named)) {
                Connection connection = pool.getResource();
                HostAndPort reached = connection.getHostAndPort();
                if (last == null || last.pool() != pool || !last.primary().equals(reached)) {
                    lastServed = new PoolOfPrimary(pool, reached);
                }
                if (waitedLongEnough || reached.equals(named)) {
                    return connection;
                }
                PipelinedCalls.giveBack(connection);
            }
            LockSupport.parkNanos(SWAP_POLL_NANOS);
        }
    }

    /** A pool of Jedis' and the primary its connections reach. */
    private record PoolOfPrimary(Pool<Connection> pool, HostAndPort primary) {}

    @Override
    String nodeFor(String key) {
        SentineledConnectionProvider primary = provider.ifMade();
        return primary == null ? sentinels : primary.getCurrentMaster().toString();
    }

    @Override
    boolean isCurrent(String node) {
        SentineledConnectionProvider primary = provider.ifMade();
        return primary == null
                ? node.equals(sentinels)
                : primary.getCurrentMaster().toString().equals(node);
    }

    @Override
    <T> T execute(String key, CommandObject<T> command) {
        return calls.execute(command);
    }

    @Override
    Map<String, PipelinedCalls> servingNodes() {
        return Map.of(provider.get().getCurrentMaster().toString(), calls);
    }

    @Override
    void dropIdleConnections(String node) {
        SentineledConnectionProvider primary = provider.ifMade();
        if (primary != null) {
            primary.getConnectionMap().forEach((address, pool) -> {
                if (address.toString().equals(node)) {
                    pool.clear();
                }
            });
        }
    }

    @Override
    public void close() {
        provider.close();
    }
}
