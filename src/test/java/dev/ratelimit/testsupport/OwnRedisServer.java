package dev.ratelimit.testsupport;

import java.io.IOException;
import java.time.Duration;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import redis.clients.jedis.Jedis;

/**
 * A redis-server of a test class's own, on a free port: started before its first test, emptied and its
 * statistics reset before each test, so that command counts are the test's alone, and stopped after the
 * last. Registered as a static {@code @RegisterExtension} field.
 */
public final class OwnRedisServer implements BeforeAllCallback, BeforeEachCallback, AfterAllCallback {

    private RedisServerProcess server;
    private Jedis admin;

    @Override
    public void beforeAll(ExtensionContext context) throws IOException {
        server = RedisServerProcess.start(RedisFixture.localRedisServer(), RedisServerProcess.freePort());
        admin = RedisServerProcess.adminClient(server.port(), Duration.ofSeconds(5));
    }

    @Override
    public void beforeEach(ExtensionContext context) {
        admin.flushAll();
        admin.configResetStat();
    }

    @Override
    public void afterAll(ExtensionContext context) {
        admin.close();
        server.close();
    }

    public int port() {
        return server.port();
    }

    /** A client of the test's own, for setting keys up and reading what Redis did. */
    public Jedis admin() {
        return admin;
    }

    /** See {@link RedisServerProcess#signal(String)}. */
    public void signal(String signal) throws IOException, InterruptedException {
        server.signal(signal);
    }
}
