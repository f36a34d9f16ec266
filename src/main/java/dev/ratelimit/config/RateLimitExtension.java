package dev.ratelimit.config;

import dev.ratelimit.ClientIdResolver;
import dev.ratelimit.RateLimited;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.AmbiguousResolutionException;
import jakarta.enterprise.inject.spi.AfterDeploymentValidation;
import jakarta.enterprise.inject.spi.AnnotatedMethod;
import jakarta.enterprise.inject.spi.AnnotatedType;
import jakarta.enterprise.inject.spi.Bean;
import jakarta.enterprise.inject.spi.BeanManager;
import jakarta.enterprise.inject.spi.DeploymentException;
import jakarta.enterprise.inject.spi.Extension;
import jakarta.enterprise.inject.spi.ProcessAnnotatedType;
import jakarta.enterprise.inject.spi.WithAnnotations;
import jakarta.interceptor.Interceptor;
import org.eclipse.microprofile.config.Config;
import org.eclipse.microprofile.config.ConfigProvider;

import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Finds every {@code @RateLimited} method while the application deploys and resolves its policy then, so
 * that configuration that cannot work stops the deployment with a message naming the key and the method,
 * instead of surfacing on the first request.
 */
public class RateLimitExtension implements Extension {

    private record Endpoint(Class<?> beanClass, Method method) {
    }

    private final List<Endpoint> endpoints = new ArrayList<>();
    private LimiterSettings settings;
    private PolicyCatalog catalog;

    void collectRateLimitedMethods(@Observes @WithAnnotations(RateLimited.class) ProcessAnnotatedType<?> event) {
        AnnotatedType<?> type = event.getAnnotatedType();
        if (type.isAnnotationPresent(Interceptor.class)) {
            // The interceptor carries its own binding; it is not an endpoint.
            return;
        }
        boolean wholeClass = type.isAnnotationPresent(RateLimited.class);
        for (AnnotatedMethod<?> annotated : type.getMethods()) {
            Method method = annotated.getJavaMember();
            if (annotated.isAnnotationPresent(RateLimited.class) || wholeClass && isBusinessMethod(method)) {
                endpoints.add(new Endpoint(type.getJavaClass(), method));
            }
        }
    }

    void validate(@Observes AfterDeploymentValidation validation, BeanManager beanManager) {
        Config config = ConfigProvider.getConfig();
        List<String> problems = new ArrayList<>();
        try {
            settings = LimiterSettings.read(config);
        } catch (InvalidRateLimitConfigException e) {
            problems.add(e.getMessage());
        }
        catalog = new PolicyCatalog(new PolicyResolver(config));
        for (Endpoint endpoint : endpoints) {
            try {
                catalog.policyFor(endpoint.beanClass(), endpoint.method());
            } catch (InvalidRateLimitConfigException e) {
                problems.add(e.getMessage());
            }
        }
        checkAtMostOneClientIdResolver(beanManager).ifPresent(problems::add);
        problems.forEach(problem -> validation.addDeploymentProblem(new DeploymentException(problem)));
    }

    public LimiterSettings settings() {
        return settings;
    }

    public PolicyCatalog catalog() {
        return catalog;
    }

    private static Optional<String> checkAtMostOneClientIdResolver(BeanManager beanManager) {
        Set<Bean<?>> resolvers = beanManager.getBeans(ClientIdResolver.class);
        try {
            beanManager.resolve(resolvers);
            return Optional.empty();
        } catch (AmbiguousResolutionException e) {
            return Optional.of("Invalid rate limit configuration: several beans implement "
                    + ClientIdResolver.class.getName() + " ("
                    + resolvers.stream().map(bean -> bean.getBeanClass().getName()).sorted()
                    .collect(Collectors.joining(", "))
                    + "): keep one, or select one with @Alternative @Priority");
        }
    }

    private static boolean isBusinessMethod(Method method) {
        int modifiers = method.getModifiers();
        return !Modifier.isPrivate(modifiers) && !Modifier.isStatic(modifiers)
                && method.getDeclaringClass() != Object.class;
    }
}
