package dev.ratelimit.redis;

import java.util.LinkedHashSet;
import java.util.Map;
import java.util.function.IntConsumer;
import redis.clients.jedis.CommandObject;
import redis.clients.jedis.providers.SentineledConnectionProvider;

/**
 * The primary that Redis Sentinel watches. Jedis listens to the Sentinels and moves its pool to the new
 * primary when they promote one; until then, calls to the lost primary fail like calls to any lost Redis.
 */
final class SentinelNodes extends RedisNodes {

    private final OnFirstUse<SentineledConnectionProvider> provider;
    /** Jedis moves the provider's connections to the new primary: the calls queued follow them. */
    private final PipelinedCalls calls;

    private final String sentinels;

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
        this.calls = pipelinedCalls(() -> provider.get().getConnection());
    }

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
