package dev.ratelimit.integration;

import dev.ratelimit.NotRateLimited;
import dev.ratelimit.RateLimited;
import jakarta.enterprise.inject.spi.CDI;
import jakarta.ws.rs.container.DynamicFeature;
import jakarta.ws.rs.container.ResourceInfo;
import jakarta.ws.rs.core.FeatureContext;
import jakarta.ws.rs.ext.Provider;
import java.lang.reflect.Method;
import java.util.logging.Logger;

/**
 * Names each resource method that should be limited, by its own {@code @RateLimited}, its class's or the default
 * policy, but that no interceptor reaches: JAX-RS calls it on an instance CDI did not make, because its class is not
 * a bean (no bean-defining annotation in an archive whose beans are discovered by annotation). JAX-RS shows every
 * resource method to a dynamic feature as the application starts, which CDI cannot: such classes never reach it.
 */
@Provider
public class UnreachableResourceMethods implements DynamicFeature {

    private static final Logger LOG = Logger.getLogger(UnreachableResourceMethods.class.getName());

    @Override
    public void configure(ResourceInfo resource, FeatureContext context) {
        Class<?> resourceClass = resource.getResourceClass();
        Method method = resource.getResourceMethod();
        RateLimitExtension deployment = CDI.current().getBeanManager().getExtension(RateLimitExtension.class);
        if (shouldBeLimited(resourceClass, method, deployment) && !deployment.limits(resourceClass, method)) {
            LOG.warning(() -> resourceClass.getName() + "#" + method.getName() + " is not rate limited: its class is"
                    + " not a CDI bean, so no interceptor runs for it. Give the class a scope, such as @RequestScoped"
                    + " or @ApplicationScoped, or mark it @" + NotRateLimited.class.getSimpleName()
                    + " if it is meant to run unlimited");
        }
    }

    private static boolean shouldBeLimited(Class<?> resourceClass, Method method, RateLimitExtension deployment) {
        if (method.getAnnotationsByType(RateLimited.class).length > 0) {
            return true;
        }
        if (method.isAnnotationPresent(NotRateLimited.class)) {
            return false;
        }
        if (resourceClass.getAnnotationsByType(RateLimited.class).length > 0) {
            return true;
        }
        return deployment.defaultPolicy().isPresent() && !resourceClass.isAnnotationPresent(NotRateLimited.class);
    }
}
