package dev.ratelimit.redis;

import dev.ratelimit.core.FailureReason;
import java.util.List;
import java.util.Optional;

/**
 * What one PING of each Redis node that decisions go to found, beside each node's circuit breaker: a health
 * check's view of Redis, taken outside the breakers and the decisions' counts.
 *
 * @param topology the deployment the URL names
 * @param nodes    the node the URL names, every master of a cluster's slot map, or the primary Sentinel
 *                 names; the seeds or the Sentinels, by their addresses, while they name none
 */
public record RedisProbe(RedisTopology topology, List<Node> nodes) {

    public RedisProbe {
        nodes = List.copyOf(nodes);
    }

    /** Whether every node answered: a key held by one that did not cannot be decided. */
    public boolean reachable() {
        return nodes.stream().allMatch(Node::reachable);
    }

    /**
     * One node as the probe found it.
     *
     * @param name    {@code host:port}, as in the breaker's log lines and the failures' messages
     * @param breaker its circuit breaker's state; closed for a node no decision asked lately
     * @param failure why it did not answer the PING; empty when it did
     */
    public record Node(String name, BreakerState breaker, Optional<FailureReason> failure) {

        public boolean reachable() {
            return failure.isEmpty();
        }
    }
}
