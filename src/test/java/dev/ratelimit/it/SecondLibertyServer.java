package dev.ratelimit.it;

import dev.ratelimit.testsupport.RedisServerProcess;
import java.io.IOException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.jboss.shrinkwrap.api.exporter.ZipExporter;
import org.jboss.shrinkwrap.api.spec.WebArchive;

/**
 * A second Liberty server beside the integration-test server: made from the same runtime, with the same
 * server.xml, server.env and jvm.options, ports of its own, and a given WAR in its dropins. Start and stop are
 * bounded in time; {@link #close()} stops it, killing its JVM if a stop does not. Public for the HTTP
 * benchmark ({@code dev.ratelimit.bench.HttpEndToEnd}), which runs its WAR the same way.
 */
public final class SecondLibertyServer implements AutoCloseable {

    private static final Duration COMMAND_TIMEOUT = Duration.ofMinutes(2);
    private static final Duration READY_TIMEOUT = Duration.ofMinutes(2);
    private static final List<String> COPIED_CONFIG = List.of("server.xml", "server.env", "jvm.options");

    private final Path wlp;
    private final String name;
    private final int httpPort;

    private SecondLibertyServer(Path wlp, String name, int httpPort) {
        this.wlp = wlp;
        this.name = name;
        this.httpPort = httpPort;
    }

    /**
     * Creates server {@code name} afresh from the integration-test server's configuration, deploys
     * {@code war} to it, starts it and waits until the application answers {@code readyPath}.
     */
    static SecondLibertyServer start(String name, WebArchive war, String readyPath) throws Exception {
        return start(name, war, readyPath, Map.of());
    }

    /**
     * As {@link #start(String, WebArchive, String)}, with these environment variables added to the server's
     * {@code server.env}, the way a container hands settings to Liberty.
     */
    public static SecondLibertyServer start(
            String name, WebArchive war, String readyPath, Map<String, String> environment) throws Exception {
        return launch(name, war, environment, server -> server.awaitReady(war, readyPath));
    }

    /**
     * As {@link #start(String, WebArchive, String, Map)}, waiting for a message in messages.log rather than for the
     * application to answer: for a deployment that is to fail.
     */
    static SecondLibertyServer startUntilLogged(
            String name, WebArchive war, Map<String, String> environment, String message) throws Exception {
        return launch(name, war, environment, server -> server.awaitLogged(message));
    }

    /** What the server is waited for once started. */
    private interface Readiness {
        void await(SecondLibertyServer server) throws Exception;
    }

    private static SecondLibertyServer launch(
            String name, WebArchive war, Map<String, String> environment, Readiness readiness) throws Exception {
        Path itServer = Path.of(System.getProperty("it.server.dir"));
        SecondLibertyServer server = new SecondLibertyServer(
                itServer.getParent().getParent().getParent(), name, RedisServerProcess.freePort());
        server.stopLeftover();
        try {
            server.create(itServer, war, environment);
            server.command("start");
            readiness.await(server);
            return server;
        } catch (Exception | AssertionError e) {
            server.close();
            throw e;
        }
    }

    /** The application's base URL on this server, e.g. {@code http://127.0.0.1:port/ratelimiter-it/}. */
    public URL applicationUrl(WebArchive war) throws IOException {
        return new URL("http://127.0.0.1:" + httpPort + "/" + war.getName().replaceFirst("\\.war$", "") + "/");
    }

    /** What the server logged. */
    Path messagesLog() {
        return serverDir().resolve("logs/messages.log");
    }

    /** What the server wrote to its console, which a server started in the background keeps in a file. */
    Path consoleLog() {
        return serverDir().resolve("logs/console.log");
    }

    /** The server's own base URL, e.g. {@code http://127.0.0.1:port/}. */
    URL serverUrl() throws IOException {
        return new URL("http://127.0.0.1:" + httpPort + "/");
    }

    /**
     * Sends a signal to the server's JVM: STOP to freeze it with its connections open, CONT to let it go on, KILL
     * to crash it (nothing runs in it after: no lease is given back, no stop). After KILL it waits until the JVM
     * is gone; {@link #close()} afterwards finds the server stopped. Returns the JVM's pid.
     */
    long signal(String signal) throws Exception {
        ProcessHandle jvm = runningJvm();
        if (jvm == null || !jvm.isAlive()) {
            throw new IllegalStateException("server " + name + " has no running JVM to signal");
        }
        Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(jvm.pid()))
                .inheritIO()
                .start();
        if (!kill.waitFor(5, TimeUnit.SECONDS) || kill.exitValue() != 0) {
            throw new IllegalStateException("kill -" + signal + " " + jvm.pid() + " failed");
        }
        if (signal.equals("KILL")) {
            jvm.onExit().get(30, TimeUnit.SECONDS);
        }
        return jvm.pid();
    }

    @Override
    public void close() throws Exception {
        ProcessHandle jvm = runningJvm();
        try {
            command("stop");
        } finally {
            if (jvm != null && jvm.isAlive()) {
                jvm.destroyForcibly();
                jvm.onExit().get(30, TimeUnit.SECONDS);
            }
        }
    }

    private Path serverDir() {
        return wlp.resolve("usr/servers").resolve(name);
    }

    /** A run that was killed can leave this server running: stop it before making it again. */
    private void stopLeftover() throws Exception {
        if (Files.exists(serverDir())) {
            close();
            try (Stream<Path> files = Files.walk(serverDir())) {
                for (Path file : files.sorted(Comparator.reverseOrder()).toList()) {
                    Files.delete(file);
                }
            }
        }
    }

    private void create(Path itServer, WebArchive war, Map<String, String> environment) throws IOException {
        Files.createDirectories(serverDir().resolve("dropins"));
        for (String file : COPIED_CONFIG) {
            if (Files.exists(itServer.resolve(file))) {
                Files.copy(itServer.resolve(file), serverDir().resolve(file));
            }
        }
        StringBuilder variables = new StringBuilder();
        environment.forEach((variable, value) ->
                variables.append('\n').append(variable).append('=').append(value));
        Files.writeString(
                serverDir().resolve("server.env"),
                variables.append('\n').toString(),
                StandardOpenOption.CREATE,
                StandardOpenOption.APPEND);
        Files.writeString(
                serverDir().resolve("bootstrap.properties"),
                String.join(
                        "\n",
                        "http.port=" + httpPort,
                        "https.port=" + RedisServerProcess.freePort(),
                        "http.host=127.0.0.1",
                        ""));
        war.as(ZipExporter.class)
                .exportTo(serverDir().resolve("dropins").resolve(war.getName()).toFile(), true);
    }

    private void awaitReady(WebArchive war, String readyPath) throws Exception {
        URL base = applicationUrl(war);
        long deadline = System.nanoTime() + READY_TIMEOUT.toNanos();
        while (System.nanoTime() - deadline < 0) {
            try {
                if (Http.get(base, readyPath).statusCode() == 200) {
                    return;
                }
            } catch (RuntimeException notYet) {
                // connection refused until the server listens
            }
            TimeUnit.MILLISECONDS.sleep(250);
        }
        throw new IllegalStateException("server " + name + " did not answer " + base + readyPath + " within "
                + READY_TIMEOUT + "; see " + serverDir().resolve("logs/messages.log"));
    }

    private void awaitLogged(String message) throws Exception {
        long deadline = System.nanoTime() + READY_TIMEOUT.toNanos();
        while (System.nanoTime() - deadline < 0) {
            if (Files.exists(messagesLog()) && Files.readString(messagesLog()).contains(message)) {
                return;
            }
            TimeUnit.MILLISECONDS.sleep(250);
        }
        throw new IllegalStateException(
                "server " + name + " did not log " + message + " within " + READY_TIMEOUT + "; see " + messagesLog());
    }

    /** {@code bin/server <action> <name>}, with this JVM's Java, bounded in time. */
    private void command(String action) throws IOException, InterruptedException {
        Path log = wlp.getParent().resolve(name + "-" + action + ".log");
        ProcessBuilder builder = new ProcessBuilder(wlp.resolve("bin/server").toString(), action, name)
                .redirectErrorStream(true)
                .redirectOutput(log.toFile());
        builder.environment().put("JAVA_HOME", System.getProperty("java.home"));
        Process process = builder.start();
        if (!process.waitFor(COMMAND_TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new IllegalStateException("server " + action + " " + name + " took over " + COMMAND_TIMEOUT);
        }
        // stop answers 1 when the server was not running: that is the state stop asks for
        if (process.exitValue() != 0 && !(action.equals("stop") && process.exitValue() == 1)) {
            throw new IllegalStateException("server " + action + " " + name + " failed (" + process.exitValue() + "): "
                    + Files.readString(log));
        }
    }

    /** The server's JVM, from the pid file Liberty writes, if it runs. */
    private ProcessHandle runningJvm() throws IOException {
        Path pidFile = wlp.resolve("usr/servers/.pid").resolve(name + ".pid");
        if (!Files.exists(pidFile)) {
            return null;
        }
        return ProcessHandle.of(Long.parseLong(Files.readString(pidFile).trim()))
                .orElse(null);
    }
}
