package dev.ratelimit.interceptor;

import dev.ratelimit.ClientIdResolver;
import dev.ratelimit.config.RateLimitExtension;
import dev.ratelimit.identity.RequestClientIds;
import dev.ratelimit.limiter.ClientId;
import dev.ratelimit.limiter.ClientKeySource;
import dev.ratelimit.limiter.MissingClientIdRule;
import dev.ratelimit.limiter.RateLimitPolicy;
import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Instance;
import jakarta.inject.Inject;
import jakarta.servlet.http.HttpServletRequest;

import java.util.Optional;

/**
 * Tells which client a request comes from: with the application's {@link ClientIdResolver} bean when it
 * has one, else from the source the policy's {@code key} property names.
 */
@ApplicationScoped
public class ClientIds {

    @Inject
    Instance<ClientIdResolver> applicationResolver;

    @Inject
    RateLimitExtension extension;

    private ClientIdResolver custom;
    private RequestClientIds builtIn;

    @PostConstruct
    void chooseResolver() {
        custom = applicationResolver.isResolvable() ? applicationResolver.get() : null;
        builtIn = new RequestClientIds(extension.settings().trustedProxies());
    }

    /**
     * @throws RateLimitRejection 400 Bad Request when the request carries no id and the policy rejects such
     */
    ClientId clientIdOf(HttpServletRequest request, RateLimitPolicy policy) {
        Optional<String> id = custom != null
                ? custom.resolve(request, policy.name())
                : builtIn.clientId(request, policy.clientKey());
        Optional<String> usable = id.filter(value -> !value.isBlank());
        if (usable.isPresent()) {
            return ClientId.of(usable.get());
        }
        if (policy.missingId() == MissingClientIdRule.ANONYMOUS) {
            return ClientId.ANONYMOUS;
        }
        throw RateLimitRejection.missingClientId(policy, expectedSource(policy.clientKey()));
    }

    private String expectedSource(ClientKeySource source) {
        if (custom != null) {
            return "an id the application's " + ClientIdResolver.class.getSimpleName() + " recognises";
        }
        return switch (source.kind()) {
            case HEADER -> "the request header " + source.header();
            case PRINCIPAL -> "an authenticated user";
            case REMOTE_ADDRESS -> "the caller's address";
        };
    }
}
