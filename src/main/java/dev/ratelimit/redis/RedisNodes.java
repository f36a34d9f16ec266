package dev.ratelimit.redis;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.ratelimit.core.FailureReason;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;
import java.util.logging.Level;
import java.util.logging.Logger;
import redis.clients.jedis.CommandObject;
import redis.clients.jedis.CommandObjects;
import redis.clients.jedis.Connection;
import redis.clients.jedis.ConnectionPool;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.Protocol;
import redis.clients.jedis.RedisProtocol;
import redis.clients.jedis.exceptions.JedisAskDataException;
import redis.clients.jedis.exceptions.JedisConnectionException;
import redis.clients.jedis.exceptions.JedisException;
import redis.clients.jedis.exceptions.JedisMovedDataException;
import redis.clients.jedis.exceptions.JedisRedirectionException;
import redis.clients.jedis.providers.ClusterConnectionProvider;
import redis.clients.jedis.providers.ConnectionProvider;
import redis.clients.jedis.providers.PooledConnectionProvider;
import redis.clients.jedis.providers.SentineledConnectionProvider;
import redis.clients.jedis.util.JedisClusterCRC16;

/**
 * Connections to the Redis node that holds a key, in the deployment the URL names. Each node has a name, its
 * {@code host:port}, so that the limiter can keep a circuit breaker per node: a dead shard or primary stops
 * only the decisions whose keys it holds. Commands run on pooled connections, one attempt each: what follows
 * a failure is the limiter's to decide, since a command that timed out may have run.
 */
abstract sealed class RedisNodes implements AutoCloseable
        permits RedisNodes.Single, RedisNodes.Cluster, RedisNodes.Sentineled {

    private static final Logger LOG = Logger.getLogger(RedisNodes.class.getName());
    private static final CommandObjects COMMANDS = new CommandObjects(RedisProtocol.RESP2);

    static RedisNodes connect(RedisSettings settings) {
        return switch (settings.topology()) {
            case STANDALONE -> new Single(settings);
            case CLUSTER -> new Cluster(settings);
            case SENTINEL -> new Sentineled(settings);
        };
    }

    /** The node that holds the key now, or the URL's address while the deployment is not yet known. */
    abstract String nodeFor(String key);

    /** Runs the command once on the node that holds the key. */
    abstract <T> T execute(String key, CommandObject<T> command);

    /**
     * Whether the node is part of the deployment as last seen, so that its breaker's state still matters: a
     * master that was failed over, or a primary the Sentinels replaced, is not.
     */
    abstract boolean isCurrent(String node);

    /** Closes the node's idle connections: once one of them broke, the others likely did too. */
    abstract void dropIdleConnections(String node);

    /**
     * The nodes that hold keys now, by name, each with the calls that reach it.
     *
     * @throws JedisException when the deployment cannot tell which nodes those are
     */
    abstract Map<String, PipelinedCalls> servingNodes();

    /**
     * PINGs each node that holds keys now, once, on the pooled connections decisions use, so that a PING
     * waits no longer than a decision would: for its turn or a connection, then for the reply.
     *
     * @return each node by name to why it did not answer; empty when it did
     */
    Map<String, Optional<FailureReason>> ping() {
        Map<String, PipelinedCalls> serving;
        try {
            serving = servingNodes();
        } catch (JedisException e) {
            return Map.of(nodeFor(""), Optional.of(RedisFailures.reasonFor(e)));
        }
        Map<String, Optional<FailureReason>> replies = new LinkedHashMap<>();
        serving.forEach((node, calls) -> replies.put(node, ping(node, calls)));
        return replies;
    }

    /**
     * A connection the pool held while Redis restarted fails at its next use, as a decision's would: PING is
     * sent once more, on a new connection, so that a Redis that is back never reads as down.
     */
    private Optional<FailureReason> ping(String node, PipelinedCalls calls) {
        try {
            calls.execute(COMMANDS.ping());
            return Optional.empty();
        } catch (JedisException e) {
            FailureReason reason = RedisFailures.reasonFor(e);
            if (reason != FailureReason.CONNECTION) {
                return Optional.of(reason);
            }
        }
        dropIdleConnections(node);
        try {
            calls.execute(COMMANDS.ping());
            return Optional.empty();
        } catch (JedisException e) {
            return Optional.of(RedisFailures.reasonFor(e));
        }
    }

    /**
     * Told that the key's node did not serve it (timed out, unreachable, "not now") or that its breaker is
     * open: the deployment may be failing over.
     */
    void outageAt(String key) {}

    @Override
    public abstract void close();

    /** Each node's calls share its pool: one pipeline in flight per pooled connection at most. */
    private static PipelinedCalls pipelinedCalls(Supplier<Connection> connections, RedisSettings settings) {
        return new PipelinedCalls(connections, settings.poolSize(), settings.commandTimeout());
    }

    /** One Redis. */
    static final class Single extends RedisNodes {

        private final PooledConnectionProvider provider;
        private final PipelinedCalls calls;
        private final String address;

        Single(RedisSettings settings) {
            RedisUrl url = settings.redisUrl();
            JedisConfigs jedis = new JedisConfigs(settings);
            this.address = url.nodes().get(0).toString();
            // Opens no connection: calls open them as they need them, so a Redis that is down delays nothing here.
            this.provider = new PooledConnectionProvider(url.nodes().get(0), jedis.clientConfig(), jedis.poolConfig());
            this.calls = pipelinedCalls(provider::getConnection, settings);
        }

        @Override
        String nodeFor(String key) {
            return address;
        }

        @Override
        boolean isCurrent(String node) {
            return true;
        }

        @Override
        <T> T execute(String key, CommandObject<T> command) {
            return calls.execute(command);
        }

        @Override
        Map<String, PipelinedCalls> servingNodes() {
            return Map.of(address, calls);
        }

        @Override
        void dropIdleConnections(String node) {
            provider.getPool().clear();
        }

        @Override
        public void close() {
            provider.close();
        }
    }

    /**
     * A Redis Cluster. The slot map comes from the seed nodes at the first call and is renewed in the
     * background after an outage, so that decisions find a promoted replica as soon as the cluster has one.
     * MOVED and ASK replies are followed at once: the command did not run where it was refused.
     */
    static final class Cluster extends RedisNodes {

        private static final int MAX_REDIRECTS = 5;
        /** Outages come in floods: the slot map is asked for at most this often. */
        private static final long RENEWAL_INTERVAL_NANOS = TimeUnit.MILLISECONDS.toNanos(100);

        private final OnFirstUse<ClusterConnectionProvider> provider;
        /** Each master's calls; a node that left the cluster is forgotten once unused for a while. */
        private final Cache<HostAndPort, PipelinedCalls> callsByNode =
                Caffeine.newBuilder().expireAfterAccess(Duration.ofHours(1)).build();

        private final RedisSettings settings;
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

        Cluster(RedisSettings settings) {
            RedisUrl url = settings.redisUrl();
            JedisConfigs jedis = new JedisConfigs(settings);
            this.settings = settings;
            this.seeds = "seeds " + url.address();
            this.longestRenewal = settings.connectTimeout()
                    .plus(settings.commandTimeout())
                    .multipliedBy(url.nodes().size());
            this.provider = new OnFirstUse<>(
                    () -> new ClusterConnectionProvider(
                            new LinkedHashSet<>(url.nodes()), jedis.clientConfig(), jedis.poolConfig()),
                    settings.commandTimeout());
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
            return callsByNode.get(node, owner -> pipelinedCalls(() -> cluster.getConnection(owner), settings));
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

    /**
     * The primary that Redis Sentinel watches. Jedis listens to the Sentinels and moves its pool to the new
     * primary when they promote one; until then, calls to the lost primary fail like calls to any lost Redis.
     */
    static final class Sentineled extends RedisNodes {

        private final OnFirstUse<SentineledConnectionProvider> provider;
        /** Jedis moves the provider's connections to the new primary: the calls queued follow them. */
        private final PipelinedCalls calls;

        private final String sentinels;

        Sentineled(RedisSettings settings) {
            RedisUrl url = settings.redisUrl();
            JedisConfigs jedis = new JedisConfigs(settings);
            this.sentinels = url.address();
            this.provider = new OnFirstUse<>(
                    () -> new SentineledConnectionProvider(
                            url.masterName(),
                            jedis.clientConfig(),
                            jedis.poolConfig(),
                            new LinkedHashSet<>(url.nodes()),
                            jedis.sentinelClientConfig()),
                    settings.commandTimeout());
            this.calls = pipelinedCalls(() -> provider.get().getConnection(), settings);
        }

        @Override
        String nodeFor(String key) {
            SentineledConnectionProvider primary = provider.ifMade();
            return primary == null ? sentinels : primary.getCurrentMaster().toString();
        }

        @Override
        boolean isCurrent(String node) {
            SentineledConnectionProvider primary = provider.ifMade();
            return primary == null
                    ? node.equals(sentinels)
                    : primary.getCurrentMaster().toString().equals(node);
        }

        @Override
        <T> T execute(String key, CommandObject<T> command) {
            return calls.execute(command);
        }

        @Override
        Map<String, PipelinedCalls> servingNodes() {
            return Map.of(provider.get().getCurrentMaster().toString(), calls);
        }

        @Override
        void dropIdleConnections(String node) {
            SentineledConnectionProvider primary = provider.ifMade();
            if (primary != null) {
                primary.getConnectionMap().forEach((address, pool) -> {
                    if (address.toString().equals(node)) {
                        pool.clear();
                    }
                });
            }
        }

        @Override
        public void close() {
            provider.close();
        }
    }

    /**
     * A provider made at the first call that needs it, since making one asks Redis (the cluster's slot map,
     * the Sentinels' primary): an application must deploy while Redis is down. A failed attempt is made again
     * by a later call, never by the same one; calls arriving meanwhile wait for it no longer than a command.
     * Its failures are never {@link JedisConnectionException}s, which the limiter would answer with a second
     * attempt.
     */
    private static final class OnFirstUse<P extends ConnectionProvider> implements AutoCloseable {

        private final Supplier<P> make;
        private final Duration maxWait;
        private final ReentrantLock making = new ReentrantLock();
        private volatile P provider;
        private volatile boolean closed;

        OnFirstUse(Supplier<P> make, Duration maxWait) {
            this.make = make;
            this.maxWait = maxWait;
        }

        P ifMade() {
            return provider;
        }

        P get() {
            P made = provider;
            if (closed) {
                throw new JedisException("the limiter is closed");
            }
            if (made != null) {
                return made;
            }
            try {
                if (!making.tryLock(maxWait.toNanos(), TimeUnit.NANOSECONDS)) {
                    throw new JedisException("another call is still connecting to Redis");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new JedisException("interrupted while waiting to connect to Redis", e);
            }
            try {
                if (closed) {
                    throw new JedisException("the limiter is closed");
                }
                if (provider == null) {
                    provider = make.get();
                }
                return provider;
            } catch (JedisConnectionException e) {
                throw new JedisException(e.getMessage(), e);
            } finally {
                making.unlock();
            }
        }

        @Override
        public void close() {
            making.lock();
            try {
                closed = true;
                if (provider != null) {
                    provider.close();
                }
            } catch (Exception e) {
                // Jedis' providers declare none: what would one mean at shutdown but a connection already gone?
                LOG.log(Level.FINE, "Closing the Redis connections failed", e);
            } finally {
                making.unlock();
            }
        }
    }
}
