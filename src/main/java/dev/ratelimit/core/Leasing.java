package dev.ratelimit.core;

import java.time.Duration;
import java.util.Objects;

/**
 * Whether, and how far, an instance may take a policy's tokens ahead of its calls: a lease debits them from the
 * shared bucket at once, and the instance admits later calls of that client from it without asking the store,
 * until it is spent or its duration ends; what it did not spend goes back. Nothing is admitted that the bucket did
 * not hand out, so the bound holds; the price is tokens held unused for at most the duration.
 *
 * @param duration how long the store holds a lease for the instance; {@link Duration#ZERO}: the policy does not
 *                 lease, every call is decided by the store
 * @param maxShare the largest part of the smallest band's capacity one lease takes, so that one instance cannot
 *                 hold what others need
 */
public record Leasing(Duration duration, double maxShare) {

    /** A tenth: with two instances, both leasing their most, 80% of a full bucket stays with the others. */
    public static final double DEFAULT_MAX_SHARE = 0.1;

    /** Leases beyond a minute only hold tokens others could use, for longer. */
    public static final Duration MAX_DURATION = Duration.ofMinutes(1);

    /** Every call decided by the store, as without leases. */
    public static final Leasing OFF = new Leasing(Duration.ZERO, DEFAULT_MAX_SHARE);

    public Leasing {
        Objects.requireNonNull(duration, "duration");
        if (duration.isNegative() || duration.compareTo(MAX_DURATION) > 0 || duration.toNanosPart() % 1_000_000 != 0) {
            throw new InvalidLimitException(
                    "lease", "must be off, or whole milliseconds up to 1m, was " + Durations.format(duration));
        }
        if (!(maxShare > 0 && maxShare <= 1)) {
            throw new InvalidLimitException("lease-share", "must be above 0 and at most 1, was " + maxShare);
        }
    }

    /** Leasing for this long, with the default share. */
    public static Leasing forUpTo(Duration duration) {
        return new Leasing(duration, DEFAULT_MAX_SHARE);
    }

    public boolean isOn() {
        return !duration.isZero();
    }

    /** As configuration writes it: {@code off}, or {@code 200ms, share 0.1}. */
    @Override
    public String toString() {
        return isOn() ? Durations.format(duration) + ", share " + maxShare : "off";
    }
}
