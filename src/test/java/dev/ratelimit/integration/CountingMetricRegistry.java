package dev.ratelimit.integration;

import java.lang.reflect.Proxy;
import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import org.eclipse.microprofile.metrics.Counter;
import org.eclipse.microprofile.metrics.Histogram;
import org.eclipse.microprofile.metrics.Metadata;
import org.eclipse.microprofile.metrics.MetricRegistry;
import org.eclipse.microprofile.metrics.Tag;
import org.eclipse.microprofile.metrics.Timer;

/**
 * A {@link MetricRegistry} that keeps the counters, gauges, timers and histograms the limiter registers, by name and
 * tags, so that tests can read them without a MicroProfile Metrics runtime; of a timer or a histogram it keeps the
 * number of values. Other kinds of metric are refused.
 */
final class CountingMetricRegistry {

    private final Map<String, AtomicLong> counts = new ConcurrentHashMap<>();
    private final Map<String, Supplier<Number>> gauges = new ConcurrentHashMap<>();

    /**
     * The count of {@code name{tag=value,...}}, tags in the order the limiter registers them, or null when no
     * such counter or timer was registered.
     *
     * @param tags names and values, alternating
     */
    Long count(String name, String... tags) {
        StringBuilder id = new StringBuilder(name).append('{');
        for (int i = 0; i < tags.length; i += 2) {
            id.append(i == 0 ? "" : ",").append(tags[i]).append('=').append(tags[i + 1]);
        }
        AtomicLong count = counts.get(id.append('}').toString());
        return count == null ? null : count.get();
    }

    /** The value of gauge {@code name{tag=value}} now, or null when no such gauge was registered. */
    Number gauge(String name, String tag, String value) {
        Supplier<Number> gauge = gauges.get(name + "{" + tag + "=" + value + "}");
        return gauge == null ? null : gauge.get();
    }

    private static String id(Metadata metadata, Tag[] tags) {
        return metadata.getName()
                + Arrays.stream(tags)
                        .map(tag -> tag.getTagName() + "=" + tag.getTagValue())
                        .collect(Collectors.joining(",", "{", "}"));
    }

    MetricRegistry asRegistry() {
        return (MetricRegistry) Proxy.newProxyInstance(
                getClass().getClassLoader(), new Class<?>[] {MetricRegistry.class}, (proxy, method, args) -> {
                    if (method.getName().equals("counter")
                            && args.length == 2
                            && args[0] instanceof Metadata metadata) {
                        return counter(
                                counts.computeIfAbsent(id(metadata, (Tag[]) args[1]), ignored -> new AtomicLong()));
                    }
                    if (method.getName().equals("timer") && args.length == 2 && args[0] instanceof Metadata metadata) {
                        return timer(
                                counts.computeIfAbsent(id(metadata, (Tag[]) args[1]), ignored -> new AtomicLong()));
                    }
                    if (method.getName().equals("histogram") && args[0] instanceof Metadata metadata) {
                        Tag[] tags = args.length == 2 ? (Tag[]) args[1] : new Tag[0];
                        return histogram(counts.computeIfAbsent(id(metadata, tags), ignored -> new AtomicLong()));
                    }
                    if (method.getName().equals("gauge") && args.length == 4 && args[0] instanceof Metadata metadata) {
                        @SuppressWarnings("unchecked")
                        Function<Object, Number> read = (Function<Object, Number>) args[2];
                        Object source = args[1];
                        gauges.put(id(metadata, (Tag[]) args[3]), () -> read.apply(source));
                        return null;
                    }
                    throw new UnsupportedOperationException(method.toString());
                });
    }

    /** A timer that counts its timings: whatever else is asked of it fails the test. */
    private static Timer timer(AtomicLong timings) {
        return (Timer) Proxy.newProxyInstance(
                CountingMetricRegistry.class.getClassLoader(), new Class<?>[] {Timer.class}, (proxy, method, args) -> {
                    if (method.getName().equals("update") && args.length == 1 && args[0] instanceof Duration) {
                        timings.incrementAndGet();
                        return null;
                    }
                    throw new UnsupportedOperationException(method.toString());
                });
    }

    /** A histogram that counts its values: whatever else is asked of it fails the test. */
    private static Histogram histogram(AtomicLong values) {
        return (Histogram) Proxy.newProxyInstance(
                CountingMetricRegistry.class.getClassLoader(),
                new Class<?>[] {Histogram.class},
                (proxy, method, args) -> {
                    if (method.getName().equals("update") && args.length == 1) {
                        values.incrementAndGet();
                        return null;
                    }
                    throw new UnsupportedOperationException(method.toString());
                });
    }

    private static Counter counter(AtomicLong count) {
        return new Counter() {
            @Override
            public void inc() {
                count.incrementAndGet();
            }

            @Override
            public void inc(long n) {
                count.addAndGet(n);
            }

            @Override
            public long getCount() {
                return count.get();
            }
        };
    }
}
