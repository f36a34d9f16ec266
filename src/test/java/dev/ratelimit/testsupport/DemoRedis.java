package dev.ratelimit.testsupport;

import java.io.IOException;
import java.nio.file.Path;

/**
 * Gives the demo a Redis before Liberty starts ({@code mvn -Pdemo}): the one at {@code REDIS_URL} when
 * set, else one already answering on 127.0.0.1:6379, else a redis-server started here on that port (from
 * the PATH, else the binary embedded-redis ships) that stops when Maven exits.
 */
public final class DemoRedis {

    private static final int PORT = 6379;

    private DemoRedis() {
    }

    public static void main(String[] args) throws IOException {
        String url = System.getenv("REDIS_URL");
        if (url != null && !url.isBlank()) {
            System.out.println("[demo] Liberty will use the Redis at REDIS_URL");
            return;
        }
        if (RedisServerProcess.answersPing(PORT)) {
            System.out.println("[demo] Liberty will use the Redis already answering on 127.0.0.1:" + PORT);
            return;
        }
        Path onPath = RedisFixture.redisServerOnPath();
        Path executable = onPath != null ? onPath : RedisFixture.embeddedBinary();
        RedisServerProcess.start(executable, PORT);
        System.out.println("[demo] Started " + executable + " on 127.0.0.1:" + PORT + "; it stops when Maven exits");
    }
}
