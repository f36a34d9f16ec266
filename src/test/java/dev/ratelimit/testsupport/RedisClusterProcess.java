package dev.ratelimit.testsupport;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalInt;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.exceptions.JedisException;

/**
 * A Redis Cluster of redis-server processes on 127.0.0.1, each a {@link RedisServerProcess}, created with
 * {@code redis-cli --cluster create}, whose nodes tests can crash, freeze and thaw. Started with
 * {@link #startTls}, its nodes also serve clients over TLS and talk TLS to each other; every method but
 * {@link #tlsPortOf} and {@link #tlsSeedUrl} still names a node by its plain text port, which stays open for
 * this fixture's own administration.
 */
public final class RedisClusterProcess implements AutoCloseable {

    private static final Duration READY_TIMEOUT = Duration.ofSeconds(20);
    private static final Duration POLL_INTERVAL = Duration.ofMillis(50);
    /** Short, so that a crashed or frozen master is failed over within a few seconds. */
    private static final String NODE_TIMEOUT_MILLIS = "1000";
    /** Short enough not to wait long on a frozen node. */
    private static final Duration CLIENT_TIMEOUT = Duration.ofSeconds(1);

    private final Map<Integer, RedisServerProcess> nodes;
    private final List<Integer> masterPorts;
    /** Each node's TLS port by its plain text port; empty unless started with {@link #startTls}. */
    private final Map<Integer, Integer> tlsPorts;

    private final Set<Integer> killed = new HashSet<>();
    private final Set<Integer> frozen = new HashSet<>();

    private RedisClusterProcess(
            Map<Integer, RedisServerProcess> nodes, List<Integer> masterPorts, Map<Integer, Integer> tlsPorts) {
        this.nodes = nodes;
        this.masterPorts = masterPorts;
        this.tlsPorts = tlsPorts;
    }

    /** Whether redis-server and redis-cli are both on the PATH. */
    public static boolean available() {
        return unavailableReason() == null;
    }

    /** Why no cluster can be started here, or null when it can. */
    public static String unavailableReason() {
        if (RedisFixture.redisServerOnPath() == null) {
            return "redis-server is not on the PATH";
        }
        return RedisFixture.onPath("redis-cli") == null ? "redis-cli is not on the PATH" : null;
    }

    /**
     * Starts {@code masters * (1 + replicasPerMaster)} nodes, creates the cluster and waits until every node
     * sees it healthy and every replica has synchronised with its master. {@code extraServerArgs} go to every
     * redis-server after this class' own, so they may override them, e.g. {@code --cluster-node-timeout}.
     */
    public static RedisClusterProcess start(int masters, int replicasPerMaster, List<String> extraServerArgs)
            throws IOException {
        return start(masters, replicasPerMaster, null, extraServerArgs);
    }

    /**
     * Like {@link #start}, with every node also listening for TLS clients on a port of its own, with the
     * certificate and CA of {@code certificates}, and the cluster bus and replication over TLS
     * ({@code tls-cluster}, {@code tls-replication}). Nodes then tell TLS clients each other's TLS ports, and
     * plain text clients the plain text ones. A redis-server built without TLS fails to start, its output
     * saying "Bad directive".
     */
    public static RedisClusterProcess startTls(
            int masters, int replicasPerMaster, TestCertificates certificates, List<String> extraServerArgs)
            throws IOException {
        return start(masters, replicasPerMaster, Objects.requireNonNull(certificates, "certificates"), extraServerArgs);
    }

    private static RedisClusterProcess start(
            int masters, int replicasPerMaster, TestCertificates certificates, List<String> extraServerArgs)
            throws IOException {
        String reason = unavailableReason();
        if (reason != null) {
            throw new IOException("cannot start a Redis Cluster: " + reason);
        }
        Map<Integer, RedisServerProcess> nodes = new LinkedHashMap<>();
        Map<Integer, Integer> tlsPorts = new HashMap<>();
        try {
            for (int i = 0; i < masters * (1 + replicasPerMaster); i++) {
                RedisServerProcess node = startNode(certificates, tlsPorts, extraServerArgs);
                nodes.put(node.port(), node);
            }
            List<Integer> ports = List.copyOf(nodes.keySet());
            create(ports, replicasPerMaster);
            return new RedisClusterProcess(nodes, awaitReady(ports), Map.copyOf(tlsPorts));
        } catch (IOException | RuntimeException e) {
            nodes.values().forEach(RedisServerProcess::close);
            throw e;
        }
    }

    /** Starts a node, with TLS when given certificates, noting its TLS port by its plain one in {@code tlsPorts}. */
    private static RedisServerProcess startNode(
            TestCertificates certificates, Map<Integer, Integer> tlsPorts, List<String> extraServerArgs)
            throws IOException {
        Set<Integer> taken = new HashSet<>();
        int port = freePortOtherThan(taken);
        int busPort = freePortOtherThan(taken);
        // An explicit bus port: the default, port + 10000, is past 65535 for many of the ports freePort() finds.
        List<String> arguments = new ArrayList<>(List.of(
                "--cluster-enabled", "yes",
                "--cluster-config-file", "nodes.conf",
                "--cluster-node-timeout", NODE_TIMEOUT_MILLIS,
                "--cluster-port", Integer.toString(busPort),
                // Otherwise each replica's first full sync waits 5 s for other replicas to join it.
                "--repl-diskless-sync-delay", "0"));
        if (certificates != null) {
            int tlsPort = freePortOtherThan(taken);
            tlsPorts.put(port, tlsPort);
            arguments.addAll(certificates.redisServerTlsArguments(tlsPort));
            arguments.addAll(List.of("--tls-cluster", "yes", "--tls-replication", "yes"));
        }
        arguments.addAll(extraServerArgs);
        return RedisServerProcess.start(RedisFixture.localRedisServer(), port, arguments);
    }

    private static int freePortOtherThan(Set<Integer> taken) throws IOException {
        int port = RedisServerProcess.freePort();
        while (!taken.add(port)) {
            port = RedisServerProcess.freePort();
        }
        return port;
    }

    private static void create(List<Integer> ports, int replicasPerMaster) throws IOException {
        List<String> command =
                new ArrayList<>(List.of(RedisFixture.onPath("redis-cli").toString(), "--cluster", "create"));
        ports.forEach(port -> command.add("127.0.0.1:" + port));
        command.addAll(List.of("--cluster-replicas", Integer.toString(replicasPerMaster), "--cluster-yes"));
        Path output =
                Files.createTempFile(Files.createDirectories(Path.of("target", "redis")), "cluster-create-", ".log");
        try {
            Process process = new ProcessBuilder(command)
                    .redirectErrorStream(true)
                    .redirectOutput(output.toFile())
                    .start();
            if (!process.waitFor(READY_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly();
                throw new IOException(String.join(" ", command) + " did not finish within " + READY_TIMEOUT + ": "
                        + Files.readString(output));
            }
            if (process.exitValue() != 0) {
                throw new IOException(String.join(" ", command) + " failed: " + Files.readString(output));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while creating the cluster", e);
        } finally {
            Files.deleteIfExists(output);
        }
    }

    /** Waits until every node knows every other and all slots, and every replica is in sync; returns the masters. */
    private static List<Integer> awaitReady(List<Integer> ports) throws IOException {
        Instant deadline = Instant.now().plus(READY_TIMEOUT);
        Map<Integer, String> lastProblems = Map.of();
        while (Instant.now().isBefore(deadline)) {
            Map<Integer, String> problems = new LinkedHashMap<>();
            List<Integer> masters = new ArrayList<>();
            for (int port : ports) {
                try (Jedis node = connect(port)) {
                    String clusterInfo = node.clusterInfo();
                    if (!hasLine(clusterInfo, "cluster_state:ok")
                            || !hasLine(clusterInfo, "cluster_known_nodes:" + ports.size())) {
                        problems.put(
                                port,
                                "not yet: "
                                        + clusterInfo
                                                .lines()
                                                .filter(line -> line.startsWith("cluster_state")
                                                        || line.startsWith("cluster_known"))
                                                .collect(Collectors.joining(", ")));
                    } else if ("master".equals(node.role().get(0))) {
                        masters.add(port);
                    } else if (!hasLine(node.info("replication"), "master_link_status:up")) {
                        problems.put(port, "replica not yet in sync with its master");
                    }
                } catch (JedisException e) {
                    problems.put(port, e.getMessage());
                }
            }
            if (problems.isEmpty()) {
                return List.copyOf(masters);
            }
            lastProblems = problems;
            pause();
        }
        throw new IOException("the cluster was not ready within " + READY_TIMEOUT + ": " + lastProblems);
    }

    /** The ports of the nodes created as masters, whether or not they still are. */
    public List<Integer> masterPorts() {
        return masterPorts;
    }

    /** The ports of every node, masters and replicas, live or not. */
    public List<Integer> allPorts() {
        return List.copyOf(nodes.keySet());
    }

    /** The cluster's URL naming the nodes created as masters, e.g. {@code redis-cluster://127.0.0.1:p1,...}. */
    public String seedUrl() {
        return masterPorts.stream()
                .map(port -> "127.0.0.1:" + port)
                .collect(Collectors.joining(",", "redis-cluster://", ""));
    }

    /**
     * The TLS port of the node whose plain text port this is.
     *
     * @throws IllegalStateException unless started with {@link #startTls}
     */
    public int tlsPortOf(int port) {
        requireTls();
        Integer tlsPort = tlsPorts.get(port);
        if (tlsPort == null) {
            throw new IllegalArgumentException("no node of this cluster listens on " + port);
        }
        return tlsPort;
    }

    /**
     * The cluster's TLS URL naming the nodes created as masters by their TLS ports, e.g.
     * {@code rediss-cluster://127.0.0.1:t1,...}.
     *
     * @throws IllegalStateException unless started with {@link #startTls}
     */
    public String tlsSeedUrl() {
        requireTls();
        return masterPorts.stream()
                .map(port -> "127.0.0.1:" + tlsPorts.get(port))
                .collect(Collectors.joining(",", "rediss-cluster://", ""));
    }

    private void requireTls() {
        if (tlsPorts.isEmpty()) {
            throw new IllegalStateException("this cluster has no TLS ports: start it with startTls");
        }
    }

    /** The port of the master owning this key's slot, as the first live node that answers sees it. */
    public int masterPortForKey(String key) throws IOException {
        for (int port : livePorts()) {
            try (Jedis node = connect(port)) {
                OptionalInt owner = slotOwner(node, node.clusterKeySlot(key));
                if (owner.isPresent()) {
                    return owner.getAsInt();
                }
            } catch (JedisException e) {
                // this node cannot tell: ask the next
            }
        }
        throw new IOException("no live node could tell which master owns " + key);
    }

    /** Crashes that node: SIGKILL, without a chance to tell the others. */
    public void kill(int port) throws IOException {
        signal(port, "KILL");
        killed.add(port);
    }

    /** Freezes that node (SIGSTOP): its connections stay open but it answers nothing until {@link #thaw}. */
    public void freeze(int port) throws IOException {
        signal(port, "STOP");
        frozen.add(port);
    }

    /** Lets a frozen node go on (SIGCONT). */
    public void thaw(int port) throws IOException {
        signal(port, "CONT");
        frozen.remove(port);
    }

    /**
     * Waits until every live node sees this key's slot owned by a node other than {@code oldPort}, i.e. until a
     * replica has taken over, and that node sees the cluster healthy; returns its port.
     */
    public int awaitNewMasterFor(String key, int oldPort, Duration timeout) throws IOException {
        Instant deadline = Instant.now().plus(timeout);
        while (Instant.now().isBefore(deadline)) {
            OptionalInt owner = ownerEveryLiveNodeSees(key);
            if (owner.isPresent() && owner.getAsInt() != oldPort && seesClusterHealthy(owner.getAsInt())) {
                return owner.getAsInt();
            }
            pause();
        }
        throw new IOException("no node took over " + key + " from " + oldPort + " within " + timeout);
    }

    private OptionalInt ownerEveryLiveNodeSees(String key) {
        Set<OptionalInt> owners = new HashSet<>();
        for (int port : livePorts()) {
            try (Jedis node = connect(port)) {
                owners.add(slotOwner(node, node.clusterKeySlot(key)));
            } catch (JedisException e) {
                return OptionalInt.empty();
            }
        }
        return owners.size() == 1 ? owners.iterator().next() : OptionalInt.empty();
    }

    private static boolean seesClusterHealthy(int port) {
        try (Jedis node = connect(port)) {
            return hasLine(node.clusterInfo(), "cluster_state:ok");
        } catch (JedisException e) {
            return false;
        }
    }

    /** Empties the script cache of every live node, as a restart or a failover to a fresh node would. */
    public void flushScriptsEverywhere() {
        for (int port : livePorts()) {
            try (Jedis node = connect(port)) {
                node.scriptFlush();
            }
        }
    }

    private List<Integer> livePorts() {
        return nodes.keySet().stream()
                .filter(port -> !killed.contains(port) && !frozen.contains(port))
                .toList();
    }

    private void signal(int port, String signal) throws IOException {
        RedisServerProcess node = nodes.get(port);
        if (node == null) {
            throw new IllegalArgumentException("no node of this cluster listens on " + port);
        }
        try {
            node.signal(signal);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while sending " + signal + " to " + port, e);
        }
    }

    /**
     * Read from CLUSTER SLOTS, which Redis 7 deprecates for CLUSTER SHARDS but which is still what clients
     * (Jedis' slot map included) route by: this answers as the limiter sees the cluster.
     */
    @SuppressWarnings("deprecation")
    private static OptionalInt slotOwner(Jedis node, long slot) {
        for (Object range : node.clusterSlots()) {
            List<?> fields = (List<?>) range;
            if ((Long) fields.get(0) <= slot && slot <= (Long) fields.get(1)) {
                return OptionalInt.of(((Long) ((List<?>) fields.get(2)).get(1)).intValue());
            }
        }
        return OptionalInt.empty();
    }

    private static Jedis connect(int port) {
        return RedisServerProcess.adminClient(port, CLIENT_TIMEOUT);
    }

    private static boolean hasLine(String reply, String line) {
        return reply.lines().anyMatch(line::equals);
    }

    private static void pause() throws IOException {
        try {
            Thread.sleep(POLL_INTERVAL.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while waiting for the cluster", e);
        }
    }

    /** Stops every node and deletes its directory. */
    @Override
    public void close() {
        // A frozen redis-server would hold its watchdog's TERM until continued, and outlive the watchdog.
        for (int port : Set.copyOf(frozen)) {
            try {
                kill(port);
            } catch (IOException e) {
                // nothing else would stop it: carry on closing the others
            }
        }
        nodes.values().forEach(RedisServerProcess::close);
    }
}
