package dev.ratelimit.redis;

import dev.ratelimit.core.Durations;
import dev.ratelimit.core.FailureReason;
import dev.ratelimit.core.LimiterUnavailableException;
import java.net.SocketTimeoutException;
import java.util.NoSuchElementException;
import java.util.regex.Pattern;
import redis.clients.jedis.exceptions.JedisAccessControlException;
import redis.clients.jedis.exceptions.JedisConnectionException;
import redis.clients.jedis.exceptions.JedisDataException;
import redis.clients.jedis.exceptions.JedisException;

/**
 * Names why Redis could not decide, from what Jedis threw. Error replies are told apart by Redis' own error
 * codes, which lead the reply and survive a script's error wrapping ({@code WRONGTYPE ... script: <sha>}).
 */
final class RedisFailures {

    /**
     * What a node answers while it cannot serve a key for now: a failover, a lost quorum, a restart, or a slot
     * still moving after every redirect was followed.
     */
    private static final Pattern NOT_SERVING =
            Pattern.compile("CLUSTERDOWN|READONLY|LOADING|MASTERDOWN|TRYAGAIN|MOVED|ASK");

    private RedisFailures() {}

    static FailureReason reasonFor(JedisException failure) {
        if (failure instanceof NotADecisionException) {
            return FailureReason.SCRIPT_ERROR;
        }
        if (failure instanceof JedisAccessControlException) {
            FailureReason reason = reasonForReply(String.valueOf(failure.getMessage()));
            return reason == FailureReason.NO_PERMISSION ? reason : FailureReason.AUTHENTICATION;
        }
        if (failure instanceof JedisDataException) {
            return reasonForReply(String.valueOf(failure.getMessage()));
        }
        if (causedBy(failure, SocketTimeoutException.class)) {
            return FailureReason.TIMEOUT;
        }
        if (failure instanceof JedisConnectionException) {
            JedisDataException reply = causeOfType(failure, JedisDataException.class);
            return reply != null ? reasonForReply(String.valueOf(reply.getMessage())) : FailureReason.CONNECTION;
        }
        if (failure.getCause() instanceof NoSuchElementException) {
            // Jedis' pool gave up waiting for a connection to be returned.
            return FailureReason.POOL_EXHAUSTED;
        }
        if (failure.getCause() instanceof IllegalStateException) {
            // The pool was closed under the call, Redis not asked: the node left the cluster or lost its primary role.
            return FailureReason.NODE_UNAVAILABLE;
        }
        // Jedis' cluster and Sentinel clients keep each node's failure as suppressed, where a refusal can hide.
        for (Throwable suppressed : failure.getSuppressed()) {
            if (suppressed instanceof JedisException node && reasonFor(node) != FailureReason.CONNECTION) {
                return reasonFor(node);
            }
        }
        return FailureReason.CONNECTION;
    }

    private static FailureReason reasonForReply(String reply) {
        if (reply.startsWith("WRONGTYPE")) {
            return FailureReason.WRONG_TYPE;
        }
        if (reply.startsWith("OOM")) {
            return FailureReason.OUT_OF_MEMORY;
        }
        if (reply.startsWith("NOPERM")) {
            return FailureReason.NO_PERMISSION;
        }
        if (reply.startsWith("WRONGPASS") || reply.startsWith("NOAUTH")) {
            return FailureReason.AUTHENTICATION;
        }
        if (reply.startsWith("ERR max number of clients")) {
            return FailureReason.TOO_MANY_CONNECTIONS;
        }
        if (NOT_SERVING.matcher(reply).lookingAt()) {
            return FailureReason.NODE_UNAVAILABLE;
        }
        // Redis 7 appends "script: <sha>" to any error raised in a script: only ERR replies are the script's own.
        if (reply.startsWith("ERR") && reply.contains("script")) {
            return FailureReason.SCRIPT_ERROR;
        }
        return FailureReason.ERROR_REPLY;
    }

    /** What an operator needs to know about the failure, without any credential. */
    private static String explain(FailureReason reason, String key, String node, RedisSettings settings) {
        return switch (reason) {
            case TIMEOUT ->
                "no connection within the connect timeout of "
                        + Durations.format(settings.connectTimeout())
                        + " or no reply within the command timeout of "
                        + Durations.format(settings.commandTimeout())
                        + ": Redis is slow, or this host too busy to read its reply";
            case CONNECTION -> "cannot reach Redis at " + node;
            case TOO_MANY_CONNECTIONS -> "Redis at " + node + " refuses new connections: its maxclients is reached";
            case NODE_UNAVAILABLE ->
                "Redis at " + node + " cannot serve key " + key + " for now: a failover,"
                        + " resharding or restart is under way, or the cluster lost a shard";
            case BREAKER_OPEN -> "Redis at " + node + " not asked: its circuit breaker is open after recent failures";
            case POOL_EXHAUSTED ->
                "all " + settings.poolSize() + " pooled connections to " + node + " stayed busy for "
                        + Durations.format(settings.commandTimeout())
                        + ": more decisions in flight than the pool holds";
            case AUTHENTICATION -> "Redis refused the limiter's credentials";
            case NO_PERMISSION ->
                "the Redis user may not run the limiter's script: grant it +evalsha +eval"
                        + " +get +set +del +time on keys " + settings.keyPrefix() + "*"
                        + (settings.topology() == RedisTopology.CLUSTER ? ", and +cluster|slots +asking" : "");
            case OUT_OF_MEMORY -> "Redis is full: maxmemory is reached and its policy evicts nothing";
            case WRONG_TYPE ->
                "key " + key + " holds something other than a bucket: another application writes"
                        + " under the key prefix '" + settings.keyPrefix() + "'";
            case SCRIPT_ERROR -> "the token bucket script failed";
            case ERROR_REPLY -> "Redis answered with an error";
        };
    }

    /**
     * @param cause what Jedis threw, its secrets already hidden; null when Redis was not asked
     */
    static LimiterUnavailableException unavailable(
            String policy, FailureReason reason, String key, String node, RedisSettings settings, Throwable cause) {
        return new LimiterUnavailableException(
                reason,
                "Redis could not decide for policy '" + policy + "' ("
                        + reason.label() + "): " + explain(reason, key, node, settings)
                        + (cause != null ? " (" + cause.getMessage() + ")" : ""),
                cause);
    }

    private static boolean causedBy(Throwable failure, Class<? extends Throwable> type) {
        return causeOfType(failure, type) != null;
    }

    private static <T extends Throwable> T causeOfType(Throwable failure, Class<T> type) {
        for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
            if (type.isInstance(cause)) {
                return type.cast(cause);
            }
        }
        return null;
    }
}
