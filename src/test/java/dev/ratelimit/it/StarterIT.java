package dev.ratelimit.it;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import dev.ratelimit.testsupport.RedisFixture;
import dev.ratelimit.testsupport.RedisServerProcess;
import dev.ratelimit.testsupport.TcpProxy;
import java.io.IOException;
import java.net.URI;
import java.net.URL;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarFile;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;

/**
 * The starter application of {@code examples/starter}, built and run as a user would: a copy of it under
 * {@code target/} is built by the project's Maven wrapper against the library as this build installed it (in
 * {@code it.repository}, everything else from the user's local repository behind it), then run on its own Liberty
 * server with free ports: its policy limits, and Jedis' logging reaches Liberty's log through the starter's SLF4J
 * binding. Every Maven run is bounded in time, its output kept in {@code target/starter-it-<step>.log}, and the
 * server is stopped whatever happens.
 */
class StarterIT {

    private static final Duration MAVEN_TIMEOUT = Duration.ofMinutes(5);
    private static final Duration APPLICATION_START_TIMEOUT = Duration.ofMinutes(2);
    private static final Duration LOG_TIMEOUT = Duration.ofSeconds(30);
    private static final String SERVER = "starterServer";
    private static final String CONTEXT_ROOT = "ratelimit-starter";
    /** A line Liberty wrote for a logger of Jedis: {@code [time] thread id=... redis.clients.jedis.X level ...}. */
    private static final Pattern JEDIS_LOG_LINE =
            Pattern.compile("^\\[[^\\]]+\\] \\S+ (id=\\S+ )?redis\\.clients\\.jedis\\.\\S+ .*");
    /** Test, container and benchmark libraries, none of which a user's WAR may get from the library. */
    private static final List<String> FOREIGN_GROUPS = List.of(
            "io.openliberty",
            "org.jboss.arquillian",
            "org.jboss.shrinkwrap",
            "org.junit",
            "org.testcontainers",
            "redis.embedded",
            "com.github.codemonstur",
            "org.openjdk.jmh",
            "org.redisson",
            "org.assertj",
            "org.hdrhistogram",
            "com.tngtech.archunit",
            "org.jboss.weld");

    private static final Path BASEDIR = Path.of(System.getProperty("user.dir"));
    private static final Path TARGET = BASEDIR.resolve("target");
    private static final Path COPY = TARGET.resolve("starter-it");
    private static final Path SERVER_DIR =
            COPY.resolve("target/liberty/wlp/usr/servers").resolve(SERVER);
    private static final Path PID_FILE = COPY.resolve("target/liberty/wlp/usr/servers/.pid/" + SERVER + ".pid");

    private static TcpProxy redis;

    @BeforeAll
    static void copyTheStarter() throws Exception {
        killLeftoverServer();
        deleteTree(COPY);
        Path starter = BASEDIR.resolve("examples/starter");
        try (Stream<Path> files = Files.walk(starter)) {
            for (Path file : files.sorted().toList()) {
                Path relative = starter.relativize(file);
                if (relative.startsWith("target")) {
                    continue; // a build made by hand in examples/starter
                }
                if (Files.isDirectory(file)) {
                    Files.createDirectories(COPY.resolve(relative.toString()));
                } else {
                    Files.copy(file, COPY.resolve(relative.toString()));
                }
            }
        }
        URI url = RedisFixture.shared().url();
        redis = TcpProxy.start(url.getHost(), url.getPort());
        Path serverEnv = COPY.resolve("src/main/liberty/config/server.env");
        String env = Files.readString(serverEnv, UTF_8);
        assertThat(env).as("the starter's server.env names its Redis").containsPattern("(?m)^RATELIMIT_REDIS_URL=");
        Files.writeString(
                serverEnv,
                env.replaceAll("(?m)^RATELIMIT_REDIS_URL=.*$", "RATELIMIT_REDIS_URL=redis://127.0.0.1:" + redis.port()),
                UTF_8);
    }

    @AfterAll
    static void closeProxy() throws IOException {
        if (redis != null) {
            redis.close();
        }
    }

    @Test
    @Timeout(value = 10, unit = TimeUnit.MINUTES)
    void theStarterGetsTheLibraryWithWhatItBringsAndNothingOfTheDemoOrTheTests() throws Exception {
        Path list = TARGET.resolve("starter-it-dependencies.txt");
        maven(
                "dependency-list",
                "org.apache.maven.plugins:maven-dependency-plugin:3.8.1:list",
                "-DoutputFile=" + list,
                "-DoutputAbsoluteArtifactFilename=true");
        List<Dependency> dependencies = Files.readAllLines(list, UTF_8).stream()
                .map(Dependency::parse)
                .flatMap(Optional::stream)
                .toList();
        System.out.println("StarterIT: the starter's dependencies:\n" + Files.readString(list, UTF_8));

        List<Dependency> ours = dependencies.stream()
                .filter(d -> d.groupId().equals("dev.ratelimit"))
                .toList();
        assertThat(ours).as("one artifact of the project's").hasSize(1);
        Dependency library = ours.get(0);
        assertThat(library.artifactId()).isEqualTo("ratelimiter");
        assertThat(library.type()).isEqualTo("jar");
        assertThat(library.classifier())
                .as("the library is the project's artifact")
                .isEmpty();
        assertThat(library.version()).isEqualTo(System.getProperty("it.project.version"));
        assertThat(library.scope()).isEqualTo("compile");
        assertThat(library.file())
                .as("the library as this build installed it")
                .startsWith(Path.of(System.getProperty("it.repository")).toAbsolutePath());

        assertThat(dependencies)
                .filteredOn(d -> d.scope().equals("compile"))
                .extracting(Dependency::coordinates)
                .contains(
                        "redis.clients:jedis",
                        "org.snakeyaml:snakeyaml-engine",
                        "io.github.resilience4j:resilience4j-circuitbreaker",
                        "com.bucket4j:bucket4j_jdk17-core",
                        "com.github.ben-manes.caffeine:caffeine");
        assertThat(dependencies)
                .filteredOn(d -> d.scope().equals("runtime"))
                .extracting(Dependency::coordinates)
                .contains("org.slf4j:slf4j-jdk14");

        List<Dependency> packaged = dependencies.stream()
                .filter(d -> d.scope().equals("compile") || d.scope().equals("runtime"))
                .toList();
        assertThat(packaged)
                .as("nothing of the demo WAR")
                .noneMatch(d -> d.type().equals("war"))
                .noneMatch(d -> d.groupId().equals("dev.ratelimit") && !d.type().equals("jar"));
        assertThat(packaged)
                .as("nothing of Liberty, Arquillian, the tests or the benchmarks")
                .noneMatch(d -> FOREIGN_GROUPS.stream()
                        .anyMatch(group ->
                                d.groupId().equals(group) || d.groupId().startsWith(group + ".")))
                .noneMatch(d -> d.coordinates().equals("com.bucket4j:bucket4j_jdk17-jedis"))
                .noneMatch(d -> d.coordinates().equals("com.bucket4j:bucket4j_jdk17-redis-common"));
    }

    @Test
    @Timeout(value = 15, unit = TimeUnit.MINUTES)
    void theStarterRunsOnLibertyLimitsItsPolicyAndLogsJedisThroughSlf4j() throws Exception {
        int httpPort = RedisServerProcess.freePort();
        try {
            maven(
                    "start",
                    "package",
                    "liberty:create",
                    "liberty:install-feature",
                    "liberty:deploy",
                    "liberty:start",
                    // the WAR a user deploys, not a loose application
                    "-DlooseApplication=false",
                    "-DserverStartTimeout=120",
                    "-Dliberty.bootstrap.http.port=" + httpPort,
                    "-Dliberty.bootstrap.https.port=" + RedisServerProcess.freePort(),
                    "-Dliberty.bootstrap.http.host=127.0.0.1",
                    // Jedis logs its connection failures at debug, which slf4j-jdk14 hands to JUL as FINE
                    "-Dliberty.bootstrap.com.ibm.ws.logging.trace.specification=*=info:redis.clients.jedis.*=fine");
            awaitApplicationStarted();
            assertTheWarCarriesTheLibraryAndTheBinding();

            URL base = new URL("http://127.0.0.1:" + httpPort + "/" + CONTEXT_ROOT + "/");
            long capacity = greetCapacity();
            String client = "starter-" + UUID.randomUUID();
            for (long call = 1; call <= capacity; call++) {
                HttpResponse<String> allowed = Http.get(base, "api/greet", Http.CLIENT_ID, client);
                assertThat(allowed.statusCode())
                        .as("call %d of %d", call, capacity)
                        .isEqualTo(200);
                assertThat(allowed.headers().firstValue("RateLimit-Policy"))
                        .get()
                        .asString()
                        .startsWith("\"greet\";q=" + capacity + ";");
            }
            HttpResponse<String> refused = Http.get(base, "api/greet", Http.CLIENT_ID, client);
            assertThat(refused.statusCode()).as("call %d", capacity + 1).isEqualTo(429);
            assertThat(refused.headers().firstValue("Retry-After"))
                    .get()
                    .asString()
                    .matches("[1-9][0-9]*");
            assertThat(refused.headers().firstValue("RateLimit-Policy"))
                    .get()
                    .asString()
                    .startsWith("\"greet\";");

            URL server = new URL("http://127.0.0.1:" + httpPort + "/");
            assertThat(Http.get(server, "health/ready").statusCode())
                    .as("readiness, with Redis up, from the features alone")
                    .isEqualTo(200);
            assertThat(Http.applicationMetrics(server))
                    .as("the limiter's metrics over plain HTTP, from the features alone")
                    .containsPattern("(?m)^ratelimit_decisions_total\\{[^}]*policy=\"greet\"");

            redis.mode(TcpProxy.Mode.REFUSE);
            String jedisLine = awaitJedisLogLine(base);
            System.out.println("StarterIT: Jedis logged through SLF4J: " + jedisLine);
            for (String log : List.of("console.log", "messages.log")) {
                assertThat(Files.readAllLines(SERVER_DIR.resolve("logs").resolve(log), UTF_8))
                        .as("SLF4J found its binding (%s)", log)
                        .noneMatch(line -> line.contains("SLF4J:"));
            }
        } finally {
            stopServer();
        }
    }

    /** Waits until Liberty says the application started; fails at once when it says it did not. */
    private static void awaitApplicationStarted() throws IOException, InterruptedException {
        Path messages = SERVER_DIR.resolve("logs/messages.log");
        long deadline = System.nanoTime() + APPLICATION_START_TIMEOUT.toNanos();
        while (System.nanoTime() - deadline < 0) {
            String log = Files.exists(messages) ? Files.readString(messages, UTF_8) : "";
            assertThat(log).as("the starter deployed").doesNotContain("CWWKZ0002E");
            if (log.contains("CWWKZ0001I: Application " + CONTEXT_ROOT + " started")) {
                return;
            }
            TimeUnit.MILLISECONDS.sleep(250);
        }
        throw new AssertionError("the starter did not start within " + APPLICATION_START_TIMEOUT + "; see " + messages);
    }

    private static void assertTheWarCarriesTheLibraryAndTheBinding() throws IOException {
        try (JarFile war =
                new JarFile(COPY.resolve("target/" + CONTEXT_ROOT + ".war").toFile())) {
            Set<String> libraries = war.stream()
                    .map(ZipEntry::getName)
                    .filter(name -> name.startsWith("WEB-INF/lib/") && name.endsWith(".jar"))
                    .map(name -> name.substring("WEB-INF/lib/".length()))
                    .collect(Collectors.toCollection(TreeSet::new));
            assertThat(libraries)
                    .contains(
                            "ratelimiter-" + System.getProperty("it.project.version") + ".jar",
                            "slf4j-jdk14-1.7.36.jar",
                            "slf4j-api-1.7.36.jar")
                    .anyMatch(name -> name.startsWith("jedis-"))
                    .as("Liberty provides the Jakarta EE APIs")
                    .noneMatch(name -> name.startsWith("jakarta."));
        }
    }

    /** The capacity of policy greet in the starter's rate_limits.yaml. */
    private static long greetCapacity() throws IOException {
        Object yaml = new Load(LoadSettings.builder().build())
                .loadFromString(Files.readString(COPY.resolve("src/main/resources/rate_limits.yaml"), UTF_8));
        Object capacity = ((Map<?, ?>) ((Map<?, ?>) ((Map<?, ?>) ((Map<?, ?>) yaml).get("ratelimit")).get("policies"))
                        .get("greet"))
                .get("capacity");
        return ((Number) capacity).longValue();
    }

    /**
     * With Redis refusing connections, calls until Jedis logs that it could not make one (at debug: in trace.log,
     * through the SLF4J binding) and returns that line. The first call may meet a connection dropped under the
     * pool, the next one has Jedis open a new one.
     */
    private static String awaitJedisLogLine(URL base) throws IOException, InterruptedException {
        Path trace = SERVER_DIR.resolve("logs/trace.log");
        String client = "starter-refused-" + UUID.randomUUID();
        long deadline = System.nanoTime() + LOG_TIMEOUT.toNanos();
        for (int call = 0; System.nanoTime() - deadline < 0; call++) {
            if (call < 3) {
                assertThat(Http.get(base, "api/greet", Http.CLIENT_ID, client).statusCode())
                        .as("failure-mode open, the default, lets a call through while Redis is down")
                        .isEqualTo(200);
            }
            if (Files.exists(trace)) {
                Optional<String> line = Files.readAllLines(trace, UTF_8).stream()
                        .filter(JEDIS_LOG_LINE.asPredicate())
                        .findFirst();
                if (line.isPresent()) {
                    return line.get();
                }
            }
            TimeUnit.MILLISECONDS.sleep(500);
        }
        throw new AssertionError("no line of a redis.clients.jedis logger in " + trace + " within " + LOG_TIMEOUT);
    }

    /** liberty:stop, bounded in time; the server's JVM is killed if it still runs after. */
    private static void stopServer() throws Exception {
        try {
            maven("stop", "liberty:stop");
        } finally {
            killLeftoverServer();
        }
    }

    /** Kills the starter's server JVM if one runs, from the pid file Liberty writes (a killed run leaves it). */
    private static void killLeftoverServer() throws Exception {
        if (!Files.exists(PID_FILE)) {
            return;
        }
        Optional<ProcessHandle> jvm = ProcessHandle.of(
                Long.parseLong(Files.readString(PID_FILE, UTF_8).trim()));
        if (jvm.isPresent() && jvm.get().isAlive()) {
            jvm.get().destroyForcibly();
            jvm.get().onExit().get(30, TimeUnit.SECONDS);
        }
    }

    /**
     * The project's Maven wrapper on the copy, with the library from {@code it.repository} and everything else
     * from the user's local repository; offline when this build is. Its output goes to
     * {@code target/starter-it-<step>.log}; on a timeout the run and its children are killed.
     */
    private static void maven(String step, String... goalsAndOptions) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(
                BASEDIR.resolve("mvnw").toString(),
                "-B",
                "-f",
                COPY.resolve("pom.xml").toString(),
                "-Dmaven.repo.local=" + System.getProperty("it.repository"),
                "-Dmaven.repo.local.tail=" + System.getProperty("it.repository.tail"),
                "-Dratelimiter.version=" + System.getProperty("it.project.version")));
        if ("offline=true".equals(System.getProperty("it.maven.mode"))) {
            command.add("-o");
        }
        command.addAll(List.of(goalsAndOptions));
        Path log = TARGET.resolve("starter-it-" + step + ".log");
        ProcessBuilder builder = new ProcessBuilder(command)
                .directory(COPY.toFile())
                .redirectErrorStream(true)
                .redirectOutput(log.toFile());
        builder.environment().put("JAVA_HOME", System.getProperty("java.home"));
        Process process = builder.start();
        if (!process.waitFor(MAVEN_TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly();
            process.waitFor(30, TimeUnit.SECONDS);
            throw new AssertionError("Maven (" + step + ") took over " + MAVEN_TIMEOUT + "; see " + log);
        }
        assertThat(process.exitValue())
                .as("Maven (%s) succeeded; see %s", step, log)
                .isZero();
    }

    private static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> files = Files.walk(root)) {
            for (Path file : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(file);
            }
        }
    }

    /** A line of {@code dependency:list}: {@code group:artifact:type[:classifier]:version:scope:/path}. */
    record Dependency(
            String groupId,
            String artifactId,
            String type,
            String classifier,
            String version,
            String scope,
            Path file) {

        static Optional<Dependency> parse(String line) {
            String text = line.strip().replace(" (optional)", "");
            int module = text.indexOf(" -- ");
            if (module >= 0) {
                text = text.substring(0, module);
            }
            String[] parts = text.split(":", -1);
            if (parts.length < 6 || !parts[parts.length - 1].startsWith("/")) {
                return Optional.empty(); // a heading or a blank line
            }
            boolean classified = parts.length == 7;
            return Optional.of(new Dependency(
                    parts[0],
                    parts[1],
                    parts[2],
                    classified ? parts[3] : "",
                    parts[classified ? 4 : 3],
                    parts[classified ? 5 : 4],
                    Path.of(parts[parts.length - 1])));
        }

        String coordinates() {
            return groupId + ":" + artifactId;
        }
    }
}
