package dev.ratelimit.config;

import dev.ratelimit.limiter.RateLimitPolicy;

import java.lang.reflect.Method;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * Each {@code @RateLimited} method's policy, resolved from config once and kept. A method is known by its
 * bean class too: two resources inheriting one method may limit it under their own class-level policies.
 */
public final class PolicyCatalog {

    private record Endpoint(Class<?> beanClass, Method method) {
    }

    private final PolicyResolver resolver;
    private final ConcurrentMap<Endpoint, RateLimitPolicy> byEndpoint = new ConcurrentHashMap<>();

    public PolicyCatalog(PolicyResolver resolver) {
        this.resolver = resolver;
    }

    /**
     * Resolves a method of a bean class while the application deploys.
     *
     * @throws InvalidRateLimitConfigException when the method's configuration cannot work
     */
    public RateLimitPolicy register(Class<?> beanClass, Method method) {
        RateLimitPolicy policy = resolver.resolve(beanClass, method);
        byEndpoint.put(new Endpoint(beanClass, method), policy);
        return policy;
    }

    /**
     * The policy of a call. The container calls a subclass of the bean class it generated, so the classes
     * above it are searched for the registered one.
     */
    public RateLimitPolicy policyFor(Class<?> targetClass, Method method) {
        for (Class<?> type = targetClass; type != null; type = type.getSuperclass()) {
            RateLimitPolicy registered = byEndpoint.get(new Endpoint(type, method));
            if (registered != null) {
                return registered;
            }
        }
        // A bean the deployment did not announce: resolved on its first call instead.
        return byEndpoint.computeIfAbsent(new Endpoint(targetClass, method),
                endpoint -> resolver.resolve(targetClass, method));
    }

    public Set<String> policyNames() {
        Set<String> names = new TreeSet<>();
        byEndpoint.values().forEach(policy -> names.add(policy.name()));
        return names;
    }
}
