package dev.ratelimit.integration.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class TrustedProxiesTest {

    private static TrustedProxies trusting(String... entries) {
        return TrustedProxies.of(List.of(entries));
    }

    /** Whether {@code address}, as the peer, is trusted: a trusted peer hands over to X-Forwarded-For. */
    private static boolean trusts(TrustedProxies proxies, String address) {
        return proxies.clientAddress(address, List.of("203.0.113.99")).equals("203.0.113.99");
    }

    // ---- without trusted proxies ---------------------------------------------------------------------------------

    @Test
    void withoutTrustedProxiesThePeerIsTheClientAndXForwardedForIsIgnored() {
        assertThat(TrustedProxies.of(List.of()).clientAddress("198.51.100.7", List.of("203.0.113.1")))
                .isEqualTo("198.51.100.7");
        assertThat(TrustedProxies.of(List.of()).clientAddress("10.0.0.1", List.of("203.0.113.1, 10.0.0.2")))
                .isEqualTo("10.0.0.1");
        assertThat(TrustedProxies.of(List.of()).clientAddress("::1", List.of("203.0.113.1")))
                .isEqualTo("::1");
    }

    @Test
    void anUntrustedPeerIsTheClientWhateverItForwards() {
        TrustedProxies proxies = trusting("10.0.0.0/8");

        assertThat(proxies.clientAddress("198.51.100.7", List.of("10.0.0.5", "203.0.113.1")))
                .isEqualTo("198.51.100.7");
    }

    @Test
    void aTrustedPeerWithoutXForwardedForIsTheClient() {
        assertThat(trusting("10.0.0.0/8").clientAddress("10.0.0.1", List.of())).isEqualTo("10.0.0.1");
        assertThat(trusting("10.0.0.0/8").clientAddress("10.0.0.1", List.of("", " , ")))
                .isEqualTo("10.0.0.1");
    }

    // ---- reading X-Forwarded-For ---------------------------------------------------------------------------------

    @Test
    void aTrustedPeerHandsOverToTheRightmostUntrustedHop() {
        TrustedProxies proxies = trusting("10.0.0.0/8");

        // 6.6.6.6 was written by the client itself: only the hops the trusted proxies appended count
        assertThat(proxies.clientAddress("10.0.0.1", List.of("6.6.6.6, 198.51.100.7, 10.0.0.2")))
                .isEqualTo("198.51.100.7");
        assertThat(proxies.clientAddress("10.0.0.1", List.of("198.51.100.7"))).isEqualTo("198.51.100.7");
    }

    @Test
    void severalHeadersAreReadAsOneListInOrder() {
        TrustedProxies proxies = trusting("10.0.0.0/8");

        assertThat(proxies.clientAddress("10.0.0.1", List.of("6.6.6.6, 198.51.100.7", "10.0.0.3", "10.0.0.2")))
                .isEqualTo("198.51.100.7");
        assertThat(proxies.clientAddress("10.0.0.1", List.of("6.6.6.6", "198.51.100.7, 10.0.0.3")))
                .isEqualTo("198.51.100.7");
    }

    @Test
    void spacesAroundHopsAreIgnored() {
        TrustedProxies proxies = trusting("10.0.0.0/8");

        assertThat(proxies.clientAddress("10.0.0.1", List.of("  198.51.100.7 ,\t10.0.0.2  ")))
                .isEqualTo("198.51.100.7");
    }

    @Test
    void whenEveryHopIsTrustedTheLeftmostIsTheClient() {
        TrustedProxies proxies = trusting("10.0.0.0/8");

        assertThat(proxies.clientAddress("10.0.0.1", List.of("10.0.0.9, 10.0.0.3", "10.0.0.2")))
                .isEqualTo("10.0.0.9");
    }

    @Test
    void aChainOfDifferentTrustedNetworksIsWalkedBack() {
        TrustedProxies proxies = trusting("10.0.0.0/8", "fd00::/8", "192.0.2.10");

        assertThat(proxies.clientAddress("192.0.2.10", List.of("198.51.100.7, 10.1.1.1, fd00::5")))
                .isEqualTo("198.51.100.7");
    }

    @Test
    void anUntrustedHopInTheMiddleStopsTheWalk() {
        TrustedProxies proxies = trusting("10.0.0.0/8");

        assertThat(proxies.clientAddress("10.0.0.1", List.of("198.51.100.1, 10.0.0.5, 198.51.100.2, 10.0.0.2")))
                .isEqualTo("198.51.100.2");
    }

    // ---- malformed X-Forwarded-For ------------------------------------------------------------------------------

    @ParameterizedTest(name = "[{0}] -> {1}")
    @CsvSource(
            delimiter = '|',
            value = {
                // A hop that is no address stops the walk: the trusted proxy that wrote it is the client
                "unknown                              | 10.0.0.1",
                "198.51.100.7, unknown                | 10.0.0.1",
                "198.51.100.7, unknown, 10.0.0.2      | 10.0.0.2",
                "_hidden, 10.0.0.2                    | 10.0.0.2",
                "198.51.100.7, _Ab3-x.9               | 10.0.0.1",
                "198.51.100.7, proxy.example.com      | 10.0.0.1",
                "198.51.100.7, not an address         | 10.0.0.1",
                "198.51.100.7, 256.1.1.1              | 10.0.0.1",
                "198.51.100.7, 1.2.3                  | 10.0.0.1",
                "198.51.100.7, 2001:db8::1::2         | 10.0.0.1",
                "198.51.100.7, \"198.51.100.8\"      | 10.0.0.1",
                "198.51.100.7, for=198.51.100.8       | 10.0.0.1",
                "198.51.100.7, [2001:db8::1           | 10.0.0.1",
                "198.51.100.7, 198.51.100.8:port      | 10.0.0.1",
                "198.51.100.7, 198.51.100.8:123456    | 10.0.0.1",
                // An empty item is a hop nobody could read, not one to skip
                "198.51.100.7, ,                      | 10.0.0.1",
                "198.51.100.7,,10.0.0.2               | 10.0.0.2",
                "198.51.100.7 ,  , 10.0.0.2           | 10.0.0.2",
                // Ports and brackets go, so that a new connection (a new port) is no new client
                "192.0.2.1:4711                       | 192.0.2.1",
                "[2001:db8::1]:4711                   | 2001:db8::1",
                "[2001:db8::1]                        | 2001:db8::1",
                "[192.0.2.1]:80                       | 192.0.2.1",
                "198.51.100.7, 10.0.0.2:443           | 198.51.100.7",
                "198.51.100.7, [fd00::5]:443          | 198.51.100.7",
            })
    void malformedHopsAreNeverBelievedNorWalkedPast(String forwardedFor, String client) {
        TrustedProxies proxies = trusting("10.0.0.0/8", "fd00::/8");

        assertThat(proxies.clientAddress("10.0.0.1", List.of(forwardedFor))).isEqualTo(client);
    }

    @Test
    void anEmptyHeaderAmongSeveralIsAnUnreadableHop() {
        TrustedProxies proxies = trusting("10.0.0.0/8");

        assertThat(proxies.clientAddress("10.0.0.1", List.of("198.51.100.7", "")))
                .isEqualTo("10.0.0.1");
        assertThat(proxies.clientAddress("10.0.0.1", List.of("", "198.51.100.7")))
                .isEqualTo("198.51.100.7");
    }

    // ---- many hops -----------------------------------------------------------------------------------------------

    private static String hops(int count, String address) {
        return String.join(", ", Collections.nCopies(count, address));
    }

    @Test
    void aClientBehindTheMostTrustedHopsReadIsFound() {
        TrustedProxies proxies = trusting("10.0.0.0/8");
        // The peer, then MAX_HOPS - 1 trusted hops: the client is the last hop read
        String forwarded = "198.51.100.7, " + hops(TrustedProxies.MAX_HOPS - 1, "10.0.0.2");

        assertThat(proxies.clientAddress("10.0.0.1", List.of(forwarded))).isEqualTo("198.51.100.7");
    }

    @Test
    void beyondTheMostHopsReadTheFarthestTrustedHopReadIsTheClient() {
        TrustedProxies proxies = trusting("10.0.0.0/8");
        String forwarded = "198.51.100.7, 10.0.0.3, " + hops(TrustedProxies.MAX_HOPS - 1, "10.0.0.2");

        assertThat(proxies.clientAddress("10.0.0.1", List.of(forwarded))).isEqualTo("10.0.0.3");
    }

    @Test
    void hopsTheClientWroteBeforeItsRealAddressAreNeverRead() {
        TrustedProxies proxies = trusting("10.0.0.0/8");
        // A client claims a long chain of trusted proxies; the trusted proxy appends its real address
        String forwarded = "6.6.6.6, " + hops(10_000, "10.0.0.9") + ", 198.51.100.7";

        assertThat(proxies.clientAddress("10.0.0.1", List.of(forwarded))).isEqualTo("198.51.100.7");
    }

    @Test
    void theMostHopsReadCountAcrossHeaders() {
        TrustedProxies proxies = trusting("10.0.0.0/8");
        List<String> headers = new ArrayList<>(List.of("198.51.100.7", "10.0.0.3"));
        headers.addAll(Collections.nCopies(TrustedProxies.MAX_HOPS - 1, "10.0.0.2"));

        assertThat(proxies.clientAddress("10.0.0.1", headers)).isEqualTo("10.0.0.3");
    }

    // ---- mixed IPv4 and IPv6 chains -------------------------------------------------------------------------------

    @ParameterizedTest(name = "{0} via [{1}] -> {2}")
    @CsvSource(
            delimiter = '|',
            value = {
                "fd00::1          | 198.51.100.7                       | 198.51.100.7",
                "10.0.0.1         | 2001:db8::7                        | 2001:db8::7",
                "10.0.0.1         | 2001:db8::7, fd00::2, 10.0.0.3     | 2001:db8::7",
                "fd00::1          | 198.51.100.7, 10.0.0.3, fd00::2    | 198.51.100.7",
                "::ffff:10.0.0.1  | 198.51.100.7                       | 198.51.100.7",
                "10.0.0.1         | 198.51.100.7, ::ffff:10.0.0.3      | 198.51.100.7",
                "10.0.0.1         | ::ffff:198.51.100.7                | ::ffff:198.51.100.7",
                "0:0:0:0:0:0:0:1  | 2001:db8::7                        | 2001:db8::7",
                "10.0.0.1         | 2001:db8::7, [fd00::2]:443         | 2001:db8::7",
            })
    void mixedChainsAreWalkedAcrossAddressFamilies(String peer, String forwardedFor, String client) {
        TrustedProxies proxies = trusting("10.0.0.0/8", "fd00::/8", "::1");

        assertThat(proxies.clientAddress(peer, List.of(forwardedFor))).isEqualTo(client);
    }

    // ---- CIDR matching ---------------------------------------------------------------------------------------------

    @ParameterizedTest(name = "{0} trusts {1}: {2}")
    @CsvSource({
        "10.0.0.0/8,        10.0.0.0,        true",
        "10.0.0.0/8,        10.255.255.255,  true",
        "10.0.0.0/8,        11.0.0.0,        false",
        "10.0.0.0/8,        9.255.255.255,   false",
        "192.168.0.0/16,    192.168.200.1,   true",
        "192.168.0.0/16,    192.169.0.1,     false",
        "172.16.0.0/12,     172.16.0.1,      true",
        "172.16.0.0/12,     172.31.255.255,  true",
        "172.16.0.0/12,     172.32.0.0,      false",
        "172.16.0.0/12,     172.15.255.255,  false",
        "100.64.0.0/10,     100.127.1.1,     true",
        "100.64.0.0/10,     100.128.0.0,     false",
        "192.0.2.0/25,      192.0.2.127,     true",
        "192.0.2.0/25,      192.0.2.128,     false",
        "192.0.2.1/31,      192.0.2.0,       true",
        "192.0.2.1/31,      192.0.2.2,       false",
        "10.1.2.3/8,        10.9.9.9,        true",
        "192.0.2.10,        192.0.2.10,      true",
        "192.0.2.10,        192.0.2.11,      false",
        "192.0.2.10/32,     192.0.2.11,      false",
        "0.0.0.0/0,         198.51.100.1,    true",
        "0.0.0.0/0,         ::1,             false",
        "fd00::/8,          fd12:3456::1,    true",
        "fd00::/8,          fe80::1,         false",
        "fd00::/7,          fc00::1,         true",
        "fd00::/7,          fe00::1,         false",
        "2001:db8::/32,     2001:db8:ffff::1, true",
        "2001:db8::/32,     2001:db9::1,     false",
        "2001:db8::/33,     2001:db8:7fff::1, true",
        "2001:db8::/33,     2001:db8:8000::1, false",
        "2001:db8::/127,    2001:db8::1,     true",
        "2001:db8::/127,    2001:db8::2,     false",
        "::1,               ::1,             true",
        "::1,               0:0:0:0:0:0:0:1, true",
        "::1/128,           ::2,             false",
        "::/0,              2001:db8::1,     true",
        "::/0,              10.0.0.1,        false",
        "FD00::/8,          fd00::1,         true",
        "fd00::/8,          FD00:0:0::1,     true",
        "10.0.0.0/8,        ::ffff:10.0.0.1, true",
    })
    void matchesAddressesAgainstNetworks(String network, String address, boolean trusted) {
        assertThat(trusts(trusting(network), address)).isEqualTo(trusted);
    }

    @Test
    void anyOfSeveralEntriesMayMatch() {
        TrustedProxies proxies = trusting("10.0.0.0/8", "192.168.1.1", "fd00::/8");

        assertThat(trusts(proxies, "10.2.3.4")).isTrue();
        assertThat(trusts(proxies, "192.168.1.1")).isTrue();
        assertThat(trusts(proxies, "fd00::9")).isTrue();
        assertThat(trusts(proxies, "192.168.1.2")).isFalse();
    }

    @Test
    void entriesAreTrimmed() {
        assertThat(trusts(trusting("  10.0.0.0/8  "), "10.0.0.1")).isTrue();
    }

    // ---- invalid entries -----------------------------------------------------------------------------------------

    @ParameterizedTest
    @ValueSource(
            strings = {
                "localhost",
                "proxy.internal",
                "proxy.internal/24",
                "example.com",
                "not an ip",
                "",
                "/8",
                "10.0.0.0 /8",
                "g::1"
            })
    void entriesThatAreNotAddressesAreRefusedNamingThem(String entry) {
        assertThatIllegalArgumentException()
                .isThrownBy(() -> trusting("10.0.0.0/8", entry))
                .withMessage("'" + entry.trim() + "' is not an IP address or CIDR network");
    }

    @ParameterizedTest
    @CsvSource({
        "10.0.0.0/33,   32",
        "10.0.0.0/-1,   32",
        "10.0.0.0/x,    32",
        "10.0.0.0/,     32",
        "10.0.0.0/8/8,  32",
        "fd00::/129,    128",
        "fd00::/ 8,     128",
    })
    void prefixLengthsOutsideTheAddressAreRefusedNamingTheEntry(String entry, int maxBits) {
        assertThatIllegalArgumentException()
                .isThrownBy(() -> trusting(entry))
                .withMessage("'" + entry + "' has a prefix length outside 0.." + maxBits);
    }

    @Test
    void prefixLengthsAtTheLimitsAreAccepted() {
        assertThat(trusts(trusting("10.0.0.1/32"), "10.0.0.1")).isTrue();
        assertThat(trusts(trusting("10.0.0.1/0"), "1.1.1.1")).isTrue();
        assertThat(trusts(trusting("::1/128"), "::1")).isTrue();
    }

    // ---- no DNS -------------------------------------------------------------------------------------------------

    @Test
    void hostnamesInXForwardedForAreNotResolvedAndAreUntrusted() {
        // Were "localhost" resolved, it would be the trusted 127.0.0.1 and the walk would go on to 198.51.100.7
        TrustedProxies proxies = trusting("127.0.0.0/8", "::1");

        assertThat(proxies.clientAddress("127.0.0.1", List.of("198.51.100.7, localhost")))
                .isEqualTo("127.0.0.1");
        assertThat(proxies.clientAddress("127.0.0.1", List.of("198.51.100.7, ip6-localhost")))
                .isEqualTo("127.0.0.1");
    }

    @Test
    void aHostnameAsPeerIsNotResolvedAndIsUntrusted() {
        assertThat(trusting("127.0.0.0/8").clientAddress("localhost", List.of("198.51.100.7")))
                .isEqualTo("localhost");
    }

    /**
     * Runs {@link DnsProbe} in a JVM whose name service is a hosts file mapping {@code 999.1.1.1} and
     * {@code 1.2.3.4.5} (not IPv4 literals, but digits and dots) to a trusted proxy: a lookup shows as that name
     * being trusted.
     */
    @Test
    void digitsAndDotsThatAreNoAddressAreNotResolved(@TempDir Path dir) throws Exception {
        Path hosts = Files.writeString(dir.resolve("hosts"), "10.9.9.9 999.1.1.1\n10.9.9.9 1.2.3.4.5\n");
        Process child = new ProcessBuilder(
                        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                        "-Djdk.net.hosts.file=" + hosts,
                        "-cp",
                        System.getProperty("java.class.path"),
                        DnsProbe.class.getName())
                .redirectErrorStream(true)
                .start();
        assertThat(child.waitFor(60, TimeUnit.SECONDS)).as("probe finished").isTrue();
        String output = new String(child.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();

        assertThat(child.exitValue()).as(output).isZero();
        // Unresolved, each is an unreadable hop: the proxy that wrote it is the client
        assertThat(output.lines().toList()).containsExactly("10.9.9.9", "10.9.9.9");
    }

    /** Prints the client address TrustedProxies picks for hops that only a name lookup could call trusted. */
    static final class DnsProbe {
        public static void main(String[] args) {
            TrustedProxies proxies = TrustedProxies.of(List.of("10.9.9.9"));
            for (String hop : Arrays.asList("999.1.1.1", "1.2.3.4.5")) {
                System.out.println(proxies.clientAddress("10.9.9.9", List.of("198.51.100.7, " + hop)));
            }
        }
    }
}
