package dev.ratelimit.integration.http;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The proxies whose {@code X-Forwarded-For} is believed. Without any, the header is ignored: anybody can
 * send it, so trusting it would let a client pick any bucket it likes.
 */
public final class TrustedProxies {

    private static final String IPV4_OCTET = "(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])";

    /**
     * Only literal addresses in their usual forms reach {@link InetAddress#getByName}, so that no header can
     * make this code query DNS: dotted-quad IPv4, or IPv6 starting with a hex digit or ':' (which the JDK
     * parses as a literal or rejects, never looks up).
     */
    private static final Pattern IP_LITERAL = Pattern.compile(
            "(" + IPV4_OCTET + "\\.){3}" + IPV4_OCTET + "|(?=.*:)[0-9A-Fa-f:][0-9A-Fa-f:.]*");

    private final List<Network> networks;

    private TrustedProxies(List<Network> networks) {
        this.networks = networks;
    }

    /**
     * @param entries addresses or CIDR networks, e.g. {@code 10.0.0.0/8}, {@code 127.0.0.1}, {@code fd00::/8}
     * @throws IllegalArgumentException naming the first entry that is neither
     */
    public static TrustedProxies of(List<String> entries) {
        List<Network> networks = new ArrayList<>();
        for (String entry : entries) {
            networks.add(Network.parse(entry.trim()));
        }
        return new TrustedProxies(Collections.unmodifiableList(networks));
    }

    /**
     * The address of the client: the peer itself unless it is a trusted proxy; then, reading
     * {@code X-Forwarded-For} from the nearest hop back, the first hop that is not a trusted proxy.
     *
     * @param peer         the address of the connection's other end
     * @param forwardedFor every {@code X-Forwarded-For} header of the request, in order
     */
    public String clientAddress(String peer, List<String> forwardedFor) {
        if (!isTrusted(peer)) {
            return peer;
        }
        List<String> hops = new ArrayList<>();
        for (String header : forwardedFor) {
            for (String hop : header.split(",")) {
                if (!hop.isBlank()) {
                    hops.add(hop.trim());
                }
            }
        }
        String client = peer;
        for (int i = hops.size() - 1; i >= 0; i--) {
            client = hops.get(i);
            if (!isTrusted(client)) {
                break;
            }
        }
        return client;
    }

    private boolean isTrusted(String address) {
        Optional<byte[]> bytes = literal(address);
        return bytes.isPresent() && networks.stream().anyMatch(network -> network.contains(bytes.get()));
    }

    private static Optional<byte[]> literal(String address) {
        if (!IP_LITERAL.matcher(address).matches()) {
            return Optional.empty();
        }
        try {
            return Optional.of(InetAddress.getByName(address).getAddress());
        } catch (UnknownHostException e) {
            return Optional.empty();
        }
    }

    private record Network(byte[] address, int prefixBits) {

        static Network parse(String entry) {
            int slash = entry.indexOf('/');
            String host = slash < 0 ? entry : entry.substring(0, slash);
            byte[] address = literal(host).orElseThrow(() ->
                    new IllegalArgumentException("'" + entry + "' is not an IP address or CIDR network"));
            int maxBits = address.length * 8;
            int prefixBits = maxBits;
            if (slash >= 0) {
                try {
                    prefixBits = Integer.parseInt(entry.substring(slash + 1));
                } catch (NumberFormatException e) {
                    prefixBits = -1;
                }
                if (prefixBits < 0 || prefixBits > maxBits) {
                    throw new IllegalArgumentException("'" + entry + "' has a prefix length outside 0.." + maxBits);
                }
            }
            return new Network(address, prefixBits);
        }

        boolean contains(byte[] candidate) {
            if (candidate.length != address.length) {
                return false;
            }
            int wholeBytes = prefixBits / 8;
            for (int i = 0; i < wholeBytes; i++) {
                if (candidate[i] != address[i]) {
                    return false;
                }
            }
            int remainingBits = prefixBits % 8;
            if (remainingBits == 0) {
                return true;
            }
            int mask = (0xFF << (8 - remainingBits)) & 0xFF;
            return (candidate[wholeBytes] & mask) == (address[wholeBytes] & mask);
        }
    }
}
