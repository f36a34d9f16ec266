package dev.ratelimit.redis;

import java.util.Map;
import java.util.function.IntConsumer;
import redis.clients.jedis.CommandObject;
import redis.clients.jedis.providers.PooledConnectionProvider;

/** One Redis. */
final class SingleNode extends RedisNodes {

    private final PooledConnectionProvider provider;
    private final PipelinedCalls calls;
    private final String address;

    SingleNode(RedisSettings settings, IntConsumer pipelineSent) {
        super(settings, pipelineSent);
        RedisUrl url = settings.redisUrl();
        JedisConfigs jedis = new JedisConfigs(settings);
        this.address = url.nodes().get(0).toString();
        // Opens no connection: calls open them as they need them, so a Redis that is down delays nothing here.
        this.provider = new PooledConnectionProvider(url.nodes().get(0), jedis.clientConfig(), jedis.poolConfig());
        this.calls = pipelinedCalls(provider::getConnection);
    }

    @Override
    String nodeFor(String key) {
        return address;
    }

    @Override
    boolean isCurrent(String node) {
        return true;
    }

    @Override
    <T> T execute(String key, CommandObject<T> command) {
        return calls.execute(command);
    }

    @Override
    Map<String, PipelinedCalls> servingNodes() {
        return Map.of(address, calls);
    }

    @Override
    void dropIdleConnections(String node) {
        provider.getPool().clear();
    }

    @Override
    public void close() {
        provider.close();
    }
}
