package dev.ratelimit.redis;

/** The Redis deployments the limiter keeps its buckets in. */
public enum RedisTopology {
    /** One Redis server. */
    STANDALONE,
    /** A Redis Cluster: each key on the shard owning its hash slot. */
    CLUSTER,
    /** A primary with replicas that Redis Sentinel watches, following the primary through failovers. */
    SENTINEL
}
