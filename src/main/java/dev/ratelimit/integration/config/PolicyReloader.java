package dev.ratelimit.integration.config;

import dev.ratelimit.core.Durations;
import java.time.Duration;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.stream.Collectors;
import org.eclipse.microprofile.config.Config;
import org.eclipse.microprofile.config.spi.ConfigSource;

/**
 * Reads the configuration again every {@code ratelimit.reload-interval}, resolving and checking it
 * exactly as the deployment did, and puts the policies it yields in force when they changed. A configuration
 * the deployment would refuse changes nothing: its problems are logged and the policies in force stay.
 *
 * <p>The shared settings are not reloaded: the Redis client, the local buckets and the rest are built from
 * them once. When one of them changes, the reload says once that it takes a restart.
 *
 * <p>Each report is logged when it differs from the last one, so an unchanged mistake is not repeated at every
 * tick.
 */
public final class PolicyReloader implements AutoCloseable {

    static final String THREAD_NAME = "ratelimit-policy-reload";

    private static final Logger LOG = Logger.getLogger(PolicyReloader.class.getName());
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(5);

    private final Config config;
    private final List<Endpoint> endpoints;
    /** What the application deployed with: its default policy stays in force until it restarts. */
    private final RateLimitConfiguration deployed;

    private final EndpointPolicies inForce;
    private final Duration interval;
    private final Map<String, Optional<String>> restartOnlyAtStart;

    private List<String> lastProblems = List.of();
    private List<String> lastWarnings;
    private Map<String, Optional<String>> lastRestartOnlyChanges = Map.of();
    private ScheduledExecutorService executor;

    /**
     * @param config    the configuration the deployment read
     * @param endpoints every {@code @RateLimited} method of the deployment
     * @param deployed  what the deployment read from {@code config}: its policies are the ones replaced
     */
    public PolicyReloader(Config config, Collection<Endpoint> endpoints, RateLimitConfiguration deployed) {
        this.config = config;
        this.endpoints = List.copyOf(endpoints);
        this.deployed = deployed;
        this.inForce = deployed.endpointPolicies();
        this.interval = deployed.settings().reloadInterval();
        this.lastWarnings = deployed.warnings();
        this.restartOnlyAtStart = restartOnlyValues();
    }

    /** Starts reloading on a daemon thread of its own; with an interval of zero, does nothing. */
    // The task logs its own failures, and close() shuts its executor down: its future holds nothing to read.
    @SuppressWarnings("FutureReturnValueIgnored")
    public synchronized void start() {
        if (interval.isZero() || executor != null) {
            return;
        }
        executor = Executors.newSingleThreadScheduledExecutor(task -> {
            Thread thread = new Thread(task, THREAD_NAME);
            thread.setDaemon(true);
            return thread;
        });
        executor.scheduleWithFixedDelay(
                this::reloadOrSayWhyReloadsStop, interval.toNanos(), interval.toNanos(), TimeUnit.NANOSECONDS);
        LOG.info(() -> "Rate limit policies are read again every " + Durations.format(interval));
    }

    /** Stops the thread, waiting a little for a reload under way. */
    @Override
    public synchronized void close() {
        if (executor == null) {
            return;
        }
        executor.shutdownNow();
        try {
            if (!executor.awaitTermination(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
                LOG.warning(THREAD_NAME + " did not stop within " + Durations.format(STOP_TIMEOUT));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        executor = null;
        LOG.info("Rate limit policies are no longer read again");
    }

    /** An Error leaving a scheduled task cancels every later run without a word: say so before it does. */
    private void reloadOrSayWhyReloadsStop() {
        try {
            reload();
        } catch (Error e) {
            LOG.log(
                    Level.SEVERE,
                    "Rate limit policies are no longer read again: the policies in force stay until"
                            + " the application restarts",
                    e);
            throw e;
        }
    }

    /** One reload: re-reads changed YAML files, then the whole configuration. */
    void reload() {
        RateLimitConfiguration reread;
        try {
            yamlSources().forEach(YamlConfigSource::refresh);
            reread = RateLimitConfiguration.reread(config, endpoints, deployed);
        } catch (InvalidRateLimitConfigException e) {
            refuse(e.problems());
            return;
        } catch (RuntimeException e) {
            // The deployment would have failed too; what matters here is that the thread survives to retry.
            refuse(List.of("the rate limit configuration cannot be read: " + e));
            return;
        }
        if (!lastProblems.isEmpty()) {
            lastProblems = List.of();
            LOG.info("The rate limit configuration is valid again");
        }
        if (!reread.warnings().equals(lastWarnings)) {
            lastWarnings = reread.warnings();
            lastWarnings.forEach(LOG::warning);
        }
        reportRestartOnlyChanges();
        List<EndpointPolicies.Change> changes = inForce.replaceWith(reread.endpointPolicies());
        if (!changes.isEmpty()) {
            LOG.info(() -> "Rate limit policies changed, old -> new:\n  "
                    + changes.stream().map(EndpointPolicies.Change::toString).collect(Collectors.joining("\n  ")));
        }
    }

    private void refuse(List<String> problems) {
        if (problems.equals(lastProblems)) {
            return;
        }
        lastProblems = problems;
        LOG.log(
                Level.SEVERE,
                "The rate limit configuration changed into one a deployment would refuse; the"
                        + " policies in force stay until it is corrected:\n" + String.join("\n", problems));
    }

    private void reportRestartOnlyChanges() {
        Map<String, Optional<String>> now = restartOnlyValues();
        Map<String, Optional<String>> changed = new LinkedHashMap<>();
        now.forEach((key, value) -> {
            if (!value.equals(restartOnlyAtStart.get(key))) {
                changed.put(key, value);
            }
        });
        if (changed.equals(lastRestartOnlyChanges)) {
            return;
        }
        lastRestartOnlyChanges = changed;
        if (!changed.isEmpty()) {
            // Keys only: a changed value may be a password.
            LOG.warning("Changed " + String.join(", ", changed.keySet()) + ": these settings are read at"
                    + " deployment only, so the change takes effect when the application restarts");
        }
    }

    /** The shared settings and each YAML file's ordinal, as configured, by key. */
    private Map<String, Optional<String>> restartOnlyValues() {
        Map<String, Optional<String>> values = new LinkedHashMap<>();
        ConfigKeys.SHARED.forEach(key -> values.put(key.name(), config.getOptionalValue(key.name(), String.class)));
        yamlSources()
                .forEach(yaml -> values.put(
                        ConfigSource.CONFIG_ORDINAL + " of " + yaml.getName(),
                        Optional.ofNullable(yaml.getValue(ConfigSource.CONFIG_ORDINAL))));
        return values;
    }

    private List<YamlConfigSource> yamlSources() {
        return RateLimitConfiguration.yamlSources(config);
    }
}
