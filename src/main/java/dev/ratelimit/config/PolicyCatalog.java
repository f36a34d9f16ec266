package dev.ratelimit.config;

import dev.ratelimit.limiter.RateLimitPolicy;

import java.lang.reflect.Method;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/** Each {@code @RateLimited} method's policy, resolved from config once and kept. */
public final class PolicyCatalog {

    private final PolicyResolver resolver;
    private final ConcurrentMap<Method, RateLimitPolicy> byMethod = new ConcurrentHashMap<>();

    public PolicyCatalog(PolicyResolver resolver) {
        this.resolver = resolver;
    }

    /** @throws InvalidRateLimitConfigException when the method's configuration cannot work */
    public RateLimitPolicy policyFor(Class<?> beanClass, Method method) {
        RateLimitPolicy known = byMethod.get(method);
        return known != null ? known : byMethod.computeIfAbsent(method, m -> resolver.resolve(beanClass, m));
    }

    public Set<String> policyNames() {
        Set<String> names = new TreeSet<>();
        byMethod.values().forEach(policy -> names.add(policy.name()));
        return names;
    }
}
