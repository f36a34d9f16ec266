package dev.ratelimit.integration;

import dev.ratelimit.redis.RedisProbe;
import dev.ratelimit.redis.RedisRateLimiter;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.context.Initialized;
import jakarta.enterprise.event.Observes;
import java.util.logging.Logger;
import java.util.stream.Collectors;

/**
 * Says once, when the application has started, whether Redis answers: a Redis that cannot be reached is a WARNING
 * then, rather than news at the first request. The application starts either way, deciding by each policy's failure
 * mode until Redis answers. The PINGs run on a thread of their own, so that a Redis that is down delays no
 * deployment, and outside the circuit breakers, as the readiness check's do.
 */
@ApplicationScoped
public class RedisAtStartup {

    static final String THREAD_NAME = "ratelimit-startup-probe";

    private static final Logger LOG = Logger.getLogger(RedisAtStartup.class.getName());

    void probe(@Observes @Initialized(ApplicationScoped.class) Object applicationStarted, RedisRateLimiter redis) {
        Thread probe = new Thread(() -> report(redis.probe()), THREAD_NAME);
        probe.setDaemon(true);
        probe.start();
    }

    static void report(RedisProbe probe) {
        if (probe.reachable()) {
            LOG.info(() -> "Redis answers at " + nodes(probe));
            return;
        }
        LOG.warning(() -> "Redis cannot be reached at startup: "
                + probe.nodes().stream()
                        .filter(node -> !node.reachable())
                        .map(node -> node.name() + " ("
                                + node.failure().orElseThrow().label() + ")")
                        .collect(Collectors.joining(", "))
                + ". The application runs, and each policy follows its failure mode until Redis answers");
    }

    private static String nodes(RedisProbe probe) {
        return probe.nodes().stream().map(RedisProbe.Node::name).collect(Collectors.joining(", "));
    }
}
