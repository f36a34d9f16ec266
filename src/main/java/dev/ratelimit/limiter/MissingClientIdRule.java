package dev.ratelimit.limiter;

/** What a policy does with a request that carries no client id. */
public enum MissingClientIdRule {
    /** Answer 400 Bad Request naming what is missing. */
    REJECT,
    /** Count the request against one bucket shared by every caller without an id. */
    ANONYMOUS
}
