package dev.ratelimit.redis;

import dev.ratelimit.core.FailureReason;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.IntConsumer;
import java.util.function.Supplier;
import java.util.logging.Logger;
import redis.clients.jedis.CommandObject;
import redis.clients.jedis.CommandObjects;
import redis.clients.jedis.Connection;
import redis.clients.jedis.RedisProtocol;
import redis.clients.jedis.exceptions.JedisException;

/**
 * Connections to the Redis node that holds a key, in the deployment the URL names. Each node has a name, its
 * {@code host:port}, so that the limiter can keep a circuit breaker per node: a dead shard or primary stops
 * only the decisions whose keys it holds. Commands run on pooled connections, one attempt each: what follows
 * a failure is the limiter's to decide, since a command that timed out may have run.
 */
abstract sealed class RedisNodes implements AutoCloseable permits SingleNode, ClusterNodes, SentinelNodes {

    /** One logger for the connections of every deployment: one name turns their logging up or down. */
    static final Logger LOG = Logger.getLogger(RedisNodes.class.getName());

    private static final CommandObjects COMMANDS = new CommandObjects(RedisProtocol.RESP2);

    private final RedisSettings settings;
    private final IntConsumer pipelineSent;

    RedisNodes(RedisSettings settings, IntConsumer pipelineSent) {
        this.settings = settings;
        this.pipelineSent = pipelineSent;
    }

    /** @param pipelineSent told the number of calls of each pipeline sent to any node */
    static RedisNodes connect(RedisSettings settings, IntConsumer pipelineSent) {
        return switch (settings.topology()) {
            case STANDALONE -> new SingleNode(settings, pipelineSent);
            case CLUSTER -> new ClusterNodes(settings, pipelineSent);
            case SENTINEL -> new SentinelNodes(settings, pipelineSent);
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

    /** Whether one script call may take all these keys: on one Redis or one Sentinel primary, it always may. */
    boolean shareOneSlot(List<String> keys) {
        return true;
    }

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
    PipelinedCalls pipelinedCalls(Supplier<Connection> connections) {
        return new PipelinedCalls(connections, settings.poolSize(), settings.commandTimeout(), pipelineSent);
    }
}
