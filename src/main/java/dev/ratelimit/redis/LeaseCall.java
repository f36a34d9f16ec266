package dev.ratelimit.redis;

/**
 * A call that may lease: it takes its cost, and up to {@code want} tokens in all from every band of its policy,
 * the ones beyond its cost held for the instance under {@code leaseId}; and it ends the instance's lease
 * {@code ended}, if any, giving back its unspent tokens.
 *
 * @param cost       tokens the call itself takes; 0 for a give-back alone
 * @param want       tokens to take at most, the cost included
 * @param holdMillis how long Redis holds the new lease
 * @param leaseId    the new lease's id
 * @param ended      the Redis member of the lease ended with this call ({@link #member}), or empty
 * @param unspent    that lease's tokens the instance did not spend
 */
record LeaseCall(long cost, long want, long holdMillis, String leaseId, String ended, long unspent) {

    /** How the set of leases names a lease: its tokens first, so the script reads them without another key. */
    static String member(long tokens, String leaseId) {
        return tokens + ":" + leaseId;
    }
}
