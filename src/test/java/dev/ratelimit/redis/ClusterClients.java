package dev.ratelimit.redis;

import dev.ratelimit.core.ClientId;
import dev.ratelimit.core.RateLimitPolicy;
import dev.ratelimit.testsupport.RedisClusterProcess;
import java.io.IOException;

/** Clients picked by where their buckets live on a test cluster. */
final class ClusterClients {

    private ClusterClients() {}

    /** A client whose bucket of this policy lives on the master at {@code port}, found by asking the cluster. */
    static ClientId clientOn(RedisClusterProcess cluster, int port, RateLimitPolicy policy, String prefix)
            throws IOException {
        for (int i = 0; ; i++) {
            ClientId client = ClientId.of("client-" + i);
            if (cluster.masterPortForKey(new BucketKeys(prefix).keyFor(policy, client)) == port) {
                return client;
            }
        }
    }
}
