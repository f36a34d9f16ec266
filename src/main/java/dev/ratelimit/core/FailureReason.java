package dev.ratelimit.core;

import java.util.Locale;

/**
 * Why the store could not decide. Outages (the store unreachable or too slow) are told apart from refusals
 * (the store answered with an error), because they call for different people: an outage for whoever runs
 * the store or the host, a refusal for whoever configured it.
 */
public enum FailureReason {
    /** No reply within the command timeout: the store is slow, or this host too busy to read the reply. */
    TIMEOUT(true),
    /** No connection could be opened, or an open one broke. */
    CONNECTION(true),
    /** The store refused a new connection: it serves as many clients as it allows. */
    TOO_MANY_CONNECTIONS(true),
    /** The store's node cannot serve the key for now: a failover or restart is under way, or a shard is lost. */
    NODE_UNAVAILABLE(true),
    /** Not asked: recent calls failed, so the circuit breaker is open until it probes the store again. */
    BREAKER_OPEN(false),
    /** Every pooled connection was busy for the whole wait: more decisions in flight than the pool holds. */
    POOL_EXHAUSTED(false),
    /** The store refused the credentials. */
    AUTHENTICATION(false),
    /** The store's user may not run what a decision needs. */
    NO_PERMISSION(false),
    /** The store is full and evicts nothing. */
    OUT_OF_MEMORY(false),
    /** A limiter key holds a value of another kind: something else writes under the limiter's key prefix. */
    WRONG_TYPE(false),
    /** The decision's script failed or answered something that is not a decision. */
    SCRIPT_ERROR(false),
    /** Any other error reply, or a failure of the client no other reason names. */
    ERROR_REPLY(false);

    private final boolean outage;

    FailureReason(boolean outage) {
        this.outage = outage;
    }

    /** Whether the store itself is unreachable or too slow, as opposed to answering with a refusal. */
    public boolean outage() {
        return outage;
    }

    /** The reason as metrics and logs name it, e.g. {@code too_many_connections}. */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }
}
