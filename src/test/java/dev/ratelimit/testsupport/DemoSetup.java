package dev.ratelimit.testsupport;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Prepares the demo ({@code mvn -Pdemo}) in Maven's own JVM, before Liberty starts:
 * <ul>
 *   <li>writes the server's {@code jvm.options}: every {@code -Dratelimit.*} (or {@code -D<Class>/RateLimited/*})
 *       given to mvn, which would otherwise stay in Maven's JVM, and the YAML file the user edits
 *       ({@code configs/rate_limits.yaml}) unless {@code ratelimit.config.file} or {@code RATELIMIT_CONFIG_FILE}
 *       names another, so that the policies and any error message come from that file itself;</li>
 *   <li>gives the demo a Redis: the one at {@code REDIS_URL} when set, else one already answering on
 *       127.0.0.1:6379, else a redis-server started here on that port (from the PATH, else the binary
 *       embedded-redis ships) that stops when Maven exits.</li>
 * </ul>
 *
 * @see #main(String[]) the arguments
 */
public final class DemoSetup {

    private static final int PORT = 6379;
    private static final String CONFIG_FILE_PROPERTY = "ratelimit.config.file";

    private DemoSetup() {}

    /**
     * Writes the options and starts the Redis, if needed.
     *
     * @param args the jvm.options file to write, and the demo's YAML file
     */
    public static void main(String[] args) throws IOException {
        writeJvmOptions(Path.of(args[0]), Path.of(args[1]));
        startRedis();
    }

    private static void writeJvmOptions(Path file, Path demoYaml) throws IOException {
        List<String> options = new ArrayList<>();
        System.getProperties().stringPropertyNames().stream()
                .filter(name -> name.startsWith("ratelimit.") || name.contains("/RateLimited/"))
                .sorted()
                .forEach(name -> options.add("-D" + name + "=" + System.getProperty(name)));
        if (System.getProperty(CONFIG_FILE_PROPERTY) == null && System.getenv("RATELIMIT_CONFIG_FILE") == null) {
            options.add("-D" + CONFIG_FILE_PROPERTY + "=" + demoYaml.toAbsolutePath());
        }
        Files.createDirectories(file.getParent());
        Files.write(file, options);
        options.forEach(option -> System.out.println("[demo] Liberty's JVM gets " + option));
    }

    private static void startRedis() throws IOException {
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
