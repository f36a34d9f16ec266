package dev.ratelimit.config;

import dev.ratelimit.ClientIdResolver;
import dev.ratelimit.RateLimited;
import dev.ratelimit.limiter.BucketLimits;
import dev.ratelimit.limiter.RateLimitPolicy;
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
import java.util.HashMap;
import java.util.List;
import java.util.Map;
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
        @Override
        public String toString() {
            return beanClass.getName() + "#" + method.getName();
        }
    }

    private record PolicyUse(Endpoint endpoint, RateLimitPolicy policy) {
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
        Map<String, PolicyUse> firstUseOfPolicy = new HashMap<>();
        for (Endpoint endpoint : endpoints) {
            try {
                PolicyUse use = new PolicyUse(endpoint, catalog.register(endpoint.beanClass(), endpoint.method()));
                PolicyUse firstUse = firstUseOfPolicy.putIfAbsent(use.policy().name(), use);
                if (firstUse != null) {
                    checkSameLimits(firstUse, use).ifPresent(problems::add);
                }
            } catch (InvalidRateLimitConfigException e) {
                problems.add(e.getMessage());
            }
        }
        problems.addAll(UnknownKeys.among(config.getPropertyNames()));
        checkAtMostOneClientIdResolver(beanManager).ifPresent(problems::add);
        problems.forEach(problem -> validation.addDeploymentProblem(new DeploymentException(problem)));
    }

    /**
     * Methods naming one policy share its bucket; a method- or class-level key must not give them different
     * shapes for it (their costs may differ).
     */
    private static Optional<String> checkSameLimits(PolicyUse first, PolicyUse other) {
        BucketLimits firstLimits = first.policy().limits();
        if (firstLimits.equals(other.policy().limits())) {
            return Optional.empty();
        }
        return Optional.of("Invalid rate limit configuration: policy '" + first.policy().name() + "' is shared by "
                + first.endpoint() + " " + firstLimits + " and " + other.endpoint() + " " + other.policy().limits()
                + ": methods naming one policy share its bucket, so give them the same capacity and refill");
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
