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
        return call(redis, keys, args("", charges(policy, policy.cost())));
    }

    /** Decides at an explicit time in milliseconds, which lets tests of the algorithm control the clock. */
    Decision runAt(
            Function<CommandObject<Object>, Object> redis, List<String> keys, RateLimitPolicy policy, long nowMillis) {
        return call(redis, keys, args(Long.toString(nowMillis), charges(policy, policy.cost())));
    }

    /**
     * Decides a call under several policies at once, at Redis' clock: it takes each policy's cost from every band of
     * it, or takes nothing.
     *
     * @param keys every band's bucket, policy after policy, each in its policy's order; all in one slot
     * @return the figures of one band, numbered across the policies in that order
     */
    Decision runTogether(
            Function<CommandObject<Object>, Object> redis, List<String> keys, List<RateLimitPolicy> policies) {
        List<BandCharge> charges = new ArrayList<>();
        policies.forEach(policy -> charges.addAll(charges(policy, policy.cost())));
        return call(redis, keys, args("", charges));
    }

    /**
     * Gives one call's cost back to every band of the policy, up to what each holds at most: the tokens of a call that
     * another policy, decided apart, refused.
     */
    void giveBack(Function<CommandObject<Object>, Object> redis, List<String> keys, RateLimitPolicy policy) {
        call(redis, keys, args("", charges(policy, -policy.cost())));
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
        List<String> args = args(nowMillis, charges(policy, call.cost()));
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
        return call(redis, List.of(key), args("", List.of(new BandCharge(limits, 0))));
    }

    /** A band's shape and the tokens a call takes from it: negative to give them back, 0 to read it. */
    private record BandCharge(BucketLimits limits, long cost) {}

    private static List<BandCharge> charges(RateLimitPolicy policy, long cost) {
        List<BandCharge> bands = new ArrayList<>(policy.bandCount());
        for (int band = 0; band < policy.bandCount(); band++) {
            bands.add(new BandCharge(policy.limitsOfBand(band), cost));
        }
        return bands;
    }

    /** The script's arguments, in the order its header documents; leasing ones follow. */
    private static List<String> args(String now, List<BandCharge> bands) {
        List<String> args = new ArrayList<>(1 + 4 * bands.size() + 5);
        args.add(now);
        for (BandCharge band : bands) {
            args.add(Long.toString(band.limits().capacity()));
            args.add(Long.toString(band.limits().refillTokens()));
            args.add(Long.toString(band.limits().refillPeriodMillis()));
            args.add(Long.toString(band.cost()));
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
