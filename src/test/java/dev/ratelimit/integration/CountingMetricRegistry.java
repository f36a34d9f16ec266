package dev.ratelimit.integration;

import org.eclipse.microprofile.metrics.Counter;
import org.eclipse.microprofile.metrics.Metadata;
import org.eclipse.microprofile.metrics.MetricRegistry;
import org.eclipse.microprofile.metrics.Tag;

import java.lang.reflect.Proxy;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;

/**
 * A {@link MetricRegistry} that keeps the counters the limiter registers, by name and tags, so that tests
 * can read them without a MicroProfile Metrics runtime. Other kinds of metric are refused.
 */
final class CountingMetricRegistry {

    private final Map<String, AtomicLong> counts = new ConcurrentHashMap<>();

    /** The count of {@code name{tag=value}}, or null when no such counter was registered. */
    Long count(String name, String tag, String value) {
        AtomicLong count = counts.get(name + "{" + tag + "=" + value + "}");
        return count == null ? null : count.get();
    }

    MetricRegistry asRegistry() {
        return (MetricRegistry) Proxy.newProxyInstance(getClass().getClassLoader(),
                new Class<?>[] {MetricRegistry.class}, (proxy, method, args) -> {
                    if (method.getName().equals("counter") && args.length == 2 && args[0] instanceof Metadata metadata) {
                        String id = metadata.getName() + Arrays.stream((Tag[]) args[1])
                                .map(tag -> tag.getTagName() + "=" + tag.getTagValue())
                                .collect(Collectors.joining(",", "{", "}"));
                        return counter(counts.computeIfAbsent(id, ignored -> new AtomicLong()));
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
