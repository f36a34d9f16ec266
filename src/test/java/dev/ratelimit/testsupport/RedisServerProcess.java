package dev.ratelimit.testsupport;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.RedisProtocol;

/**
 * A redis-server process on 127.0.0.1, without persistence, in a directory of its own under
 * {@code target/redis/} (so that {@code mvn clean} removes whatever a killed run left behind).
 */
public final class RedisServerProcess implements AutoCloseable {

    private static final Duration START_TIMEOUT = Duration.ofSeconds(15);

    /**
     * $0 the executable, $1 the port, $2 the data directory, $3 the pid of the JVM that owns the server,
     * $4 a configuration file or nothing, then further arguments of redis-server. redis-server only takes a
     * configuration file as its first argument.
     */
    private static final String WATCHDOG = """
            executable=$0 port=$1 directory=$2 owner=$3 config=$4
            shift 4
            "$executable" ${config:+"$config"} --port "$port" --bind 127.0.0.1 --save '' --appendonly no \
                --dir "$directory" "$@" &
            redis=$!
            echo $redis > "$directory/redis.pid"
            trap 'kill $redis 2>/dev/null; wait $redis; exit 0' TERM INT
            while kill -0 "$owner" 2>/dev/null && kill -0 $redis 2>/dev/null; do sleep 0.2; done
            kill $redis 2>/dev/null
            wait $redis""";

    private final Process process;
    private final Path directory;
    private final int port;

    private RedisServerProcess(Process process, Path directory, int port) {
        this.process = process;
        this.directory = directory;
        this.port = port;
    }

    /**
     * Starts redis-server under a small shell watchdog that stops it once this JVM is gone, however this
     * JVM ends: build tools do not always run shutdown hooks.
     */
    public static RedisServerProcess start(Path executable, int port) throws IOException {
        return start(executable, port, List.of());
    }

    /**
     * Starts it with further arguments, e.g. {@code --tls-port}; it must still answer PING on {@code port},
     * in plain text, without authentication.
     */
    public static RedisServerProcess start(Path executable, int port, List<String> arguments) throws IOException {
        return launch(executable, port, newDirectory(), "", arguments);
    }

    /**
     * Starts it on a configuration file written with this content into its own directory, followed by further
     * arguments: for a sentinel ({@code --sentinel}), which rewrites its configuration file and refuses to
     * start without a writable one. The command line's {@code --port} and {@code --bind} override the file's.
     */
    public static RedisServerProcess startWithConfiguration(
            Path executable, int port, String configuration, List<String> arguments) throws IOException {
        Path directory = newDirectory();
        Path file = Files.writeString(directory.resolve("redis.conf"), configuration)
                .toAbsolutePath();
        return launch(executable, port, directory, file.toString(), arguments);
    }

    private static Path newDirectory() throws IOException {
        return Files.createTempDirectory(Files.createDirectories(Path.of("target", "redis")), "redis-");
    }

    private static RedisServerProcess launch(
            Path executable, int port, Path directory, String configurationFile, List<String> arguments)
            throws IOException {
        Path log = directory.resolve("redis.log");
        List<String> command = new ArrayList<>(List.of(
                "/bin/sh",
                "-c",
                WATCHDOG,
                executable.toString(),
                Integer.toString(port),
                directory.toString(),
                Long.toString(ProcessHandle.current().pid()),
                configurationFile));
        command.addAll(arguments);
        Process process = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start();
        RedisServerProcess server = new RedisServerProcess(process, directory, port);
        server.awaitPong(log);
        return server;
    }

    public int port() {
        return port;
    }

    /**
     * Sends a signal to redis-server itself, not to its watchdog: KILL to crash it, STOP to freeze it with
     * its connections open, CONT to let it go on.
     */
    public void signal(String signal) throws IOException, InterruptedException {
        String pid = Files.readString(directory.resolve("redis.pid")).trim();
        Process kill = new ProcessBuilder("kill", "-" + signal, pid).inheritIO().start();
        if (!kill.waitFor(5, TimeUnit.SECONDS) || kill.exitValue() != 0) {
            throw new IOException("kill -" + signal + " " + pid + " failed");
        }
    }

    /**
     * A client for a test's own commands to the Redis on 127.0.0.1 at this port, waiting at most
     * {@code timeout} to connect and for each reply. An explicit protocol: Jedis otherwise warns of its RESP3
     * negotiation on every new connection, which polling fixtures open by the hundred.
     */
    public static Jedis adminClient(int port, Duration timeout) {
        int millis = Math.toIntExact(timeout.toMillis());
        return new Jedis(
                "127.0.0.1",
                port,
                DefaultJedisClientConfig.builder()
                        .timeoutMillis(millis)
                        .protocol(RedisProtocol.RESP2)
                        .build());
    }

    public static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    private void awaitPong(Path log) throws IOException {
        Instant deadline = Instant.now().plus(START_TIMEOUT);
        while (Instant.now().isBefore(deadline)) {
            if (!process.isAlive()) {
                String output = Files.readString(log);
                close();
                throw new IOException("redis-server exited at start: " + output);
            }
            if (answersPing(port)) {
                return;
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while waiting for redis-server", e);
            }
        }
        close();
        throw new IOException("redis-server did not answer PING on port " + port + " within " + START_TIMEOUT);
    }

    /** Whether a Redis answers PING on 127.0.0.1 at this port. */
    public static boolean answersPing(int port) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 200);
            socket.setSoTimeout(500);
            OutputStream out = socket.getOutputStream();
            out.write("PING\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = socket.getInputStream();
            byte[] reply = new byte[7];
            int read = in.readNBytes(reply, 0, reply.length);
            return new String(reply, 0, read, StandardCharsets.US_ASCII).startsWith("+PONG");
        } catch (IOException e) {
            return false;
        }
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try (Stream<Path> files = Files.walk(directory)) {
            files.sorted(Comparator.reverseOrder())
                    .forEach(path -> path.toFile().delete());
        } catch (IOException e) {
            // a leftover temp directory is harmless
        }
    }
}
