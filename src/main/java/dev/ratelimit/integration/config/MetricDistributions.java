package dev.ratelimit.integration.config;

import java.util.Map;
import java.util.Set;
import org.eclipse.microprofile.config.spi.ConfigSource;

/**
 * The percentiles and histogram buckets MicroProfile Metrics 5.1 keeps for the decision timer,
 * {@code ratelimit.decision.duration}, and the pipeline histogram, {@code ratelimit.redis.pipeline.calls}: without
 * them it exports neither, and only buckets let PromQL add latencies and depths up across instances. A config source of its own, at the lowest ordinal, rather than a
 * {@code microprofile-config.properties}: an application's own file of that name would hide the library's,
 * while any source, that file included, overrides these values. Buckets are whole milliseconds: a bucket of
 * 0.5ms did not appear in Liberty's output.
 */
public final class MetricDistributions implements ConfigSource {

    static final int ORDINAL = 50;

    private static final Map<String, String> DEFAULTS = Map.of(
            "mp.metrics.distribution.percentiles",
            "ratelimit.decision.duration=0.5,0.9,0.99,0.999;ratelimit.redis.pipeline.calls=0.5,0.99",
            "mp.metrics.distribution.timer.buckets",
            "ratelimit.decision.duration=1ms,2ms,5ms,10ms,25ms,50ms,100ms,250ms,500ms,1s,2s",
            "mp.metrics.distribution.histogram.buckets",
            "ratelimit.redis.pipeline.calls=1,2,4,8,16,32,64,128,256");

    @Override
    public Set<String> getPropertyNames() {
        return DEFAULTS.keySet();
    }

    @Override
    public String getValue(String propertyName) {
        return DEFAULTS.get(propertyName);
    }

    @Override
    public String getName() {
        return "rate limiter's decision timer distribution";
    }

    @Override
    public int getOrdinal() {
        return ORDINAL;
    }
}
