package dev.ratelimit.integration;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.ratelimit.TierResolver;
import dev.ratelimit.core.ClientId;
import dev.ratelimit.integration.config.EndpointPolicy;
import dev.ratelimit.integration.config.Tier;
import dev.ratelimit.integration.config.Tiering;
import dev.ratelimit.integration.http.ClientIdSource;
import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Instance;
import jakarta.inject.Inject;
import jakarta.servlet.http.HttpServletRequest;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Places each call of a policy with exemptions or tiers: exempt (never decided), in one of its tiers, or under the
 * policy's own limits. The tier comes from where the policy's {@code tier} property says; a call naming no tier, or
 * one the policy does not have, gets the policy's own limits.
 */
@ApplicationScoped
public class CallerTiers {

    /**
     * The stored forms of a policy's exempt ids, made once per list: with a client-id secret each is a keyed hash.
     * Bounded, since every reload that changes a list makes another.
     */
    private final Cache<ExemptIds, Set<ClientId>> storedExemptIds =
            Caffeine.newBuilder().maximumSize(1_000).build();

    @Inject
    Instance<TierResolver> applicationResolver;

    @Inject
    ClientIds clientIds;

    private Optional<TierResolver> resolver = Optional.empty();

    @PostConstruct
    void findResolver() {
        resolver = applicationResolver.isResolvable() ? Optional.of(applicationResolver.get()) : Optional.empty();
    }

    /** Whether the policy never limits the caller, known by its address: no client id is needed to tell. */
    boolean exemptByNetwork(HttpServletRequest request, EndpointPolicy endpoint) {
        Tiering tiering = endpoint.tiering();
        // Most policies exempt no network: they need not read the caller's address through the proxies.
        return !tiering.exemptNetworks().isEmpty()
                && tiering.exemptNetworks().contains(clientIds.callerAddress(request));
    }

    /**
     * Where an identified caller stands with the policy.
     *
     * @return an unlimited {@link Tier} named {@value Tiering#EXEMPT} for an exempt client id; else the caller's tier, or
     *     the policy's own limits under the name {@value Tiering#OWN_LIMITS}
     */
    Tier placementOf(HttpServletRequest request, EndpointPolicy endpoint, ClientId client) {
        Tiering tiering = endpoint.tiering();
        if (!tiering.exemptClients().isEmpty()
                && exemptIds(tiering.exemptClients(), endpoint).contains(client)) {
            return new Tier(Tiering.EXEMPT, Optional.empty());
        }
        return tierOf(request, endpoint).orElseGet(() -> new Tier(Tiering.OWN_LIMITS, Optional.of(endpoint.policy())));
    }

    private Optional<Tier> tierOf(HttpServletRequest request, EndpointPolicy endpoint) {
        Tiering tiering = endpoint.tiering();
        if (!tiering.hasTiers()) {
            return Optional.empty();
        }
        return switch (tiering.source().kind()) {
            case HEADER ->
                Optional.ofNullable(request.getHeader(tiering.source().header()))
                        .flatMap(tiering::tierNamed);
            case ROLE ->
                tiering.tiers().stream()
                        .filter(tier -> request.isUserInRole(tier.name()))
                        .findFirst();
            case RESOLVER ->
                resolver.flatMap(tiers ->
                                tiers.resolve(request, endpoint.policy().name()))
                        .flatMap(tiering::tierNamed);
            case NONE -> Optional.empty();
        };
    }

    private Set<ClientId> exemptIds(List<String> ids, EndpointPolicy endpoint) {
        return storedExemptIds.get(
                new ExemptIds(ids, endpoint.clientIdSource()),
                list -> list.ids().stream()
                        .map(id -> clientIds.storedFor(id, endpoint))
                        .collect(Collectors.toUnmodifiableSet()));
    }

    /** A policy's exempt ids and how its callers' ids are read, which their stored forms depend on. */
    private record ExemptIds(List<String> ids, ClientIdSource source) {}
}
