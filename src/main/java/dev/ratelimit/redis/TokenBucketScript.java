package dev.ratelimit.redis;

import dev.ratelimit.core.BucketLimits;
import dev.ratelimit.core.Decision;
import redis.clients.jedis.CommandObject;
import redis.clients.jedis.CommandObjects;
import redis.clients.jedis.RedisProtocol;
import redis.clients.jedis.exceptions.JedisDataException;
import redis.clients.jedis.exceptions.JedisNoScriptException;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.function.Function;

/**
 * The token bucket Lua script ({@code token_bucket.lua} beside this class), read once and called by its
 * SHA-1 with EVALSHA. Its SHA is computed here, so no call to Redis is needed before the first decision;
 * when Redis answers NOSCRIPT (restarted, or its script cache flushed) the call is made once more with
 * EVAL, which also caches the script again. Nothing else is retried: after a timeout, Redis may have run
 * the script already.
 */
final class TokenBucketScript {

    private static final String RESOURCE = "token_bucket.lua";
    /** How a reply that is no decision is reported: {@link RedisFailures} tells it by this. */
    static final String NOT_A_DECISION = "the token bucket script answered ";

    private static final CommandObjects COMMANDS = new CommandObjects(RedisProtocol.RESP2);

    private final String source;
    private final String sha1;

    private TokenBucketScript(String source) {
        this.source = source;
        this.sha1 = sha1Hex(source);
    }

    static TokenBucketScript load() {
        try (InputStream in = TokenBucketScript.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException(RESOURCE + " is missing beside " + TokenBucketScript.class.getName());
            }
            return new TokenBucketScript(new String(in.readAllBytes(), StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + RESOURCE, e);
        }
    }

    String sha1() {
        return sha1;
    }

    /**
     * Decides at Redis' own clock, so that instances with skewed clocks agree.
     *
     * @param redis runs a command on the node that holds the key
     */
    Decision run(Function<CommandObject<Object>, Object> redis, String key, BucketLimits limits, long cost) {
        return call(redis, key, limitArgs(limits, cost));
    }

    /** Decides at an explicit time in milliseconds, which lets tests of the algorithm control the clock. */
    Decision runAt(Function<CommandObject<Object>, Object> redis, String key, BucketLimits limits, long cost, long nowMillis) {
        List<String> args = limitArgs(limits, cost);
        return call(redis, key, List.of(args.get(0), args.get(1), args.get(2), args.get(3), Long.toString(nowMillis)));
    }

    private static List<String> limitArgs(BucketLimits limits, long cost) {
        return List.of(Long.toString(limits.capacity()), Long.toString(limits.refillTokens()),
                Long.toString(limits.refillPeriodMillis()), Long.toString(cost));
    }

    private Decision call(Function<CommandObject<Object>, Object> redis, String key, List<String> args) {
        List<String> keys = List.of(key);
        Object reply;
        try {
            reply = redis.apply(COMMANDS.evalsha(sha1, keys, args));
        } catch (JedisNoScriptException e) {
            reply = redis.apply(COMMANDS.eval(source, keys, args));
        }
        if (!(reply instanceof List<?> values) || values.size() != 4 || !(values.get(0) instanceof Long)
                || !(values.get(1) instanceof Long) || !(values.get(2) instanceof Long)
                || !(values.get(3) instanceof Long)) {
            // Another script under our SHA, or a proxy in between: never a decision to act on.
            throw new JedisDataException(NOT_A_DECISION + reply + ", not four integers");
        }
        return new Decision((Long) values.get(0) == 1L, (Long) values.get(1), (Long) values.get(2),
                (Long) values.get(3));
    }

    private static String sha1Hex(String text) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-1").digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java runtime has SHA-1", e);
        }
    }
}
