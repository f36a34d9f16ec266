package dev.ratelimit.integration.http;

import static org.assertj.core.api.Assertions.assertThat;

import jakarta.servlet.http.HttpServletRequest;
import java.lang.reflect.Proxy;
import java.security.Principal;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class RequestClientIdsTest {

    private static final int DEFAULT_IPV6_PREFIX_LENGTH = 64;
    private static final RequestClientIds NO_PROXIES =
            new RequestClientIds(TrustedProxies.of(List.of()), DEFAULT_IPV6_PREFIX_LENGTH);

    /** A request with these headers, this peer address and this authenticated user (null for none). */
    private static HttpServletRequest request(Map<String, String> headers, String peer, String user) {
        return (HttpServletRequest) Proxy.newProxyInstance(
                RequestClientIdsTest.class.getClassLoader(),
                new Class<?>[] {HttpServletRequest.class},
                (proxy, method, args) -> switch (method.getName()) {
                    case "getHeader" -> headers.get((String) args[0]);
                    case "getHeaders" ->
                        Collections.enumeration(
                                headers.containsKey((String) args[0])
                                        ? List.of(headers.get((String) args[0]))
                                        : List.of());
                    case "getRemoteAddr" -> peer;
                    case "getUserPrincipal" -> user == null ? null : (Principal) () -> user;
                    default -> throw new UnsupportedOperationException(method.getName());
                });
    }

    @Test
    void aHeaderKeyReadsThatHeader() {
        HttpServletRequest request = request(Map.of("X-Api-Key", "k-42"), "10.0.0.1", null);

        assertThat(NO_PROXIES.clientId(request, ClientIdSource.header("X-Api-Key")))
                .hasValue("k-42");
        assertThat(NO_PROXIES.clientId(request, ClientIdSource.header("X-Client-Id")))
                .isEmpty();
    }

    @Test
    void aPrincipalKeyReadsTheAuthenticatedUser() {
        assertThat(NO_PROXIES.clientId(request(Map.of(), "10.0.0.1", "alice"), ClientIdSource.PRINCIPAL))
                .hasValue("alice");
        assertThat(NO_PROXIES.clientId(request(Map.of(), "10.0.0.1", null), ClientIdSource.PRINCIPAL))
                .isEmpty();
    }

    @Test
    void aRemoteAddressKeyReadsThePeerUnlessItIsATrustedProxy() {
        HttpServletRequest proxied = request(Map.of("X-Forwarded-For", "203.0.113.7"), "10.0.0.1", null);

        assertThat(NO_PROXIES.clientId(proxied, ClientIdSource.REMOTE_ADDRESS)).hasValue("10.0.0.1");
        assertThat(new RequestClientIds(TrustedProxies.of(List.of("10.0.0.0/8")), DEFAULT_IPV6_PREFIX_LENGTH)
                        .clientId(proxied, ClientIdSource.REMOTE_ADDRESS))
                .hasValue("203.0.113.7");
    }

    private static String remoteAddressId(String peer, int ipv6PrefixLength) {
        return new RequestClientIds(TrustedProxies.of(List.of()), ipv6PrefixLength)
                .clientId(request(Map.of(), peer, null), ClientIdSource.REMOTE_ADDRESS)
                .orElseThrow();
    }

    @ParameterizedTest(name = "{0} /{1} -> {2}")
    @CsvSource({
        // IPv4: one caller per address, whatever the IPv6 prefix length
        "192.0.2.1,                        64,  192.0.2.1",
        "192.0.2.1,                        1,   192.0.2.1",
        // IPv4-mapped IPv6 is that IPv4 caller
        "::ffff:192.0.2.1,                 64,  192.0.2.1",
        "0:0:0:0:0:ffff:c000:201,          64,  192.0.2.1",
        // IPv6: the network of the prefix length, in one spelling whatever the caller's
        "2001:db8:1:2:aaaa:bbbb:cccc:dddd, 64,  2001:db8:1:2:0:0:0:0",
        "2001:0DB8:0001:0002::1,           64,  2001:db8:1:2:0:0:0:0",
        "2001:db8:1:2:aaaa:bbbb:cccc:dddd, 128, 2001:db8:1:2:aaaa:bbbb:cccc:dddd",
        "2001:db8:1:2:aaaa:bbbb:cccc:dddd, 48,  2001:db8:1:0:0:0:0:0",
        "2001:db8:1:2ff:aaaa::1,           56,  2001:db8:1:200:0:0:0:0",
        "2001:db8:1:2ff:aaaa::1,           57,  2001:db8:1:280:0:0:0:0",
        "ffff:db8::1,                      1,   8000:0:0:0:0:0:0:0",
        "0:0:0:0:0:0:0:1,                  64,  0:0:0:0:0:0:0:0",
        "0:0:0:0:0:0:0:1,                  128, 0:0:0:0:0:0:0:1",
    })
    void aRemoteAddressIsOneIpv4CallerOrOneIpv6Network(String peer, int ipv6PrefixLength, String id) {
        assertThat(remoteAddressId(peer, ipv6PrefixLength)).isEqualTo(id);
    }

    @Test
    void ipv6CallersInOneNetworkShareAnIdAndOtherNetworksDoNot() {
        assertThat(remoteAddressId("2001:db8:0:1::1", 64))
                .isEqualTo(remoteAddressId("2001:db8:0:1:ffff::9", 64))
                .isNotEqualTo(remoteAddressId("2001:db8:0:2::1", 64));
        assertThat(remoteAddressId("2001:db8:0:1::1", 128)).isNotEqualTo(remoteAddressId("2001:db8:0:1::2", 128));
    }

    @Test
    void aForwardedIpv6ClientIsGroupedAsAPeerIs() {
        HttpServletRequest proxied = request(Map.of("X-Forwarded-For", "[2001:db8:7:8::42]:51000"), "10.0.0.1", null);

        assertThat(new RequestClientIds(TrustedProxies.of(List.of("10.0.0.0/8")), DEFAULT_IPV6_PREFIX_LENGTH)
                        .clientId(proxied, ClientIdSource.REMOTE_ADDRESS))
                .hasValue("2001:db8:7:8:0:0:0:0");
    }

    @Test
    void anIdNamedByAPersonIsTheOneRequestsOfItsSourceCarry() {
        RequestClientIds ids = new RequestClientIds(TrustedProxies.of(List.of()), 64);

        assertThat(ids.asRequestsCarryIt("2001:db8::1", ClientIdSource.REMOTE_ADDRESS))
                .as("an IPv6 caller is its /64")
                .isEqualTo("2001:db8:0:0:0:0:0:0");
        assertThat(ids.asRequestsCarryIt("::ffff:192.0.2.1", ClientIdSource.REMOTE_ADDRESS))
                .isEqualTo("192.0.2.1");
        assertThat(ids.asRequestsCarryIt("2001:db8::1", ClientIdSource.header("X-Client-Id")))
                .as("a header's value is taken as it is")
                .isEqualTo("2001:db8::1");
    }
}
