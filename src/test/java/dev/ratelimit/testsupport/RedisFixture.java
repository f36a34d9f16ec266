package dev.ratelimit.testsupport;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.utility.DockerImageName;
import redis.clients.jedis.RedisClient;
import redis.clients.jedis.UnifiedJedis;
import redis.embedded.core.ExecutableProvider;

/**
 * The real Redis servers tests run against, started once per test JVM and stopped when it exits.
 * The shared one is, in order of preference: the one at {@code REDIS_URL}; a Redis 7 container when a
 * Docker engine answers; a redis-server started here, from the PATH, else the binary embedded-redis ships.
 */
public final class RedisFixture {

    /** A Redis to test against, its version and where it comes from. */
    public record RedisEndpoint(String version, String origin, URI url) {

        static RedisEndpoint at(String origin, URI url) {
            try (RedisClient client = RedisClient.create(url)) {
                String version = client.info("server")
                        .lines()
                        .filter(line -> line.startsWith("redis_version:"))
                        .map(line -> line.substring("redis_version:".length()).trim())
                        .findFirst()
                        .orElse("unknown");
                return new RedisEndpoint(version, origin, url);
            }
        }

        public RedisClient client() {
            return RedisClient.create(url);
        }

        @Override
        public String toString() {
            return "Redis " + version + " (" + origin + ")";
        }
    }

    /** Redis' own clock in milliseconds, the clock the limiter decides by. */
    public static long redisTimeMillis(UnifiedJedis redis) {
        return (Long) redis.eval("local t = redis.call('TIME') return t[1] * 1000 + math.floor(t[2] / 1000)");
    }

    private static RedisEndpoint shared;
    private static RedisEndpoint embedded;

    private RedisFixture() {}

    public static synchronized RedisEndpoint shared() {
        if (shared == null) {
            shared = startShared();
        }
        return shared;
    }

    /**
     * The shared Redis and, when its version differs, the Redis 6.2 that embedded-redis ships: for tests
     * that must pass on every Redis version the product supports.
     */
    public static synchronized List<RedisEndpoint> everyVersion() {
        List<RedisEndpoint> endpoints = new ArrayList<>();
        endpoints.add(shared());
        if (embedded == null) {
            embedded = startProcess(embeddedBinary(), "embedded-redis binary");
        }
        if (!embedded.version().equals(shared.version())) {
            endpoints.add(embedded);
        }
        return endpoints;
    }

    /** The Redis 6.2 binary shipped inside the embedded-redis jar, extracted to a temporary file. */
    public static Path embeddedBinary() {
        try {
            File binary = ExecutableProvider.newJarResourceProvider().get();
            binary.setExecutable(true);
            return binary.toPath();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot extract the embedded redis-server binary", e);
        }
    }

    /** redis-server on the PATH, if there is one. */
    public static Path redisServerOnPath() {
        return onPath("redis-server");
    }

    /** The program of that name on the PATH, if there is one. */
    public static Path onPath(String program) {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator, -1)) {
            File candidate = new File(dir, program);
            if (candidate.canExecute()) {
                return candidate.toPath();
            }
        }
        return null;
    }

    /** A redis-server binary for a test to run itself: the one on the PATH, else embedded-redis' one. */
    public static Path localRedisServer() {
        Path onPath = redisServerOnPath();
        return onPath != null ? onPath : embeddedBinary();
    }

    private static RedisEndpoint startShared() {
        String url = System.getenv("REDIS_URL");
        if (url != null && !url.isBlank()) {
            return RedisEndpoint.at("REDIS_URL", URI.create(url));
        }
        if (mayHaveDocker() && DockerClientFactory.instance().isDockerAvailable()) {
            GenericContainer<?> container =
                    new GenericContainer<>(DockerImageName.parse("redis:7-alpine")).withExposedPorts(6379);
            container.start();
            Runtime.getRuntime().addShutdownHook(new Thread(container::stop));
            return RedisEndpoint.at(
                    "Testcontainers redis:7-alpine",
                    URI.create("redis://" + container.getHost() + ":" + container.getMappedPort(6379)));
        }
        Path onPath = redisServerOnPath();
        return onPath != null
                ? startProcess(onPath, "redis-server " + onPath)
                : startProcess(embeddedBinary(), "embedded-redis binary");
    }

    /**
     * Whether a Docker engine could be configured here at all. Without any sign of one, Testcontainers is not
     * asked: its probe would log a SEVERE "Could not find a valid Docker environment" on every run.
     */
    private static boolean mayHaveDocker() {
        Path home = Path.of(System.getProperty("user.home"));
        return System.getenv("DOCKER_HOST") != null
                || Files.exists(Path.of("/var/run/docker.sock"))
                || Files.exists(home.resolve(".docker/run/docker.sock"))
                || Files.exists(home.resolve(".testcontainers.properties"));
    }

    private static RedisEndpoint startProcess(Path executable, String description) {
        try {
            RedisServerProcess server = RedisServerProcess.start(executable, RedisServerProcess.freePort());
            Runtime.getRuntime().addShutdownHook(new Thread(server::close));
            return RedisEndpoint.at(description, URI.create("redis://127.0.0.1:" + server.port()));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + description, e);
        }
    }
}
