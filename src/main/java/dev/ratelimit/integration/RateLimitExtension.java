package dev.ratelimit.integration;

import dev.ratelimit.ClientIdResolver;
import dev.ratelimit.RateLimited;
import dev.ratelimit.integration.config.Endpoint;
import dev.ratelimit.integration.config.EndpointPolicies;
import dev.ratelimit.integration.config.InvalidRateLimitConfigException;
import dev.ratelimit.integration.config.LimiterSettings;
import dev.ratelimit.integration.config.PolicyReloader;
import dev.ratelimit.integration.config.RateLimitConfiguration;
import jakarta.annotation.PostConstruct;
import jakarta.annotation.PreDestroy;
import jakarta.annotation.Priority;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.AmbiguousResolutionException;
import jakarta.enterprise.inject.spi.AfterBeanDiscovery;
import jakarta.enterprise.inject.spi.AfterDeploymentValidation;
import jakarta.enterprise.inject.spi.AnnotatedMethod;
import jakarta.enterprise.inject.spi.AnnotatedType;
import jakarta.enterprise.inject.spi.Bean;
import jakarta.enterprise.inject.spi.BeanManager;
import jakarta.enterprise.inject.spi.DeploymentException;
import jakarta.enterprise.inject.spi.Extension;
import jakarta.enterprise.inject.spi.ProcessManagedBean;
import jakarta.interceptor.Interceptor;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
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
    private RateLimitConfiguration configuration;
    private PolicyReloader reloader;

    void discoverRateLimitedMethods(@Observes ProcessManagedBean<?> event) {
        AnnotatedType<?> type = event.getAnnotatedBeanClass();
        if (type.isAnnotationPresent(Interceptor.class)) {
            // The interceptor carries its own binding; it is not an endpoint.
            return;
        }
        // getAnnotations, unlike isAnnotationPresent, finds a repeated @RateLimited too.
        boolean wholeClass = !type.getAnnotations(RateLimited.class).isEmpty();
        for (AnnotatedMethod<?> annotated : type.getMethods()) {
            Method method = annotated.getJavaMember();
            if (!annotated.getAnnotations(RateLimited.class).isEmpty() || (wholeClass && isBusinessMethod(method))) {
                endpoints.add(new Endpoint(event.getBean().getBeanClass(), method));
            }
        }
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
            LOG.info(() -> "Rate limiting " + endpoints.size() + (endpoints.size() == 1 ? " method" : " methods")
                    + " under the policies " + configuration.endpointPolicies().policyNames() + ", with "
                    + configuration.settings().redis());
            configuration.warnings().forEach(LOG::warning);
        } catch (InvalidRateLimitConfigException e) {
            problems.addAll(e.problems());
        }
        problems.addAll(moreThanOneClientIdResolver(beanManager));
        if (!problems.isEmpty()) {
            event.addDeploymentProblem(new ConfigurationRefused(problems));
        }
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

    private static List<String> moreThanOneClientIdResolver(BeanManager beanManager) {
        Set<Bean<?>> resolvers = beanManager.getBeans(ClientIdResolver.class);
        try {
            beanManager.resolve(resolvers);
            return List.of();
        } catch (AmbiguousResolutionException e) {
            return new InvalidRateLimitConfigException("several beans implement " + ClientIdResolver.class.getName()
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
