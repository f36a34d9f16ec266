package dev.ratelimit.it;

import java.net.URL;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.jboss.shrinkwrap.api.spec.WebArchive;

/**
 * What the load tests on two servers share: the flooded endpoint's policy (a bucket of 20 refilled at 20 per
 * second, failing open), the WAR that carries it, what it can admit, and the warm-up of cold servers.
 */
final class FloodedPolicy {

    static final String PATH = "api/flood";
    static final long CAPACITY = 20;
    static final long REFILL_PER_SECOND = 20;

    private static final Duration WARM_UP = Duration.ofSeconds(4);

    private FloodedPolicy() {}

    /** The demo WAR with the probes and {@link FloodProbeResource}; {@code extraConfig} wins over the rest. */
    static WebArchive deployment(String name, Map<String, String> extraConfig) {
        Map<String, String> config = new HashMap<>(Map.of(
                "ratelimit.policies.probe-flood.capacity",
                Long.toString(CAPACITY),
                "ratelimit.policies.probe-flood.refill-tokens",
                Long.toString(REFILL_PER_SECOND),
                "ratelimit.policies.probe-flood.refill-period",
                "1s",
                "ratelimit.policies.probe-flood.failure-mode",
                "open"));
        config.putAll(extraConfig);
        return DemoDeployment.withProbes(name, config, FloodProbeResource.class);
    }

    /** What one client's bucket can admit over this much Redis time: a full bucket, then the refill. */
    static long allowance(long elapsedMillis) {
        return CAPACITY + REFILL_PER_SECOND * elapsedMillis / 1000;
    }

    /**
     * A cold server's first answers take seconds (JIT, first connections to Redis): long enough for a full
     * bucket to waste its refill before a flood drains it. Returns what the warm-up got.
     */
    static Flood.Tally warmUp(List<URL> servers, int threadsPerServer) throws Exception {
        return Flood.start(servers, PATH, "warm-up-client", threadsPerServer, WARM_UP)
                .await();
    }
}
