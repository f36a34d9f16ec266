package dev.ratelimit.redis;

import dev.ratelimit.testsupport.RedisFixture.RedisEndpoint;
import java.util.HashMap;
import java.util.Map;
import redis.clients.jedis.RedisClient;

/** One client per Redis server a script test runs on, opened on first use and closed with the test class. */
final class ServerClients implements AutoCloseable {

    private final Map<RedisEndpoint, RedisClient> clients = new HashMap<>();

    RedisClient of(RedisEndpoint server) {
        return clients.computeIfAbsent(server, RedisEndpoint::client);
    }

    @Override
    public void close() {
        clients.values().forEach(RedisClient::close);
    }
}
