package dev.ratelimit.integration.config;

import dev.ratelimit.NotRateLimited;
import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * Each {@code @RateLimited} method's policies (usually one), resolved at deployment, replaced all at once when a reload finds
 * them changed, and looked up on every call.
 */
public final class EndpointPolicies {

    /** Immutable, replaced whole: a call sees either every old policy or every new one. */
    private volatile Map<Endpoint, List<EndpointPolicy>> byEndpoint;

    EndpointPolicies(Map<Endpoint, List<EndpointPolicy>> byEndpoint) {
        this.byEndpoint = Map.copyOf(byEndpoint);
    }

    /**
     * The policies of a method as its bean class exposes it, in the order its annotations are written.
     *
     * @param beanClass the class of the bean whose method is called, as the container declared it
     * @return none for a {@code @NotRateLimited} method of a {@code @RateLimited} class
     * @throws IllegalStateException for a method the deployment did not announce as {@code @RateLimited}
     */
    public List<EndpointPolicy> of(Class<?> beanClass, Method method) {
        List<EndpointPolicy> policy = byEndpoint.get(new Endpoint(beanClass, method));
        if (policy == null && method.isAnnotationPresent(NotRateLimited.class)) {
            return List.of();
        }
        if (policy == null) {
            throw new IllegalStateException(
                    new Endpoint(beanClass, method) + " was not found @RateLimited while the application deployed");
        }
        return policy;
    }

    /**
     * The policy of that name, as some {@code @RateLimited} method uses it now, with how that method tells its
     * callers apart; empty when no method uses it.
     */
    public Optional<EndpointPolicy> policyNamed(String name) {
        return byEndpoint.values().stream()
                .flatMap(List::stream)
                .filter(endpoint -> endpoint.policy().name().equals(name))
                .findFirst();
    }

    /** The names of every policy in use, sorted. */
    public Set<String> policyNames() {
        Set<String> names = new TreeSet<>();
        byEndpoint
                .values()
                .forEach(policies ->
                        policies.forEach(endpoint -> names.add(endpoint.policy().name())));
        return names;
    }

    /** How many methods each policy limits, by name, sorted. */
    public Map<String, Long> methodsPerPolicy() {
        return byEndpoint.values().stream()
                .flatMap(List::stream)
                .collect(Collectors.groupingBy(
                        endpoint -> endpoint.policy().name(), TreeMap::new, Collectors.counting()));
    }

    /** A method whose policy a reload replaced. */
    record Change(Endpoint endpoint, List<EndpointPolicy> before, List<EndpointPolicy> after) {
        @Override
        public String toString() {
            return endpoint + ": " + listed(before) + " -> " + listed(after);
        }

        private static String listed(List<EndpointPolicy> policies) {
            return policies == null
                    ? "none"
                    : policies.stream().map(EndpointPolicy::toString).collect(Collectors.joining(", "));
        }
    }

    /**
     * Takes the other's policies, unless they equal these. Only the reload thread calls it, so no other
     * write can come between the comparison and the swap.
     *
     * @param reread the same methods' policies, read again
     * @return the methods whose policy changed; none when nothing was replaced
     */
    List<Change> replaceWith(EndpointPolicies reread) {
        Map<Endpoint, List<EndpointPolicy>> current = byEndpoint;
        List<Change> changes = new ArrayList<>();
        reread.byEndpoint.forEach((endpoint, after) -> {
            List<EndpointPolicy> before = current.get(endpoint);
            if (!Objects.equals(before, after)) {
                changes.add(new Change(endpoint, before, after));
            }
        });
        changes.sort(Comparator.comparing(change -> change.endpoint().toString()));
        if (!changes.isEmpty()) {
            byEndpoint = reread.byEndpoint;
        }
        return changes;
    }
}
