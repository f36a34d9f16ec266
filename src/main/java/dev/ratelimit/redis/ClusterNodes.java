package dev.ratelimit.redis;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.ratelimit.core.FailureReason;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntConsumer;
import java.util.logging.Level;
import redis.clients.jedis.CommandObject;
import redis.clients.jedis.Connection;
import redis.clients.jedis.ConnectionPool;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.Protocol;
import redis.clients.jedis.exceptions.JedisAskDataException;
import redis.clients.jedis.exceptions.JedisException;
import redis.clients.jedis.exceptions.JedisMovedDataException;
import redis.clients.jedis.exceptions.JedisRedirectionException;
import redis.clients.jedis.providers.ClusterConnectionProvider;
import redis.clients.jedis.util.JedisClusterCRC16;

/**
 * A Redis Cluster. The slot map comes from the seed nodes at the first call and is renewed in the
 * background after an outage, so that decisions find a promoted replica as soon as the cluster has one.
 * MOVED and ASK replies are followed at once: the command did not run where it was refused.
 */
final class ClusterNodes extends RedisNodes {

    private static final int MAX_REDIRECTS = 5;
    /** Outages come in floods: the slot map is asked for at most this often. */
    private static final long RENEWAL_INTERVAL_NANOS = TimeUnit.MILLISECONDS.toNanos(100);

    private final OnFirstUse<ClusterConnectionProvider> provider;
    /** Each master's calls; a node that left the cluster is forgotten once unused for a while. */
    private final Cache<HostAndPort, PipelinedCalls> callsByNode =
            Caffeine.newBuilder().expireAfterAccess(Duration.ofHours(1)).build();

    /** Names the seeds' breaker, which guards the first contact: never a node's name, even with one seed. */
    private final String seeds;
    /** A renewal tries each known node in turn, each for a connection and a reply at most. */
    private final Duration longestRenewal;

    private final ExecutorService renewals = Executors.newSingleThreadExecutor(runnable -> {
        Thread thread = new Thread(runnable, "ratelimit-cluster-slots");
        thread.setDaemon(true);
        return thread;
    });
    private final AtomicBoolean renewing = new AtomicBoolean();
    private final AtomicLong nextRenewal = new AtomicLong(System.nanoTime());

    ClusterNodes(RedisSettings settings, IntConsumer pipelineSent) {
        super(settings, pipelineSent);
        RedisUrl url = settings.redisUrl();
        JedisConfigs jedis = new JedisConfigs(settings);
        this.seeds = "seeds " + url.address();
        this.longestRenewal = settings.connectTimeout()
                .plus(settings.commandTimeout())
                .multipliedBy(url.nodes().size());
        this.provider = new OnFirstUse<>(
                () -> new ClusterConnectionProvider(
                        new LinkedHashSet<>(url.nodes()), jedis.clientConfig(), jedis.poolConfig()),
                settings.commandTimeout());
    }

    /** Redis Cluster refuses a script whose keys are in several slots, even slots one node holds. */
    @Override
    boolean shareOneSlot(List<String> keys) {
        int slot = JedisClusterCRC16.getSlot(keys.get(0));
        return keys.stream().allMatch(key -> JedisClusterCRC16.getSlot(key) == slot);
    }

    @Override
    String nodeFor(String key) {
        ClusterConnectionProvider cluster = provider.ifMade();
        HostAndPort node = cluster == null ? null : cluster.getNode(JedisClusterCRC16.getSlot(key));
        return node == null ? seeds : node.toString();
    }

    @Override
    <T> T execute(String key, CommandObject<T> command) {
        ClusterConnectionProvider cluster = provider.get();
        int slot = JedisClusterCRC16.getSlot(key);
        HostAndPort redirectedTo = null;
        boolean asking = false;
        for (int redirects = 0; ; redirects++) {
            try {
                if (asking) {
                    return askingOnce(cluster, redirectedTo, command);
                }
                HostAndPort node = redirectedTo != null ? redirectedTo : cluster.getNode(slot);
                if (node == null) {
                    // No map of the slot yet: Jedis renews it and picks the owner, or any node to redirect us.
                    try (Connection connection = cluster.getConnectionFromSlot(slot)) {
                        return connection.executeCommand(command);
                    }
                }
                return callsTo(cluster, node).execute(command);
            } catch (JedisRedirectionException e) {
                if (redirects == MAX_REDIRECTS) {
                    throw e;
                }
                if (e instanceof JedisMovedDataException) {
                    // The slot has a new owner for good: learn the others' too, without making this call wait.
                    renewSlotsSoon();
                }
                redirectedTo = e.getTargetNode();
                asking = e instanceof JedisAskDataException;
            }
        }
    }

    private PipelinedCalls callsTo(ClusterConnectionProvider cluster, HostAndPort node) {
        return callsByNode.get(node, owner -> pipelinedCalls(() -> cluster.getConnection(owner)));
    }

    /** Every master of the slot map, in the order of their first slots. */
    @Override
    Map<String, PipelinedCalls> servingNodes() {
        ClusterConnectionProvider cluster = provider.get();
        Map<String, PipelinedCalls> masters = new LinkedHashMap<>();
        for (int slot = 0; slot < Protocol.CLUSTER_HASHSLOTS; slot++) {
            HostAndPort node = cluster.getNode(slot);
            if (node != null && !masters.containsKey(node.toString())) {
                masters.put(node.toString(), callsTo(cluster, node));
            }
        }
        if (masters.isEmpty()) {
            throw new JedisException("the cluster's slot map names no master");
        }
        return masters;
    }

    @Override
    Map<String, Optional<FailureReason>> ping() {
        Map<String, Optional<FailureReason>> replies = super.ping();
        if (replies.values().stream().anyMatch(Optional::isPresent)) {
            // A replica may have taken the silent master's place: with no decisions coming (an instance the
            // probe took out of service gets none), only the probe can make the slot map follow.
            renewSlotsSoon();
        }
        return replies;
    }

    /** A slot being migrated: the command, preceded by ASKING on the same connection, outside any pipeline. */
    private static <T> T askingOnce(ClusterConnectionProvider cluster, HostAndPort node, CommandObject<T> command) {
        try (Connection connection = cluster.getConnection(node)) {
            connection.executeCommand(Protocol.Command.ASKING);
            return connection.executeCommand(command);
        }
    }

    @Override
    boolean isCurrent(String node) {
        ClusterConnectionProvider cluster = provider.ifMade();
        return cluster == null ? node.equals(seeds) : cluster.getNodes().containsKey(node);
    }

    @Override
    void outageAt(String key) {
        renewSlotsSoon();
    }

    private void renewSlotsSoon() {
        ClusterConnectionProvider cluster = provider.ifMade();
        long now = System.nanoTime();
        long next = nextRenewal.get();
        if (cluster == null
                || now - next < 0
                || !nextRenewal.compareAndSet(next, now + RENEWAL_INTERVAL_NANOS)
                || !renewing.compareAndSet(false, true)) {
            return;
        }
        try {
            renewals.execute(() -> {
                try {
                    cluster.renewSlotCache();
                } catch (RuntimeException e) {
                    LOG.log(Level.FINE, "Cannot renew the cluster's slot map yet", e);
                } finally {
                    renewing.set(false);
                }
            });
        } catch (RejectedExecutionException closed) {
            // The limiter is closed: no map is needed any more.
            renewing.set(false);
        }
    }

    @Override
    void dropIdleConnections(String node) {
        ClusterConnectionProvider cluster = provider.ifMade();
        ConnectionPool pool = cluster == null ? null : cluster.getNodes().get(node);
        if (pool != null) {
            pool.clear();
        }
    }

    @Override
    public void close() {
        renewals.shutdownNow();
        try {
            // A renewal under way would set up pools again in the closed slot map.
            renewals.awaitTermination(longestRenewal.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        provider.close();
    }
}
