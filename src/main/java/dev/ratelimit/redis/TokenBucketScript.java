package dev.ratelimit.redis;

import dev.ratelimit.core.BucketLimits;
import dev.ratelimit.core.Decision;
import dev.ratelimit.core.RateLimitPolicy;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.function.Function;
import redis.clients.jedis.CommandObject;
import redis.clients.jedis.CommandObjects;
import redis.clients.jedis.RedisProtocol;
import redis.clients.jedis.exceptions.JedisNoScriptException;

/**
 * The token bucket Lua script ({@code token_bucket.lua} beside this class), read once and called by its
 * SHA-1 with EVALSHA. Its SHA is computed here, so no call to Redis is needed before the first decision;
 * when Redis answers NOSCRIPT (restarted, or its script cache flushed) the call is made once more with
 * EVAL, which also caches the script again. Nothing else is retried: after a timeout, Redis may have run
 * the script already.
 */
final class TokenBucketScript {

    private static final String RESOURCE = "token_bucket.lua";

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
     * @param redis runs a command on the node that holds the keys
     * @param keys  the bucket of each of the policy's bands, in the policy's order
     */
    Decision run(Function<CommandObject<Object>, Object> redis, List<String> keys, RateLimitPolicy policy) {
        return call(redis, keys, args(policy.cost(), "", bandsOf(policy)));
    }

    /** Decides at an explicit time in milliseconds, which lets tests of the algorithm control the clock. */
    Decision runAt(
            Function<CommandObject<Object>, Object> redis, List<String> keys, RateLimitPolicy policy, long nowMillis) {
        return call(redis, keys, args(policy.cost(), Long.toString(nowMillis), bandsOf(policy)));
    }

    /**
     * Decides the call and leases what else the bands hold of {@link LeaseCall#want()}, ending the lease the call
     * names, at Redis' clock.
     *
     * @param keys the bucket of each of the policy's bands, then the set of the leases out on them
     */
    LeaseGrant lease(
            Function<CommandObject<Object>, Object> redis, List<String> keys, RateLimitPolicy policy, LeaseCall call) {
        return leaseAt(redis, keys, policy, call, "");
    }

    /** Leases at an explicit time in milliseconds, for tests of the algorithm. */
    LeaseGrant leaseAt(
            Function<CommandObject<Object>, Object> redis,
            List<String> keys,
            RateLimitPolicy policy,
            LeaseCall call,
            String nowMillis) {
        List<String> args = args(call.cost(), nowMillis, bandsOf(policy));
        args.add(Long.toString(call.want()));
        args.add(Long.toString(call.holdMillis()));
        args.add(call.leaseId());
        args.add(call.ended());
        args.add(Long.toString(call.unspent()));
        List<Long> reply = reply(redis, keys, args, keys.size() - 1, 6);
        return new LeaseGrant(decision(reply), reply.get(5));
    }

    /**
     * Reads one band's bucket as it stands now, at Redis' clock, taking nothing and writing nothing: the script at a
     * cost of 0.
     *
     * @return the bucket's tokens in {@link Decision#remaining()} and the time until it is full again
     */
    Decision peek(Function<CommandObject<Object>, Object> redis, String key, BucketLimits limits) {
        return call(redis, List.of(key), args(0, "", List.of(limits)));
    }

    private static List<BucketLimits> bandsOf(RateLimitPolicy policy) {
        List<BucketLimits> bands = new ArrayList<>(policy.bandCount());
        for (int band = 0; band < policy.bandCount(); band++) {
            bands.add(policy.limitsOfBand(band));
        }
        return bands;
    }

    /** The script's arguments, in the order its header documents; leasing ones follow. */
    private static List<String> args(long cost, String now, List<BucketLimits> bands) {
        List<String> args = new ArrayList<>(2 + 3 * bands.size() + 5);
        args.add(Long.toString(cost));
        args.add(now);
        for (BucketLimits limits : bands) {
            args.add(Long.toString(limits.capacity()));
            args.add(Long.toString(limits.refillTokens()));
            args.add(Long.toString(limits.refillPeriodMillis()));
        }
        return args;
    }

    private Decision call(Function<CommandObject<Object>, Object> redis, List<String> keys, List<String> args) {
        return decision(reply(redis, keys, args, keys.size(), 5));
    }

    /** The script's reply: {@code size} integers, the fifth naming one of the bands. */
    private List<Long> reply(
            Function<CommandObject<Object>, Object> redis,
            List<String> keys,
            List<String> args,
            int bandCount,
            int size) {
        Object reply;
        try {
            reply = redis.apply(COMMANDS.evalsha(sha1, keys, args));
        } catch (JedisNoScriptException e) {
            reply = redis.apply(COMMANDS.eval(source, keys, args));
        }
        if (!(reply instanceof List<?> values)
                || values.size() != size
                || !values.stream().allMatch(Long.class::isInstance)
                || (Long) values.get(4) < 0
                || (Long) values.get(4) >= bandCount) {
            throw new NotADecisionException("the token bucket script answered " + reply + ", not " + size
                    + " integers naming one of " + bandCount + " bands");
        }
        return values.stream().map(Long.class::cast).toList();
    }

    private static Decision decision(List<Long> reply) {
        return new Decision(
                reply.get(0) == 1L,
                reply.get(1),
                reply.get(2),
                reply.get(3),
                reply.get(4).intValue());
    }

    private static String sha1Hex(String text) {
        try {
            return HexFormat.of()
                    .formatHex(MessageDigest.getInstance("SHA-1").digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java runtime has SHA-1", e);
        }
    }
}
