package dev.ratelimit.testsupport;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.stream.Collectors;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.exceptions.JedisException;

/**
 * A primary, its replica and three sentinels watching them with a quorum of two, all redis-server processes on
 * 127.0.0.1 ({@link RedisServerProcess}), with settings that make a failover take seconds rather than minutes.
 * Started with {@link #startTls}, every one of them also listens for TLS, and the replica and the sentinels reach
 * the others over TLS only: the sentinels then report the TLS ports, and {@link #tlsUrl} is the URL that
 * decides. Each keeps a plain text port for this fixture's own administration.
 */
public final class RedisSentinelSet implements AutoCloseable {

    private static final int SENTINELS = 3;
    private static final Duration READY_TIMEOUT = Duration.ofSeconds(20);
    private static final Duration POLL_INTERVAL = Duration.ofMillis(50);
    /** Short enough not to wait long on a dead node. */
    private static final Duration CLIENT_TIMEOUT = Duration.ofSeconds(1);
    /** Otherwise the replica's first full sync waits 5 s for other replicas to join it. */
    private static final List<String> DATA_NODE_ARGUMENTS = List.of("--repl-diskless-sync-delay", "0");

    private final String masterName;
    /** The primary and the replica by the port the sentinels know them by: the TLS port with TLS. */
    private final Map<Integer, RedisServerProcess> dataNodes;

    private final List<RedisServerProcess> sentinels;
    /** Empty unless started with {@link #startTls}. */
    private final List<Integer> sentinelTlsPorts;

    private RedisSentinelSet(
            String masterName,
            Map<Integer, RedisServerProcess> dataNodes,
            List<RedisServerProcess> sentinels,
            List<Integer> sentinelTlsPorts) {
        this.masterName = masterName;
        this.dataNodes = dataNodes;
        this.sentinels = sentinels;
        this.sentinelTlsPorts = sentinelTlsPorts;
    }

    /** Whether redis-server is on the PATH. */
    public static boolean available() {
        return unavailableReason() == null;
    }

    /** Why no sentinel set can be started here, or null when it can. */
    public static String unavailableReason() {
        return RedisFixture.redisServerOnPath() == null ? "redis-server is not on the PATH" : null;
    }

    /**
     * Starts the primary, the replica and the sentinels, and waits until the replica is in sync and every
     * sentinel knows the primary, the replica and the other sentinels.
     */
    public static RedisSentinelSet start(String masterName) throws IOException {
        return start(masterName, null);
    }

    /**
     * Like {@link #start}, with every server also listening for TLS on a port of its own, with the certificate
     * and CA of {@code certificates}, and the replica and the sentinels connecting over TLS
     * ({@code tls-replication}). A redis-server built without TLS fails to start, its output saying
     * "Bad directive".
     */
    public static RedisSentinelSet startTls(String masterName, TestCertificates certificates) throws IOException {
        return start(masterName, Objects.requireNonNull(certificates, "certificates"));
    }

    private static RedisSentinelSet start(String masterName, TestCertificates certificates) throws IOException {
        String reason = unavailableReason();
        if (reason != null) {
            throw new IOException("cannot start sentinels: " + reason);
        }
        Path executable = RedisFixture.localRedisServer();
        Map<Integer, RedisServerProcess> dataNodes = new LinkedHashMap<>();
        List<RedisServerProcess> sentinels = new ArrayList<>();
        List<Integer> sentinelTlsPorts = new ArrayList<>();
        try {
            int primaryPort = startDataNode(executable, certificates, List.of(), dataNodes);
            int replicaPort = startDataNode(
                    executable,
                    certificates,
                    List.of("--replicaof", "127.0.0.1", Integer.toString(primaryPort)),
                    dataNodes);
            // Before any sentinel starts: a sentinel learns of replicas from the primary's INFO, which it asks
            // at once, then only every 10 s.
            awaitReplicaInSync(dataNodes.get(replicaPort).port());
            for (int i = 0; i < SENTINELS; i++) {
                sentinels.add(startSentinel(executable, masterName, primaryPort, certificates, sentinelTlsPorts));
            }
            RedisSentinelSet set =
                    new RedisSentinelSet(masterName, dataNodes, sentinels, List.copyOf(sentinelTlsPorts));
            set.awaitSentinelsAgree(primaryPort);
            return set;
        } catch (IOException | RuntimeException e) {
            sentinels.forEach(RedisServerProcess::close);
            dataNodes.values().forEach(RedisServerProcess::close);
            throw e;
        }
    }

    /**
     * Starts the primary or the replica, with TLS when given certificates, and adds it to {@code dataNodes};
     * returns the port the others are to reach it on.
     */
    private static int startDataNode(
            Path executable,
            TestCertificates certificates,
            List<String> arguments,
            Map<Integer, RedisServerProcess> dataNodes)
            throws IOException {
        int port = RedisServerProcess.freePort();
        List<String> allArguments = new ArrayList<>(arguments);
        allArguments.addAll(DATA_NODE_ARGUMENTS);
        int reachedOn = port;
        if (certificates != null) {
            reachedOn = freeTlsPort(port);
            allArguments.addAll(tlsArguments(reachedOn, certificates));
        }
        dataNodes.put(reachedOn, RedisServerProcess.start(executable, port, allArguments));
        return reachedOn;
    }

    private static RedisServerProcess startSentinel(
            Path executable,
            String masterName,
            int primaryPort,
            TestCertificates certificates,
            List<Integer> sentinelTlsPorts)
            throws IOException {
        int port = RedisServerProcess.freePort();
        String configuration = String.join(
                "\n",
                "port " + port,
                "bind 127.0.0.1",
                "sentinel monitor " + masterName + " 127.0.0.1 " + primaryPort + " 2",
                "sentinel down-after-milliseconds " + masterName + " 1000",
                "sentinel failover-timeout " + masterName + " 5000",
                "sentinel parallel-syncs " + masterName + " 1",
                "");
        List<String> arguments = new ArrayList<>(List.of("--sentinel"));
        if (certificates != null) {
            int tlsPort = freeTlsPort(port);
            sentinelTlsPorts.add(tlsPort);
            // With tls-replication, a sentinel also announces its TLS port to the others, and reaches them on it.
            arguments.addAll(tlsArguments(tlsPort, certificates));
        }
        return RedisServerProcess.startWithConfiguration(executable, port, configuration, arguments);
    }

    private static int freeTlsPort(int plainPort) throws IOException {
        int tlsPort = RedisServerProcess.freePort();
        while (tlsPort == plainPort) {
            tlsPort = RedisServerProcess.freePort();
        }
        return tlsPort;
    }

    private static List<String> tlsArguments(int tlsPort, TestCertificates certificates) {
        List<String> arguments = new ArrayList<>(certificates.redisServerTlsArguments(tlsPort));
        arguments.addAll(List.of("--tls-replication", "yes"));
        return arguments;
    }

    private static void awaitReplicaInSync(int replicaPort) throws IOException {
        Instant deadline = Instant.now().plus(READY_TIMEOUT);
        while (Instant.now().isBefore(deadline)) {
            try (Jedis replica = connect(replicaPort)) {
                if (replica.info("replication").lines().anyMatch("master_link_status:up"::equals)) {
                    return;
                }
            } catch (JedisException e) {
                // still loading
            }
            pause();
        }
        throw new IOException(
                "the replica on " + replicaPort + " did not sync with its primary within " + READY_TIMEOUT);
    }

    private void awaitSentinelsAgree(int primaryPort) throws IOException {
        Instant deadline = Instant.now().plus(READY_TIMEOUT);
        String lastProblem = "";
        while (Instant.now().isBefore(deadline)) {
            lastProblem = sentinels.stream()
                    .map(sentinel -> readinessProblem(sentinel, primaryPort))
                    .filter(problem -> !problem.isEmpty())
                    .collect(Collectors.joining("; "));
            if (lastProblem.isEmpty()) {
                return;
            }
            pause();
        }
        throw new IOException("the sentinels were not ready within " + READY_TIMEOUT + ": " + lastProblem);
    }

    /** What this sentinel does not know yet, or an empty string. */
    private String readinessProblem(RedisServerProcess sentinel, int primaryPort) {
        Optional<Integer> reported = reportedPrimary(sentinel);
        if (!reported.equals(Optional.of(primaryPort))) {
            return "sentinel " + sentinel.port() + " reports the primary on " + reported;
        }
        try (Jedis client = connect(sentinel.port())) {
            int otherSentinels = client.sentinelSentinels(masterName).size();
            if (otherSentinels != SENTINELS - 1) {
                return "sentinel " + sentinel.port() + " knows " + otherSentinels + " other sentinels";
            }
            List<Map<String, String>> replicas = client.sentinelReplicas(masterName);
            // A replica the sentinel thinks down or out of sync would not be promoted.
            if (replicas.size() != 1
                    || !"slave".equals(replicas.get(0).get("flags"))
                    || !"ok".equals(replicas.get(0).get("master-link-status"))) {
                return "sentinel " + sentinel.port() + " reports the replicas " + replicas;
            }
            return "";
        } catch (JedisException e) {
            return "sentinel " + sentinel.port() + ": " + e.getMessage();
        }
    }

    /** The sentinels' URL, e.g. {@code redis-sentinel://127.0.0.1:s1,127.0.0.1:s2,127.0.0.1:s3#mymaster}. */
    public String url() {
        return sentinels.stream()
                .map(sentinel -> "127.0.0.1:" + sentinel.port())
                .collect(Collectors.joining(",", "redis-sentinel://", "#" + masterName));
    }

    /**
     * The sentinels' TLS URL, e.g. {@code rediss-sentinel://127.0.0.1:t1,127.0.0.1:t2,127.0.0.1:t3#mymaster}.
     *
     * @throws IllegalStateException unless started with {@link #startTls}
     */
    public String tlsUrl() {
        if (sentinelTlsPorts.isEmpty()) {
            throw new IllegalStateException("these sentinels have no TLS ports: start them with startTls");
        }
        return sentinelTlsPorts.stream()
                .map(port -> "127.0.0.1:" + port)
                .collect(Collectors.joining(",", "rediss-sentinel://", "#" + masterName));
    }

    /** The port of the primary (its TLS port with TLS), as the first sentinel that answers reports it. */
    public int primaryPort() throws IOException {
        return sentinels.stream()
                .map(this::reportedPrimary)
                .flatMap(Optional::stream)
                .findFirst()
                .orElseThrow(() -> new IOException("no sentinel reports a primary for " + masterName));
    }

    private Optional<Integer> reportedPrimary(RedisServerProcess sentinel) {
        try (Jedis client = connect(sentinel.port())) {
            List<String> primary = client.sentinelGetMasterAddrByName(masterName);
            return primary == null ? Optional.empty() : Optional.of(Integer.parseInt(primary.get(1)));
        } catch (JedisException e) {
            return Optional.empty();
        }
    }

    /** The sentinels' ports. */
    public List<Integer> sentinelPorts() {
        return sentinels.stream().map(RedisServerProcess::port).toList();
    }

    /** Crashes the current primary: SIGKILL, without a chance to tell anyone. */
    public void killPrimary() throws IOException {
        int port = primaryPort();
        RedisServerProcess primary = dataNodes.get(port);
        if (primary == null) {
            throw new IOException(
                    "the sentinels report a primary on " + port + ", which is none of this set's servers");
        }
        try {
            primary.signal("KILL");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while killing the primary on " + port, e);
        }
    }

    /**
     * Waits until every sentinel reports the same primary other than {@code oldPort}, and that server says it
     * is a master; returns its port.
     */
    public int awaitNewPrimary(int oldPort, Duration timeout) throws IOException {
        Instant deadline = Instant.now().plus(timeout);
        while (Instant.now().isBefore(deadline)) {
            List<Optional<Integer>> reports =
                    sentinels.stream().map(this::reportedPrimary).distinct().toList();
            if (reports.size() == 1 && reports.get(0).isPresent()) {
                int port = reports.get(0).get();
                if (port != oldPort && isMaster(port)) {
                    return port;
                }
            }
            pause();
        }
        throw new IOException("the sentinels did not agree on a primary other than " + oldPort + " within " + timeout);
    }

    private boolean isMaster(int port) {
        RedisServerProcess server = dataNodes.get(port);
        if (server == null) {
            return false;
        }
        try (Jedis node = connect(server.port())) {
            return "master".equals(node.role().get(0));
        } catch (JedisException e) {
            return false;
        }
    }

    private static Jedis connect(int port) {
        return RedisServerProcess.adminClient(port, CLIENT_TIMEOUT);
    }

    private static void pause() throws IOException {
        try {
            Thread.sleep(POLL_INTERVAL.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while waiting for the sentinels", e);
        }
    }

    /** Stops the sentinels, then the primary and the replica, and deletes their directories. */
    @Override
    public void close() {
        sentinels.forEach(RedisServerProcess::close);
        dataNodes.values().forEach(RedisServerProcess::close);
    }
}
