package dev.ratelimit.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.MalformedURLException;
import java.net.URL;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import org.jboss.arquillian.container.test.api.Deployment;
import org.jboss.arquillian.container.test.api.RunAsClient;
import org.jboss.arquillian.junit5.ArquillianExtension;
import org.jboss.arquillian.test.api.ArquillianResource;
import org.jboss.shrinkwrap.api.spec.WebArchive;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Liberty's own {@code <remoteIp>} in front of the {@code remote-address} client id: on the server's
 * forwarded port (see server.xml) Liberty believes X-Forwarded-For from the loopback and hands the
 * forwarded client to {@code getRemoteAddr()}; the library trusts no proxy of its own here. On the default
 * port, without remoteIp, the same header is ignored.
 */
@ExtendWith(ArquillianExtension.class)
@RunAsClient
class RemoteIpIT {

    private static final String FORWARDED_FOR = "X-Forwarded-For";
    private static final String BY_ADDRESS = "api/probe/by-address";

    @Deployment(testable = false)
    static WebArchive deployment() {
        return DemoDeployment.withProbes("ratelimiter-remoteip-it", Map.of());
    }

    @ArquillianResource
    URL base;

    private URL forwardedPort() throws MalformedURLException {
        return new URL(
                base.getProtocol(), base.getHost(), Integer.getInteger("it.forwarded.http.port"), base.getFile());
    }

    private static String randomOctet() {
        return Integer.toString(ThreadLocalRandom.current().nextInt(1, 255));
    }

    @Test
    void throughRemoteIpEachForwardedClientHasItsOwnBucket() throws Exception {
        String first = "203.0.113." + randomOctet();
        String second = "198.51.100." + randomOctet();

        assertThat(Http.get(forwardedPort(), BY_ADDRESS, FORWARDED_FOR, first).statusCode())
                .isEqualTo(200);
        assertThat(Http.get(forwardedPort(), BY_ADDRESS, FORWARDED_FOR, first).statusCode())
                .isEqualTo(429);
        assertThat(Http.get(forwardedPort(), BY_ADDRESS, FORWARDED_FOR, second).statusCode())
                .isEqualTo(200);
    }

    @Test
    void throughRemoteIpIpv6ClientsOfOneNetworkShareABucket() throws Exception {
        String site =
                "2001:db8:" + Integer.toHexString(ThreadLocalRandom.current().nextInt(1, 0xffff));

        assertThat(Http.get(forwardedPort(), BY_ADDRESS, FORWARDED_FOR, site + ":1::1")
                        .statusCode())
                .isEqualTo(200);
        assertThat(Http.get(forwardedPort(), BY_ADDRESS, FORWARDED_FOR, site + ":1::ffff:2")
                        .statusCode())
                .isEqualTo(429);
        assertThat(Http.get(forwardedPort(), BY_ADDRESS, FORWARDED_FOR, site + ":2::1")
                        .statusCode())
                .isEqualTo(200);
    }

    @Test
    void onTheDefaultPortTheForwardedClientsAreOneCallerTheLoopback() {
        // The only test here on the default port: its loopback bucket is fresh
        assertThat(Http.get(base, BY_ADDRESS, FORWARDED_FOR, "203.0.113." + randomOctet())
                        .statusCode())
                .isEqualTo(200);
        assertThat(Http.get(base, BY_ADDRESS, FORWARDED_FOR, "198.51.100." + randomOctet())
                        .statusCode())
                .isEqualTo(429);
    }
}
