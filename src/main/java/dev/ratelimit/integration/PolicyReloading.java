package dev.ratelimit.integration;

import dev.ratelimit.integration.config.PolicyReloader;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.context.Initialized;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;

/**
 * Ties the reloading of policies to the application: started once it has started, so that a deployment
 * that fails leaves no thread behind, and stopped when it stops, so that a redeployment does not leave the
 * old one's thread reading the old one's configuration.
 */
@ApplicationScoped
public class PolicyReloading {

    @Inject
    PolicyReloader reloader;

    void start(@Observes @Initialized(ApplicationScoped.class) Object applicationStarted) {
        reloader.start();
    }

    @PreDestroy
    void stop() {
        reloader.close();
    }
}
