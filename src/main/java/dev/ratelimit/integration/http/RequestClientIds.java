package dev.ratelimit.integration.http;

import jakarta.servlet.http.HttpServletRequest;
import java.security.Principal;
import java.util.Collections;
import java.util.Optional;

/** The built-in way to tell who calls: the source each policy's {@code client-id} property names. */
public final class RequestClientIds {

    private static final String FORWARDED_FOR = "X-Forwarded-For";

    private final TrustedProxies trustedProxies;
    private final int ipv6PrefixLength;

    /** @param ipv6PrefixLength the leading bits of an IPv6 caller's address that tell it apart, 1..128 */
    public RequestClientIds(TrustedProxies trustedProxies, int ipv6PrefixLength) {
        this.trustedProxies = trustedProxies;
        this.ipv6PrefixLength = ipv6PrefixLength;
    }

    /**
     * The id a request of this source carries for a caller known by the given id, e.g. {@code 2001:db8::1} for a
     * remote-address source is the caller's network, as its requests are counted under.
     */
    public String asRequestsCarryIt(String id, ClientIdSource source) {
        return source.kind() == ClientIdSource.Kind.REMOTE_ADDRESS ? RemoteAddressId.of(id, ipv6PrefixLength) : id;
    }

    /** The caller's address: the peer's, or through trusted proxies the one they were called from; never cut. */
    public String callerAddress(HttpServletRequest request) {
        return trustedProxies.clientAddress(
                request.getRemoteAddr(), Collections.list(request.getHeaders(FORWARDED_FOR)));
    }

    public Optional<String> clientId(HttpServletRequest request, ClientIdSource source) {
        return switch (source.kind()) {
            case HEADER -> Optional.ofNullable(request.getHeader(source.header()));
            case PRINCIPAL -> Optional.ofNullable(request.getUserPrincipal()).map(Principal::getName);
            case REMOTE_ADDRESS -> Optional.of(RemoteAddressId.of(callerAddress(request), ipv6PrefixLength));
            case NONE -> throw new IllegalArgumentException("a policy limited as a whole reads no client id");
        };
    }
}
