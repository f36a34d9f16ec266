package dev.ratelimit.integration.http;

import jakarta.servlet.http.HttpServletRequest;

import java.security.Principal;
import java.util.Collections;
import java.util.Optional;

/** The built-in way to tell who calls: the source each policy's {@code client-id} property names. */
public final class RequestClientIds {

    private static final String FORWARDED_FOR = "X-Forwarded-For";

    private final TrustedProxies trustedProxies;

    public RequestClientIds(TrustedProxies trustedProxies) {
        this.trustedProxies = trustedProxies;
    }

    public Optional<String> clientId(HttpServletRequest request, ClientIdSource source) {
        return switch (source.kind()) {
            case HEADER -> Optional.ofNullable(request.getHeader(source.header()));
            case PRINCIPAL -> Optional.ofNullable(request.getUserPrincipal()).map(Principal::getName);
            case REMOTE_ADDRESS -> Optional.of(trustedProxies.clientAddress(request.getRemoteAddr(),
                    Collections.list(request.getHeaders(FORWARDED_FOR))));
        };
    }
}
