package dev.ratelimit.core;

import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * A named limit: the bucket's shape, what one call costs, and what to do when the store cannot decide. It
 * says nothing about who the caller is; whoever calls the {@link RateLimiter} names the {@link ClientId}.
 *
 * @param name        the bucket family: calls under one name share one bucket per client
 * @param limits      the bucket's shape
 * @param cost        tokens one call takes, between 1 and the capacity
 * @param failureMode what a decision becomes when the store cannot make it
 * @param extraBands  further limits every call must also fit, decided with the first in one step; usually none
 * @param leasing     whether an instance takes tokens ahead of calls; {@link Leasing#OFF}: every call asks the store
 */
public record RateLimitPolicy(
        String name, BucketLimits limits, long cost, FailureMode failureMode, List<Band> extraBands, Leasing leasing) {

    /** A policy's bands, its own limits included: each is one Redis key, and one Lua call checks them all. */
    public static final int MAX_BANDS = 8;

    /**
     * Names travel inside Redis keys (within a Cluster hash tag, split from the client id at ':') and inside
     * the quoted {@code RateLimit-Policy} header item: no braces, colons, quotes or spaces. '/' and '$' let a
     * method be its own policy, named {@code <fully.qualified.Class>/<method>}.
     */
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9._/$-]{1,200}");

    public RateLimitPolicy {
        if (name == null || !NAME.matcher(name).matches()) {
            throw new InvalidLimitException(
                    "name", "must be 1 to 200 of the characters A-Z a-z 0-9 . _ / $ -, was '" + name + "'");
        }
        Objects.requireNonNull(limits, "limits");
        Objects.requireNonNull(failureMode, "failureMode");
        Objects.requireNonNull(leasing, "leasing");
        extraBands = List.copyOf(extraBands);
        if (cost < 1) {
            throw new InvalidLimitException("cost", "must be at least 1, was " + cost);
        }
        if (cost > limits.capacity()) {
            throw new InvalidLimitException(
                    "cost",
                    "must not exceed capacity " + limits.capacity() + ", was " + cost
                            + ": such a call could never be allowed");
        }
        if (extraBands.size() + 1 > MAX_BANDS) {
            throw new InvalidLimitException(
                    "bands",
                    "a policy holds at most " + MAX_BANDS + " bands, its own" + " limits included; was given "
                            + (extraBands.size() + 1));
        }
        Set<String> bandNames = new HashSet<>();
        for (Band band : extraBands) {
            if (!bandNames.add(band.name())) {
                throw new InvalidLimitException("bands", "two bands are named '" + band.name() + "'");
            }
            if (cost > band.limits().capacity()) {
                throw new InvalidLimitException(
                        "cost",
                        "must not exceed band '" + band.name() + "''s capacity "
                                + band.limits().capacity() + ", was " + cost + ": such a call could never be allowed");
            }
        }
    }

    /** A policy that does not lease. */
    public RateLimitPolicy(
            String name, BucketLimits limits, long cost, FailureMode failureMode, List<Band> extraBands) {
        this(name, limits, cost, failureMode, extraBands, Leasing.OFF);
    }

    /** A policy of one band, its own limits, that does not lease. */
    public RateLimitPolicy(String name, BucketLimits limits, long cost, FailureMode failureMode) {
        this(name, limits, cost, failureMode, List.of());
    }

    /** This policy, leasing as given. */
    public RateLimitPolicy withLeasing(Leasing leasing) {
        return new RateLimitPolicy(name, limits, cost, failureMode, extraBands, leasing);
    }

    /**
     * The most tokens one lease takes beyond its call's cost: the leasing share of the smallest band's capacity,
     * rounded down; 0 when the policy does not lease, or its buckets are too small for a share to hold a token.
     */
    public long maxLeasedTokens() {
        if (!leasing.isOn()) {
            return 0;
        }
        long smallest = limits.capacity();
        for (Band band : extraBands) {
            smallest = Math.min(smallest, band.limits().capacity());
        }
        return (long) Math.floor(smallest * leasing.maxShare());
    }

    /** The limits of band {@code index}, as a {@link Decision} numbers them: 0 is the policy's own. */
    public BucketLimits limitsOfBand(int index) {
        return index == 0 ? limits : extraBands.get(index - 1).limits();
    }

    /**
     * The name a band goes by outside: the policy's own name for its own limits, {@code <policy>.<band>} for
     * the others.
     */
    public String nameOfBand(int index) {
        return index == 0 ? name : name + "." + extraBands.get(index - 1).name();
    }

    /** 1 plus the extra bands. */
    public int bandCount() {
        return 1 + extraBands.size();
    }
}
