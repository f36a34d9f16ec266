package dev.ratelimit.integration;

import dev.ratelimit.ClientIdResolver;
import dev.ratelimit.core.ClientId;
import dev.ratelimit.integration.config.EndpointPolicy;
import dev.ratelimit.integration.config.LimiterSettings;
import dev.ratelimit.integration.http.ClientIdSource;
import dev.ratelimit.integration.http.MissingClientIdRule;
import dev.ratelimit.integration.http.RequestClientIds;
import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Instance;
import jakarta.inject.Inject;
import jakarta.servlet.http.HttpServletRequest;
import java.util.Optional;

/**
 * Tells which client a request comes from: with the application's {@link ClientIdResolver} bean when it
 * has one, else from the source the policy's {@code client-id} property names. An id that is empty or
 * only whitespace is no id. With a client-id secret, every id is stored as its keyed hash. A policy with
 * {@code client-id: none} reads no id, from the resolver neither: every caller is {@link ClientId#EVERYONE}.
 */
@ApplicationScoped
public class ClientIds {

    @Inject
    Instance<ClientIdResolver> applicationResolver;

    @Inject
    LimiterSettings settings;

    private ClientIdResolver custom;
    private RequestClientIds builtIn;

    @PostConstruct
    void chooseResolver() {
        custom = applicationResolver.isResolvable() ? applicationResolver.get() : null;
        builtIn = new RequestClientIds(settings.trustedProxies(), settings.ipv6PrefixLength());
    }

    /**
     * Who the request comes from, as the policy tells it.
     *
     * @return the caller's id; the anonymous one when it has none and the policy allows that; empty when
     *     the policy refuses callers without id
     */
    Optional<ClientId> clientIdOf(HttpServletRequest request, EndpointPolicy endpoint) {
        if (endpoint.clientIdSource().wholeEndpoint()) {
            return Optional.of(ClientId.EVERYONE);
        }
        Optional<String> id = custom != null
                ? custom.resolve(request, endpoint.policy().name())
                : builtIn.clientId(request, endpoint.clientIdSource());
        Optional<String> usable = id.map(String::strip).filter(value -> !value.isEmpty());
        if (usable.isPresent()) {
            return Optional.of(stored(usable.get()));
        }
        return endpoint.missingClientId() == MissingClientIdRule.ANONYMOUS
                ? Optional.of(ClientId.ANONYMOUS)
                : Optional.empty();
    }

    /**
     * The id a caller named by a person (support staff, a test) is stored under for the policy: an address as
     * requests of a remote-address policy carry it (an IPv6 caller's network), unless the application's resolver
     * tells callers apart; then stored as every id is.
     */
    ClientId storedFor(String id, EndpointPolicy endpoint) {
        return stored(custom != null ? id : builtIn.asRequestsCarryIt(id, endpoint.clientIdSource()));
    }

    /** The id a caller's raw id is stored as: its keyed hash with a client-id secret, else its bounded form. */
    private ClientId stored(String raw) {
        return settings.clientIdSecret().map(secret -> secret.idOf(raw)).orElseGet(() -> ClientId.of(raw));
    }

    /** The caller's address, through the trusted proxies: what exempt networks are matched against. */
    String callerAddress(HttpServletRequest request) {
        return builtIn.callerAddress(request);
    }

    /** What a caller must send to be told apart, for the 400 a caller without id gets. */
    String expectedSource(ClientIdSource source) {
        if (custom != null) {
            return "an id the application's " + ClientIdResolver.class.getSimpleName() + " recognises";
        }
        return switch (source.kind()) {
            case HEADER -> "the request header " + source.header();
            case PRINCIPAL -> "an authenticated user";
            case REMOTE_ADDRESS -> "the caller's address";
            case NONE -> throw new IllegalArgumentException("a policy limited as a whole never lacks a client id");
        };
    }
}
