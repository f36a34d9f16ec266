package dev.ratelimit.bench;

import dev.ratelimit.it.SecondLibertyServer;
import dev.ratelimit.testsupport.RedisFixture;
import dev.ratelimit.testsupport.RedisServerProcess;
import dev.ratelimit.testsupport.RedisStats;
import java.io.File;
import java.io.IOException;
import java.net.URI;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jboss.shrinkwrap.api.ShrinkWrap;
import org.jboss.shrinkwrap.api.importer.ZipImporter;
import org.jboss.shrinkwrap.api.spec.WebArchive;
import redis.clients.jedis.Jedis;

/**
 * What {@code @RateLimited} adds to a JAX-RS call end to end over HTTP: requests/s and latency (p50, p99) of
 * the same endpoint with and without it, and with it under a leasing policy ({@link EndToEndResource}), on a
 * running Liberty, driven by
 * <a href="https://github.com/wg/wrk">wrk</a> on the loopback at 16 and 64 connections, each sending its next
 * request as soon as the last is answered, and then at 16 connections each pausing 4 ms between requests.
 *
 * <p>It starts its own redis-server on a free port and a Liberty server of its own (from the runtime the build
 * installs, as {@link SecondLibertyServer}) running the built WAR plus {@link EndToEndResource}. The policy is set
 * only in that server's {@code server.env}: a bucket of 10^9 tokens refilled 10^9 per second, which never runs out,
 * so every limited call is a real Redis decision that is allowed (200); it fails closed, so a call Redis did not
 * decide shows as a non-2xx (503) instead of passing silently. The leased endpoint's policy is the same bucket with
 * {@code lease=}{@value #LEASE} (and the default {@code lease-share} of a tenth, 10^8 tokens): its calls are
 * admitted from the instance's lease, and Redis is asked about once per lease. Each configuration gets a warm-up
 * run (four times as long for the first, while the JIT compiles Liberty's request path), then {@code rounds}
 * measured runs in which the endpoints take turns, in reverse order every other round (plain, limited, many ids;
 * many ids, limited, plain; ...), so that a drift of the shared host falls on all alike. wrk, Liberty and Redis
 * share this machine's cores: the figures are this whole stack on one host, not the limiter alone. Without pauses
 * wrk keeps every connection busy (a closed loop), so once the cores are saturated a call's latency is about
 * connections / requests/s: the added latency then mirrors the requests/s ratio, the limiter's CPU cost rather than
 * its wait. With the pauses (wrk's {@code delay()}, about 3,000 requests/s in all) the cores keep some idle time,
 * and the added latency is what one request waits for its decision.
 *
 * <p>Arguments (all optional): {@code secondsPerRun rounds warmupSeconds}, default 15, 2 and 5 (about 8 minutes
 * of load). Run, wrk installed ({@code apt-get install wrk}), from a fresh clone:
 * {@code ./mvnw -Pbench package liberty:create@integration-test-server exec:exec@http}
 * (with {@code -Dhttp.args="3 1 2"} for a smoke run). {@code package} builds the WAR; {@code liberty:create}
 * installs the Liberty runtime and the integration-test server whose configuration this server copies.
 *
 * <p>Columns: <b>Endpoint</b> {@code plain} (no {@code @RateLimited}), {@code limited} (one client id, one bucket),
 * {@code limited, many ids} ({@value #MANY_CLIENT_IDS} client ids in turn, one bucket each, sent by a wrk Lua script,
 * which costs wrk a little CPU of its own), {@code leased} (one client id, the leasing policy); <b>Requests/s</b> over
 * all measured runs; <b>p50, p99</b> wrk's latency percentiles, the mean over the rounds; <b>Non-2xx</b> and <b>Socket
 * errors</b> summed (both should be 0); <b>Redis calls/request</b> the scripts Redis ran (INFO commandstats) per
 * request wrk counted: about 1 for a limited endpoint, 0 for plain, near 0 for leased; <b>Added p50, Added p99</b>
 * limited minus plain at the same connections; <b>Requests/s vs plain</b> limited over plain.
 */
public final class HttpEndToEnd {

    /** Every connection busy (a closed loop, the cores saturated), and then 16 connections well below that. */
    private static final List<Load> LOADS = List.of(new Load(16, 0), new Load(64, 0), new Load(16, 4));

    private static final int WRK_THREADS = 2;
    private static final Duration WRK_GRACE = Duration.ofSeconds(30);
    private static final String CLIENT_ID_HEADER = "X-Client-Id";
    private static final int MANY_CLIENT_IDS = 10_000;
    private static final int TARGET_CONNECTIONS = 16;
    private static final double TARGET_ADDED_P50_MS = 0.3;
    /** The leased endpoint's target: calls admitted from memory should add next to nothing. */
    private static final double TARGET_LEASED_ADDED_P50_MS = 0.05;

    private static final String LEASE = "200ms";
    /**
     * The first load's warm-up is this many times longer: Liberty's request path is still being compiled then,
     * and a 5 s warm-up left the first measured runs below what the same load gives later.
     */
    private static final int FIRST_WARMUP_FACTOR = 4;

    /** wrk's {@code --latency} percentile lines, e.g. {@code "     50%    1.52ms"}. */
    private static final Pattern PERCENTILE = Pattern.compile("(?m)^\\s*(50|99)%\\s+([\\d.]+)(us|ms|s|m|h)\\s*$");

    private static final Pattern REQUESTS = Pattern.compile("(?m)^\\s*(\\d+) requests in ([\\d.]+)(us|ms|s|m|h)");
    private static final Pattern NON_2XX = Pattern.compile("Non-2xx or 3xx responses: (\\d+)");
    private static final Pattern SOCKET_ERRORS =
            Pattern.compile("Socket errors: connect (\\d+), read (\\d+), write (\\d+), timeout (\\d+)");
    /** Each request names the next id; both wrk threads walk the same ones, harmless on buckets that never run out. */
    private static final String MANY_IDS_SCRIPT = String.join(
            "\n",
            "local requests = {}",
            "local nextRequest = 1",
            "function init(args)",
            "  for i = 1, " + MANY_CLIENT_IDS + " do",
            "    requests[i] = wrk.format(nil, nil, { [\"" + CLIENT_ID_HEADER + "\"] = \"client-\" .. i })",
            "  end",
            "end",
            "function request()",
            "  local next = requests[nextRequest]",
            "  nextRequest = nextRequest % " + MANY_CLIENT_IDS + " + 1",
            "  return next",
            "end",
            "");

    private enum Endpoint {
        PLAIN("plain", "api/bench/plain"),
        LIMITED("limited", "api/bench/limited"),
        LIMITED_MANY_IDS("limited, many ids", "api/bench/limited"),
        LEASED("leased", "api/bench/leased");

        final String label;
        final String path;

        Endpoint(String label, String path) {
            this.label = label;
            this.path = path;
        }
    }

    /**
     * @param connections wrk's connections
     * @param pauseMillis how long each connection waits after a response before its next request (wrk's
     *                    {@code delay()}); 0 for none
     */
    private record Load(int connections, int pauseMillis) {

        String label() {
            return pauseMillis == 0 ? connections + "" : connections + ", " + pauseMillis + " ms apart";
        }

        /** The wrk script that sends the endpoint's requests at this load, or null for wrk's plain request. */
        String script(Endpoint endpoint) {
            String pause = pauseMillis == 0 ? "" : "function delay()\n  return " + pauseMillis + "\nend\n";
            String script = (endpoint == Endpoint.LIMITED_MANY_IDS ? MANY_IDS_SCRIPT : "") + pause;
            return script.isEmpty() ? null : script;
        }
    }

    private record Run(
            long requests,
            double seconds,
            double p50Ms,
            double p99Ms,
            long non2xx,
            long socketErrors,
            long redisCalls) {}

    private HttpEndToEnd() {}

    public static void main(String[] args) throws Exception {
        int secondsPerRun = args.length > 0 ? Integer.parseInt(args[0]) : 15;
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 2;
        int warmupSeconds = args.length > 2 ? Integer.parseInt(args[2]) : 5;
        Path wrk = onPath("wrk");
        if (wrk == null) {
            System.err.println("wrk is not on the PATH: install it (Debian/Ubuntu: apt-get install wrk), then rerun.");
            System.exit(2);
        }
        WebArchive war = ShrinkWrap.create(ZipImporter.class, "ratelimiter-bench.war")
                .importFrom(builtWar())
                .as(WebArchive.class)
                .addClass(EndToEndResource.class);
        try (RedisServerProcess redis =
                        RedisServerProcess.start(RedisFixture.localRedisServer(), RedisServerProcess.freePort());
                Jedis redisAdmin = RedisServerProcess.adminClient(redis.port(), Duration.ofSeconds(5))) {
            Map<String, String> environment = new LinkedHashMap<>();
            environment.put("RATELIMIT_REDIS_URL", "redis://127.0.0.1:" + redis.port());
            environment.put("RATELIMIT_REDIS_KEY_PREFIX", "bench-" + UUID.randomUUID() + ":");
            for (String policy : List.of(EndToEndResource.POLICY, EndToEndResource.LEASED_POLICY)) {
                String policyVariable = "RATELIMIT_POLICIES_" + policy.toUpperCase(Locale.ROOT) + "_";
                environment.put(policyVariable + "CAPACITY", "1000000000");
                environment.put(policyVariable + "REFILL_TOKENS", "1000000000");
                environment.put(policyVariable + "REFILL_PERIOD", "1s");
                environment.put(policyVariable + "FAILURE_MODE", "closed");
            }
            environment.put(
                    "RATELIMIT_POLICIES_" + EndToEndResource.LEASED_POLICY.toUpperCase(Locale.ROOT) + "_LEASE", LEASE);
            SecondLibertyServer liberty =
                    SecondLibertyServer.start("bench-http", war, Endpoint.PLAIN.path, Map.copyOf(environment));
            // Ctrl-C in Maven ends this JVM through its shutdown hooks only; Liberty runs detached and would stay up.
            Thread stopLibertyOnExit = new Thread(() -> stopQuietly(liberty), "stop-liberty");
            Runtime.getRuntime().addShutdownHook(stopLibertyOnExit);
            try {
                URL base = liberty.applicationUrl(war);
                checkTheLimiterDecides(base, Endpoint.LIMITED);
                checkTheLimiterDecides(base, Endpoint.LEASED);
                System.out.printf(
                        "# wrk -t%d --latency on %s, redis-server on 127.0.0.1:%d, %d cores, Java %s; "
                                + "%d s per run, %d round(s), %d s warm-up (%d s for the first load)%n",
                        WRK_THREADS,
                        base,
                        redis.port(),
                        Runtime.getRuntime().availableProcessors(),
                        Runtime.version(),
                        secondsPerRun,
                        rounds,
                        warmupSeconds,
                        FIRST_WARMUP_FACTOR * warmupSeconds);
                System.out.println("| Connections | Endpoint | Requests/s | p50 | p99 | Non-2xx | Socket errors "
                        + "| Redis calls/request | Added p50 | Added p99 | Requests/s vs plain |");
                System.out.println("|---|---|---|---|---|---|---|---|---|---|---|");
                Map<Load, Double> addedP50 = new LinkedHashMap<>();
                Map<Load, Double> leasedAddedP50 = new LinkedHashMap<>();
                for (Load load : LOADS) {
                    int warmup = load.equals(LOADS.get(0)) ? FIRST_WARMUP_FACTOR * warmupSeconds : warmupSeconds;
                    for (Endpoint endpoint : Endpoint.values()) {
                        runWrk(wrk, base, endpoint, load, warmup, redisAdmin);
                    }
                    Map<Endpoint, List<Run>> runs = new EnumMap<>(Endpoint.class);
                    for (int round = 0; round < rounds; round++) {
                        List<Endpoint> order = new ArrayList<>(List.of(Endpoint.values()));
                        if (round % 2 == 1) {
                            Collections.reverse(order);
                        }
                        for (Endpoint endpoint : order) {
                            runs.computeIfAbsent(endpoint, e -> new ArrayList<>())
                                    .add(runWrk(wrk, base, endpoint, load, secondsPerRun, redisAdmin));
                        }
                    }
                    Run plain = combined(runs.get(Endpoint.PLAIN));
                    for (Endpoint endpoint : Endpoint.values()) {
                        Run run = combined(runs.get(endpoint));
                        System.out.println(row(load, endpoint, run, plain));
                        if (endpoint == Endpoint.LIMITED && load.connections() == TARGET_CONNECTIONS) {
                            addedP50.put(load, run.p50Ms() - plain.p50Ms());
                        }
                        if (endpoint == Endpoint.LEASED && load.connections() == TARGET_CONNECTIONS) {
                            leasedAddedP50.put(load, run.p50Ms() - plain.p50Ms());
                        }
                    }
                }
                System.out.printf(
                        "%nTarget: @RateLimited adds at most %.2f ms at p50 at %d connections (one client " + "id):%n",
                        TARGET_ADDED_P50_MS, TARGET_CONNECTIONS);
                addedP50.forEach((load, added) -> System.out.printf(
                        "- %s: %.2f ms, %s%n", load.label(), added, added <= TARGET_ADDED_P50_MS ? "met" : "missed"));
                System.out.printf(
                        "Target: a leasing policy (lease %s) adds at most %.2f ms at p50 at %d connections:%n",
                        LEASE, TARGET_LEASED_ADDED_P50_MS, TARGET_CONNECTIONS);
                leasedAddedP50.forEach((load, added) -> System.out.printf(
                        "- %s: %.3f ms, %s%n",
                        load.label(), added, added <= TARGET_LEASED_ADDED_P50_MS ? "met" : "missed"));
            } finally {
                Runtime.getRuntime().removeShutdownHook(stopLibertyOnExit);
                liberty.close();
            }
        }
    }

    private static File builtWar() {
        String war = System.getProperty("it.war");
        if (war == null
                || !new File(war).isFile()
                || System.getProperty("it.server.dir") == null
                || !Files.isDirectory(Path.of(System.getProperty("it.server.dir")))) {
            throw new IllegalStateException("no built WAR (" + war + ") or Liberty integration-test server ("
                    + System.getProperty("it.server.dir") + "): run ./mvnw -Pbench package "
                    + "liberty:create@integration-test-server exec:exec@http");
        }
        return new File(war);
    }

    /**
     * Fails unless the endpoint is really decided: a call without client id is refused (400, which only the
     * interceptor answers) and one with it carries the policy's headers, which only a decision writes.
     */
    private static void checkTheLimiterDecides(URL base, Endpoint endpoint) throws IOException, InterruptedException {
        HttpClient client =
                HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        URI limited = URI.create(base.toString()).resolve(endpoint.path);
        HttpResponse<String> anonymous = client.send(
                HttpRequest.newBuilder(limited).timeout(Duration.ofSeconds(30)).build(),
                HttpResponse.BodyHandlers.ofString());
        HttpResponse<String> identified = client.send(
                HttpRequest.newBuilder(limited)
                        .timeout(Duration.ofSeconds(30))
                        .header(CLIENT_ID_HEADER, "check")
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        if (anonymous.statusCode() != 400
                || identified.statusCode() != 200
                || identified.headers().firstValue("RateLimit-Policy").isEmpty()) {
            throw new IllegalStateException("the limiter does not decide " + limited + ": without client id "
                    + anonymous.statusCode() + ", with one " + identified.statusCode() + " "
                    + identified.headers().map());
        }
    }

    private static Run runWrk(Path wrk, URL base, Endpoint endpoint, Load load, int seconds, Jedis redisAdmin)
            throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(
                wrk.toString(), "-t" + WRK_THREADS, "-c" + load.connections(), "-d" + seconds + "s", "--latency"));
        String script = load.script(endpoint);
        Path scriptFile = script == null ? null : Files.writeString(Files.createTempFile("wrk", ".lua"), script);
        try {
            if (scriptFile != null) {
                command.addAll(List.of("-s", scriptFile.toString()));
            }
            if (endpoint != Endpoint.LIMITED_MANY_IDS) {
                command.addAll(List.of("-H", CLIENT_ID_HEADER + ": bench"));
            }
            command.add(URI.create(base.toString()).resolve(endpoint.path).toString());
            long scriptsBefore = RedisStats.scriptsRun(redisAdmin);
            Process process =
                    new ProcessBuilder(command).redirectErrorStream(true).start();
            // wrk prints its report at the end only: read it after exit, with the wait bounded
            if (!process.waitFor(seconds + WRK_GRACE.toSeconds(), TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new IllegalStateException("wrk did not end within " + WRK_GRACE + " of its duration: " + command);
            }
            String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            // wrk reports a script it cannot load and goes on without it: the load would not be the one named
            if (process.exitValue() != 0 || (scriptFile != null && output.contains(scriptFile.toString()))) {
                throw new IllegalStateException("wrk failed (" + process.exitValue() + "): " + command + "\n" + output);
            }
            return parse(output, RedisStats.scriptsRun(redisAdmin) - scriptsBefore);
        } finally {
            if (scriptFile != null) {
                Files.deleteIfExists(scriptFile);
            }
        }
    }

    private static Run parse(String wrkOutput, long redisCalls) {
        Matcher requests = REQUESTS.matcher(wrkOutput);
        if (!requests.find()) {
            throw new IllegalStateException("no request count in wrk's output:\n" + wrkOutput);
        }
        double p50 = Double.NaN;
        double p99 = Double.NaN;
        Matcher percentile = PERCENTILE.matcher(wrkOutput);
        while (percentile.find()) {
            double millis = millis(percentile.group(2), percentile.group(3));
            if (percentile.group(1).equals("50")) {
                p50 = millis;
            } else {
                p99 = millis;
            }
        }
        if (Double.isNaN(p50) || Double.isNaN(p99)) {
            throw new IllegalStateException("no 50% or 99% latency line in wrk's output:\n" + wrkOutput);
        }
        Matcher non2xx = NON_2XX.matcher(wrkOutput);
        Matcher socketErrors = SOCKET_ERRORS.matcher(wrkOutput);
        long errors = 0;
        if (socketErrors.find()) {
            for (int group = 1; group <= 4; group++) {
                errors += Long.parseLong(socketErrors.group(group));
            }
        }
        return new Run(
                Long.parseLong(requests.group(1)),
                millis(requests.group(2), requests.group(3)) / 1000,
                p50,
                p99,
                non2xx.find() ? Long.parseLong(non2xx.group(1)) : 0,
                errors,
                redisCalls);
    }

    private static double millis(String value, String unit) {
        double number = Double.parseDouble(value);
        return switch (unit) {
            case "us" -> number / 1000;
            case "ms" -> number;
            case "s" -> number * 1000;
            case "m" -> number * 60_000;
            case "h" -> number * 3_600_000;
            default -> throw new IllegalArgumentException("unknown unit " + unit);
        };
    }

    /** Rates over the summed time; percentiles, which cannot be merged from wrk's report, as the mean of the runs. */
    private static Run combined(List<Run> runs) {
        return new Run(
                runs.stream().mapToLong(Run::requests).sum(),
                runs.stream().mapToDouble(Run::seconds).sum(),
                runs.stream().mapToDouble(Run::p50Ms).average().orElseThrow(),
                runs.stream().mapToDouble(Run::p99Ms).average().orElseThrow(),
                runs.stream().mapToLong(Run::non2xx).sum(),
                runs.stream().mapToLong(Run::socketErrors).sum(),
                runs.stream().mapToLong(Run::redisCalls).sum());
    }

    private static String row(Load load, Endpoint endpoint, Run run, Run plain) {
        double requestsPerSecond = run.requests() / run.seconds();
        boolean compared = endpoint != Endpoint.PLAIN;
        return String.format(
                "| %s | %s | %,.0f | %.2f ms | %.2f ms | %d | %d | %.2f | %s | %s | %s |",
                load.label(),
                endpoint.label,
                requestsPerSecond,
                run.p50Ms(),
                run.p99Ms(),
                run.non2xx(),
                run.socketErrors(),
                (double) run.redisCalls() / run.requests(),
                compared ? String.format("%+.2f ms", run.p50Ms() - plain.p50Ms()) : "",
                compared ? String.format("%+.2f ms", run.p99Ms() - plain.p99Ms()) : "",
                compared ? String.format("%.2f", requestsPerSecond / (plain.requests() / plain.seconds())) : "");
    }

    private static Path onPath(String executable) {
        return Arrays.stream(System.getenv().getOrDefault("PATH", "").split(File.pathSeparator))
                .filter(directory -> !directory.isEmpty())
                .map(directory -> Path.of(directory, executable))
                .filter(Files::isExecutable)
                .findFirst()
                .orElse(null);
    }

    private static void stopQuietly(SecondLibertyServer liberty) {
        try {
            liberty.close();
        } catch (Exception e) {
            System.err.println("could not stop Liberty: " + e);
        }
    }
}
