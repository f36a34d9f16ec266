package dev.ratelimit.integration.config;

import java.lang.reflect.Method;

/**
 * A {@code @RateLimited} method as one bean class exposes it. A method is known by its bean class too: two
 * resources inheriting one method may limit it under their own class-level policies.
 */
public record Endpoint(Class<?> beanClass, Method method) {

    @Override
    public String toString() {
        return beanClass.getName() + "#" + method.getName();
    }
}
