package dev.ratelimit.it;

import static dev.ratelimit.it.Http.CLIENT_ID;
import static org.assertj.core.api.Assertions.assertThat;

import java.net.URL;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.jboss.arquillian.container.test.api.Deployment;
import org.jboss.arquillian.container.test.api.OperateOnDeployment;
import org.jboss.arquillian.container.test.api.RunAsClient;
import org.jboss.arquillian.junit5.ArquillianExtension;
import org.jboss.arquillian.test.api.ArquillianResource;
import org.jboss.shrinkwrap.api.spec.WebArchive;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Who a caller is: in one deployment, the application's own ClientIdResolver bean decides; in another,
 * the caller's address, read through a trusted local proxy's X-Forwarded-For.
 */
@ExtendWith(ArquillianExtension.class)
@RunAsClient
class ClientIdentityIT {

    private static final String FORWARDED_FOR = "X-Forwarded-For";

    private static final String TENANTS = "ratelimiter-tenants-it";
    private static final String PROXIED = "ratelimiter-proxied-it";

    @Deployment(name = TENANTS, testable = false)
    static WebArchive withTenantResolver() {
        return DemoDeployment.withProbes(TENANTS, Map.of(), TenantClientIdResolver.class);
    }

    @Deployment(name = PROXIED, testable = false)
    static WebArchive behindTrustedProxy() {
        return DemoDeployment.withProbes(PROXIED, Map.of("ratelimit.trusted-proxies", "127.0.0.1,::1"));
    }

    @ArquillianResource
    @OperateOnDeployment(TENANTS)
    URL tenants;

    @ArquillianResource
    @OperateOnDeployment(PROXIED)
    URL proxied;

    @Test
    void theApplicationsResolverDecidesWhoTheCallerIs() {
        String tenant = UUID.randomUUID().toString();

        assertThat(Http.get(tenants, "api/probe/inline", "X-Tenant", tenant, CLIENT_ID, "alice")
                        .statusCode())
                .isEqualTo(200);
        assertThat(Http.get(tenants, "api/probe/inline", "X-Tenant", tenant, CLIENT_ID, "bob")
                        .statusCode())
                .isEqualTo(200);
        assertThat(Http.get(tenants, "api/probe/inline", "X-Tenant", tenant, CLIENT_ID, "carol")
                        .statusCode())
                .isEqualTo(429);
        assertThat(Http.get(
                                tenants,
                                "api/probe/inline",
                                "X-Tenant",
                                UUID.randomUUID().toString())
                        .statusCode())
                .isEqualTo(200);
    }

    @Test
    void whenTheResolverFindsNoIdTheCallGets400NamingIt() {
        HttpResponse<String> response = Http.get(tenants, "api/probe/limited", CLIENT_ID, "alice");

        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(response.body()).contains("ClientIdResolver");
    }

    /**
     * Ids a client can only send past an HTTP client's checks: a CR inside the value, a folded line, and one
     * 8 KB long. Whatever the server makes of them (a 400 of its own, or an id the limiter hashes), no
     * response header holds any part of them.
     */
    @ParameterizedTest(name = "{0}")
    @CsvSource(
            delimiter = '|',
            value = {
                "bare CR        | X-Client-Id: alice\\rSet-Cookie: injected=MARK\\r\\n",
                "bare LF        | X-Client-Id: alice\\nSet-Cookie: injected=MARK\\r\\n",
                "folded line    | X-Client-Id: alice\\r\\n Set-Cookie: injected=MARK\\r\\n",
                "8 KB           | X-Client-Id: LONG-MARK\\r\\n",
            })
    void noResponseHeaderEchoesTheClientId(String description, String headerLine) {
        String mark = UUID.randomUUID().toString();
        String rawHeaderLines = headerLine
                .replace("LONG-MARK", "z".repeat(8 * 1024) + mark)
                .replace("MARK", mark)
                .replace("\\r", "\r")
                .replace("\\n", "\n");

        List<String> head = Http.rawGetHead(proxied, "api/probe/limited", rawHeaderLines);

        assertThat(head.get(0)).as("status line").matches("HTTP/1\\.1 (200|400|429) .*");
        assertThat(head.subList(1, head.size()))
                .as("response headers")
                .noneSatisfy(line -> assertThat(line).containsAnyOf(mark, "injected", "zzzzzzzz"));
    }

    @Test
    void behindATrustedProxyEachForwardedAddressHasItsOwnBucket() {
        String first = "203.0.113." + (1 + (int) (Math.random() * 100));
        String second = "198.51.100." + (1 + (int) (Math.random() * 100));

        assertThat(Http.get(proxied, "api/probe/by-address", FORWARDED_FOR, first)
                        .statusCode())
                .isEqualTo(200);
        assertThat(Http.get(proxied, "api/probe/by-address", FORWARDED_FOR, first)
                        .statusCode())
                .isEqualTo(429);
        assertThat(Http.get(proxied, "api/probe/by-address", FORWARDED_FOR, second)
                        .statusCode())
                .isEqualTo(200);
    }
}
