package dev.ratelimit.integration.config;

import java.lang.reflect.Method;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/** Each {@code @RateLimited} method's policy, resolved once at deployment and looked up on every call. */
public final class EndpointPolicies {

    private final Map<Endpoint, EndpointPolicy> byEndpoint;

    EndpointPolicies(Map<Endpoint, EndpointPolicy> byEndpoint) {
        this.byEndpoint = Map.copyOf(byEndpoint);
    }

    /**
     * @param beanClass the class of the bean whose method is called, as the container declared it
     * @throws IllegalStateException for a method the deployment did not announce as {@code @RateLimited}
     */
    public EndpointPolicy of(Class<?> beanClass, Method method) {
        EndpointPolicy policy = byEndpoint.get(new Endpoint(beanClass, method));
        if (policy == null) {
            throw new IllegalStateException(new Endpoint(beanClass, method)
                    + " was not found @RateLimited while the application deployed");
        }
        return policy;
    }

    /** The names of every policy in use, sorted. */
    public Set<String> policyNames() {
        Set<String> names = new TreeSet<>();
        byEndpoint.values().forEach(endpoint -> names.add(endpoint.policy().name()));
        return names;
    }
}
