package dev.ratelimit.integration.http;

import dev.ratelimit.integration.http.ClientIdSource;
import jakarta.servlet.http.HttpServletRequest;
import org.junit.jupiter.api.Test;

import java.lang.reflect.Proxy;
import java.security.Principal;
import java.util.Collections;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class RequestClientIdsTest {

    private static final RequestClientIds NO_PROXIES = new RequestClientIds(TrustedProxies.of(List.of()));

    /** A request with these headers, this peer address and this authenticated user (null for none). */
    private static HttpServletRequest request(Map<String, String> headers, String peer, String user) {
        return (HttpServletRequest) Proxy.newProxyInstance(RequestClientIdsTest.class.getClassLoader(),
                new Class<?>[] {HttpServletRequest.class}, (proxy, method, args) -> switch (method.getName()) {
                    case "getHeader" -> headers.get((String) args[0]);
                    case "getHeaders" -> Collections.enumeration(
                            headers.containsKey((String) args[0]) ? List.of(headers.get((String) args[0])) : List.of());
                    case "getRemoteAddr" -> peer;
                    case "getUserPrincipal" -> user == null ? null : (Principal) () -> user;
                    default -> throw new UnsupportedOperationException(method.getName());
                });
    }

    @Test
    void aHeaderKeyReadsThatHeader() {
        HttpServletRequest request = request(Map.of("X-Api-Key", "k-42"), "10.0.0.1", null);

        assertThat(NO_PROXIES.clientId(request, ClientIdSource.header("X-Api-Key"))).hasValue("k-42");
        assertThat(NO_PROXIES.clientId(request, ClientIdSource.header("X-Client-Id"))).isEmpty();
    }

    @Test
    void aPrincipalKeyReadsTheAuthenticatedUser() {
        assertThat(NO_PROXIES.clientId(request(Map.of(), "10.0.0.1", "alice"), ClientIdSource.PRINCIPAL))
                .hasValue("alice");
        assertThat(NO_PROXIES.clientId(request(Map.of(), "10.0.0.1", null), ClientIdSource.PRINCIPAL)).isEmpty();
    }

    @Test
    void aRemoteAddressKeyReadsThePeerUnlessItIsATrustedProxy() {
        HttpServletRequest proxied = request(Map.of("X-Forwarded-For", "203.0.113.7"), "10.0.0.1", null);

        assertThat(NO_PROXIES.clientId(proxied, ClientIdSource.REMOTE_ADDRESS)).hasValue("10.0.0.1");
        assertThat(new RequestClientIds(TrustedProxies.of(List.of("10.0.0.0/8")))
                .clientId(proxied, ClientIdSource.REMOTE_ADDRESS)).hasValue("203.0.113.7");
    }
}
