package dev.ratelimit.core;

/**
 * The outcome of one attempt to take tokens from a bucket.
 *
 * @param allowed          whether the tokens were taken
 * @param remaining        whole tokens left in the bucket after this attempt
 * @param retryAfterMillis when denied, how long until the bucket holds enough tokens; 0 when allowed
 * @param resetAfterMillis how long until the bucket is full again
 * @param band             which of the policy's bands the figures describe (see
 *                         {@link RateLimitPolicy#limitsOfBand}): when refused, the one that makes the caller wait
 *                         longest; when allowed, the one with the fewest tokens left
 */
public record Decision(boolean allowed, long remaining, long retryAfterMillis, long resetAfterMillis, int band) {

    /** A decision on a policy's own limits. */
    public Decision(boolean allowed, long remaining, long retryAfterMillis, long resetAfterMillis) {
        this(allowed, remaining, retryAfterMillis, resetAfterMillis, 0);
    }

    /** The wait to announce in {@code Retry-After}: whole seconds, rounded up, never 0. */
    public long retryAfterSeconds() {
        return Math.max(1, BucketLimits.ceilDiv(retryAfterMillis, 1000));
    }

    /** Whole seconds, rounded up, until the bucket is full again. */
    public long resetAfterSeconds() {
        return BucketLimits.ceilDiv(resetAfterMillis, 1000);
    }
}
