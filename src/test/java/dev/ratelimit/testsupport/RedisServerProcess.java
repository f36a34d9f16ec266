package dev.ratelimit.testsupport;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A redis-server process on 127.0.0.1, without persistence, in a directory of its own under
 * {@code target/redis/} (so that {@code mvn clean} removes whatever a killed run left behind).
 */
public final class RedisServerProcess implements AutoCloseable {

    private static final Duration START_TIMEOUT = Duration.ofSeconds(15);

    /** $0 the executable, $1 the port, $2 the data directory, $3 the pid of the JVM that owns the server. */
    private static final String WATCHDOG = String.join("\n",
            "\"$0\" --port \"$1\" --bind 127.0.0.1 --save '' --appendonly no --dir \"$2\" &",
            "redis=$!",
            "echo $redis > \"$2/redis.pid\"",
            "trap 'kill $redis 2>/dev/null; wait $redis; exit 0' TERM INT",
            "while kill -0 \"$3\" 2>/dev/null && kill -0 $redis 2>/dev/null; do sleep 0.2; done",
            "kill $redis 2>/dev/null",
            "wait $redis");

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
        Path directory = Files.createTempDirectory(Files.createDirectories(Path.of("target", "redis")), "redis-");
        Path log = directory.resolve("redis.log");
        Process process = new ProcessBuilder("/bin/sh", "-c", WATCHDOG, executable.toString(),
                Integer.toString(port), directory.toString(), Long.toString(ProcessHandle.current().pid()))
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

    /** Freezes redis-server (SIGSTOP): a Redis that hangs with its connections open, until {@link #resume()}. */
    public void pause() throws IOException, InterruptedException {
        signal("STOP");
    }

    /** Lets a paused redis-server go on (SIGCONT). */
    public void resume() throws IOException, InterruptedException {
        signal("CONT");
    }

    private void signal(String signal) throws IOException, InterruptedException {
        String pid = Files.readString(directory.resolve("redis.pid")).trim();
        Process kill = new ProcessBuilder("kill", "-" + signal, pid).inheritIO().start();
        if (!kill.waitFor(10, TimeUnit.SECONDS) || kill.exitValue() != 0) {
            throw new IOException("kill -" + signal + " " + pid + " failed");
        }
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
            socket.connect(new InetSocketAddress("127.0.0.1", port), 200);
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
            files.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
        } catch (IOException e) {
            // a leftover temp directory is harmless
        }
    }
}
