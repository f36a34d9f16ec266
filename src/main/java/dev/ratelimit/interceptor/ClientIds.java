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
     * @return the caller's id; the anonymous one when it has none and the policy allows that; empty when
     *     the policy refuses callers without id
     */
    Optional<ClientId> clientIdOf(HttpServletRequest request, RateLimitPolicy policy) {
        Optional<String> id = custom != null
                ? custom.resolve(request, policy.name())
                : builtIn.clientId(request, policy.clientKey());
        Optional<String> usable = id.map(String::strip).filter(value -> !value.isEmpty());
        if (usable.isPresent()) {
            return Optional.of(ClientId.of(usable.get()));
        }
        return policy.missingId() == MissingClientIdRule.ANONYMOUS ? Optional.of(ClientId.ANONYMOUS) : Optional.empty();
    }

    /** What a caller must send to be told apart, for the 400 a caller without id gets. */
    String expectedSource(ClientKeySource source) {
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
