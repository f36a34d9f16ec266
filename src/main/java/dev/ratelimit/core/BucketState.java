package dev.ratelimit.core;

import java.util.List;

/**
 * A client's bucket under a policy as it stands now, read without taking from it: for support (why is this customer
 * refused, and until when) and for tests.
 *
 * @param bands the policy's own band first, then each further band, in the policy's order
 */
public record BucketState(List<Band> bands) {

    public BucketState {
        bands = List.copyOf(bands);
        if (bands.isEmpty()) {
            throw new IllegalArgumentException("a bucket has at least its policy's own band");
        }
    }

    /**
     * One band's bucket.
     *
     * @param name         the band's name outside, as headers name it: the policy's, or {@code <policy>.<band>}
     * @param capacity     tokens it holds at most
     * @param tokens       whole tokens it holds now
     * @param fullInMillis how long until it is full again; 0 when it is
     */
    public record Band(String name, long capacity, long tokens, long fullInMillis) {}

    /** The policy's own band. */
    public Band own() {
        return bands.get(0);
    }

    /** The fewest tokens any band holds: the most calls of cost 1 the client can make now. */
    public long tokens() {
        return bands.stream().mapToLong(Band::tokens).min().orElseThrow();
    }

    /** Whether every band is full: the client has not called lately, or its bucket was reset. */
    public boolean full() {
        return bands.stream().allMatch(band -> band.tokens() == band.capacity());
    }
}
