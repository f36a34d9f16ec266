package dev.ratelimit.integration;

import dev.ratelimit.ClientIdResolver;
import dev.ratelimit.NotRateLimited;
import dev.ratelimit.RateLimited;
import dev.ratelimit.TierResolver;
import dev.ratelimit.integration.config.ConfigKeys;
import dev.ratelimit.integration.config.DefaultPolicyBinding;
import dev.ratelimit.integration.config.Endpoint;
import dev.ratelimit.integration.config.EndpointPolicies;
import dev.ratelimit.integration.config.InvalidRateLimitConfigException;
import dev.ratelimit.integration.config.LimiterSettings;
import dev.ratelimit.integration.config.PolicyReloader;
import dev.ratelimit.integration.config.RateLimitConfiguration;
import dev.ratelimit.integration.http.TierSource;
import jakarta.annotation.PostConstruct;
import jakarta.annotation.PreDestroy;
import jakarta.annotation.Priority;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.AmbiguousResolutionException;
import jakarta.enterprise.inject.spi.AfterBeanDiscovery;
import jakarta.enterprise.inject.spi.AfterDeploymentValidation;
import jakarta.enterprise.inject.spi.Annotated;
import jakarta.enterprise.inject.spi.AnnotatedMethod;
import jakarta.enterprise.inject.spi.AnnotatedType;
import jakarta.enterprise.inject.spi.Bean;
import jakarta.enterprise.inject.spi.BeanManager;
import jakarta.enterprise.inject.spi.BeforeBeanDiscovery;
import jakarta.enterprise.inject.spi.DeploymentException;
import jakarta.enterprise.inject.spi.Extension;
import jakarta.enterprise.inject.spi.ProcessAnnotatedType;
import jakarta.enterprise.inject.spi.ProcessManagedBean;
import jakarta.enterprise.inject.spi.WithAnnotations;
import jakarta.interceptor.Interceptor;
import jakarta.ws.rs.HttpMethod;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.logging.Logger;
import java.util.stream.Collectors;
import org.eclipse.microprofile.config.Config;
import org.eclipse.microprofile.config.ConfigProvider;

/**
 * Discovers every {@code @RateLimited} method while the application deploys and validates its configuration
 * then, so that configuration that cannot work stops the deployment with a message naming the key and the
 * method instead of surfacing on the first request. The validated configuration becomes two beans,
 * {@link LimiterSettings} and {@link EndpointPolicies}, which the rest of the library injects, and a
 * {@link PolicyReloader} that reads the policies again while the application runs.
 */
public class RateLimitExtension implements Extension {

    private static final Logger LOG = Logger.getLogger(RateLimitExtension.class.getName());

    private final Set<Endpoint> endpoints = new LinkedHashSet<>();
    /** Methods given the default policy, by how they are shown: for the startup line. */
    private final Set<String> defaulted = new LinkedHashSet<>();

    private final List<String> bothLimitedAndNot = new ArrayList<>();
    private Optional<String> defaultPolicy = Optional.empty();
    private RateLimitConfiguration configuration;
    private PolicyReloader reloader;

    /**
     * Reads {@code ratelimit.default-policy} before any type is processed; a value that cannot work is reported
     * with every other problem once the deployment is validated, and gives no method a policy meanwhile.
     */
    void readDefaultPolicy(@Observes BeforeBeanDiscovery event) {
        try {
            defaultPolicy = ConfigProvider.getConfig()
                    .getOptionalValue(ConfigKeys.DEFAULT_POLICY.name(), String.class)
                    .map(ConfigKeys.DEFAULT_POLICY::parse);
        } catch (IllegalArgumentException e) {
            defaultPolicy = Optional.empty();
        }
    }

    /**
     * Binds the interceptor to every resource method of a bean class that has no {@code @RateLimited} of its own,
     * on the method or its class, nor a {@code @NotRateLimited}, when a default policy is set.
     */
    <T> void applyTheDefaultPolicy(@Observes @WithAnnotations(HttpMethod.class) ProcessAnnotatedType<T> event) {
        if (defaultPolicy.isEmpty()) {
            return;
        }
        AnnotatedType<T> type = event.getAnnotatedType();
        if (isRateLimited(type) || type.isAnnotationPresent(NotRateLimited.class)) {
            return;
        }
        DefaultPolicyBinding binding = new DefaultPolicyBinding(defaultPolicy.get());
        event.configureAnnotatedType()
                .filterMethods(method -> isResourceMethod(method)
                        && !isRateLimited(method)
                        && !method.isAnnotationPresent(NotRateLimited.class))
                .forEach(method -> {
                    method.add(binding);
                    defaulted.add(type.getJavaClass().getName() + "#"
                            + method.getAnnotated().getJavaMember().getName());
                });
    }

    /**
     * Whether it carries a {@code @RateLimited}: getAnnotations finds a repeated one, which isAnnotationPresent does
     * not, and isAnnotationPresent finds one an extension added, which Weld's getAnnotations does not.
     */
    private static boolean isRateLimited(Annotated annotated) {
        return !annotated.getAnnotations(RateLimited.class).isEmpty()
                || annotated.isAnnotationPresent(RateLimited.class);
    }

    /** A method JAX-RS calls for an HTTP method: one annotated {@code @GET}, {@code @POST} and the like. */
    private static boolean isResourceMethod(AnnotatedMethod<?> method) {
        return method.getAnnotations().stream()
                .anyMatch(annotation -> annotation.annotationType().isAnnotationPresent(HttpMethod.class));
    }

    void discoverRateLimitedMethods(@Observes ProcessManagedBean<?> event) {
        AnnotatedType<?> type = event.getAnnotatedBeanClass();
        if (type.isAnnotationPresent(Interceptor.class)) {
            // The interceptor carries its own binding; it is not an endpoint.
            return;
        }
        boolean wholeClass = isRateLimited(type);
        if (wholeClass && type.isAnnotationPresent(NotRateLimited.class)) {
            bothLimitedAndNot.add(type.getJavaClass().getName());
        }
        for (AnnotatedMethod<?> annotated : type.getMethods()) {
            Method method = annotated.getJavaMember();
            boolean limited = isRateLimited(annotated);
            boolean exempt = annotated.isAnnotationPresent(NotRateLimited.class);
            if (limited && exempt) {
                bothLimitedAndNot.add(new Endpoint(event.getBean().getBeanClass(), method).toString());
            }
            if (limited || (wholeClass && !exempt && isBusinessMethod(method))) {
                endpoints.add(new Endpoint(event.getBean().getBeanClass(), method));
            }
        }
    }

    /**
     * Whether the deployment limits that resource method, for the check of the resource methods that no interceptor
     * can reach.
     */
    boolean limits(Class<?> resourceClass, Method method) {
        return endpoints.stream()
                .anyMatch(endpoint -> endpoint.beanClass().isAssignableFrom(resourceClass)
                        && endpoint.method().getName().equals(method.getName())
                        && Arrays.equals(endpoint.method().getParameterTypes(), method.getParameterTypes()));
    }

    /** The default policy the deployment applies, if any. */
    Optional<String> defaultPolicy() {
        return defaultPolicy;
    }

    void publishConfiguration(@Observes AfterBeanDiscovery event) {
        // Created only after validation, which runs before any bean is.
        event.addBean().types(LimiterSettings.class, Object.class).createWith(context -> configuration.settings());
        event.addBean()
                .types(EndpointPolicies.class, Object.class)
                .createWith(context -> configuration.endpointPolicies());
        event.addBean().types(PolicyReloader.class, Object.class).createWith(context -> reloader);
    }

    /** Early among the observers, so that the configuration exists before any other extension creates a bean. */
    void validate(
            @Observes @Priority(Interceptor.Priority.PLATFORM_BEFORE) AfterDeploymentValidation event,
            BeanManager beanManager) {
        List<String> problems = new ArrayList<>();
        try {
            // The application's own Config, kept for the reloads: their thread is not the application's.
            Config config = ConfigProvider.getConfig();
            configuration = RateLimitConfiguration.read(config, endpoints);
            reloader = new PolicyReloader(config, endpoints, configuration);
            LOG.info(() -> startupLine(configuration));
            configuration.warnings().forEach(LOG::warning);
            problems.addAll(tiersWithoutResolver(configuration.endpointPolicies(), beanManager));
        } catch (InvalidRateLimitConfigException e) {
            problems.addAll(e.problems());
        }
        problems.addAll(moreThanOne(ClientIdResolver.class, beanManager));
        problems.addAll(moreThanOne(TierResolver.class, beanManager));
        bothLimitedAndNot.forEach(element -> problems.add(element + " is both @RateLimited and @"
                + NotRateLimited.class.getSimpleName() + ": keep the one you mean"));
        if (!problems.isEmpty()) {
            event.addDeploymentProblem(new ConfigurationRefused(problems));
        }
    }

    /** How many methods each policy limits, which one is the default, and which Redis. */
    private String startupLine(RateLimitConfiguration deployed) {
        String perPolicy = deployed.endpointPolicies().methodsPerPolicy().entrySet().stream()
                .map(entry -> entry.getKey() + " " + entry.getValue()
                        + (deployed.defaultPolicy()
                                        .filter(entry.getKey()::equals)
                                        .isPresent()
                                ? " (the default policy, given to " + defaulted.size() + ")"
                                : ""))
                .collect(Collectors.joining(", "));
        return "Rate limiting " + endpoints.size() + (endpoints.size() == 1 ? " method" : " methods")
                + (perPolicy.isEmpty() ? "" : ", by policy: " + perPolicy) + "; with "
                + deployed.settings().redis();
    }

    /**
     * The deployment's one problem, a line per fault in the configuration. Without a stack trace: the container
     * prints the message with any trace, and where this code stood says nothing to whoever configured it.
     */
    private static final class ConfigurationRefused extends DeploymentException {

        private static final long serialVersionUID = 1L;

        ConfigurationRefused(List<String> problems) {
            super(String.join("\n", problems));
        }

        @Override
        @SuppressWarnings("UnsynchronizedOverridesSynchronized") // nothing to synchronise: no trace is kept
        public Throwable fillInStackTrace() {
            return this;
        }
    }

    /** Policies whose tiers a {@link TierResolver} tells, in an application without one. */
    private static List<String> tiersWithoutResolver(EndpointPolicies policies, BeanManager beanManager) {
        if (!beanManager.getBeans(TierResolver.class).isEmpty()) {
            return List.of();
        }
        return policies.policyNames().stream()
                .flatMap(name -> policies.policyNamed(name).stream())
                .filter(endpoint -> endpoint.tiering().hasTiers()
                        && endpoint.tiering().source().equals(TierSource.RESOLVER))
                .map(endpoint -> "policy '" + endpoint.policy().name() + "' reads its callers' tiers from the "
                        + "application's " + TierResolver.class.getName() + " (" + ConfigKeys.TIER.name() + ": "
                        + TierSource.RESOLVER + "), and no bean implements it")
                .toList();
    }

    private static List<String> moreThanOne(Class<?> resolver, BeanManager beanManager) {
        Set<Bean<?>> resolvers = beanManager.getBeans(resolver);
        try {
            beanManager.resolve(resolvers);
            return List.of();
        } catch (AmbiguousResolutionException e) {
            return new InvalidRateLimitConfigException("several beans implement " + resolver.getName()
                            + " ("
                            + resolvers.stream()
                                    .map(bean -> bean.getBeanClass().getName())
                                    .sorted()
                                    .collect(Collectors.joining(", "))
                            + "): keep one, or select one with @Alternative @Priority")
                    .problems();
        }
    }

    /** Lifecycle callbacks and compiler-made bridges are not calls a client makes. */
    private static boolean isBusinessMethod(Method method) {
        int modifiers = method.getModifiers();
        return !Modifier.isPrivate(modifiers)
                && !Modifier.isStatic(modifiers)
                && !method.isSynthetic()
                && method.getDeclaringClass() != Object.class
                && !method.isAnnotationPresent(PostConstruct.class)
                && !method.isAnnotationPresent(PreDestroy.class);
    }
}
