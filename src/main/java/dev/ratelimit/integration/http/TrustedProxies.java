package dev.ratelimit.integration.http;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The proxies whose {@code X-Forwarded-For} is believed. Without any, the header is ignored: anybody can
 * send it, so trusting it would let a client pick any bucket it likes.
 */
public final class TrustedProxies {

    /** More proxies than any real chain has; an attacker's header of many hops costs no more than this. */
    static final int MAX_HOPS = 20;

    private static final Pattern BRACKETED = Pattern.compile("\\[([^\\]]*)](?::[0-9]{1,5})?");
    private static final Pattern IPV4_WITH_PORT = Pattern.compile("([0-9.]+):[0-9]{1,5}");

    private final Networks networks;

    private TrustedProxies(Networks networks) {
        this.networks = networks;
    }

    /**
     * The proxies at these addresses and in these networks.
     *
     * @param entries addresses or CIDR networks, e.g. {@code 10.0.0.0/8}, {@code 127.0.0.1}, {@code fd00::/8}
     * @throws IllegalArgumentException naming the first entry that is neither
     */
    public static TrustedProxies of(List<String> entries) {
        return new TrustedProxies(Networks.of(entries));
    }

    /**
     * The address of the client: the peer itself unless it is a trusted proxy; then, reading
     * {@code X-Forwarded-For} from the nearest hop back, the first hop that is not a trusted proxy.
     *
     * <p>Hops may carry a port or brackets ({@code 192.0.2.1:4711}, {@code [2001:db8::1]:4711}), which are
     * dropped: a port changes with every connection, and must not give a client a fresh bucket. A hop that
     * is no address (empty, {@code unknown}, an obfuscated {@code _id}, a name, garbage) can neither be
     * believed nor walked past, so the client is the trusted proxy that wrote it. Only the nearest
     * {@link #MAX_HOPS} hops are read, bounding the work a long header costs: were they all trusted, the
     * farthest of them is the client.
     *
     * @param peer         the address of the connection's other end
     * @param forwardedFor every {@code X-Forwarded-For} header of the request, in order
     * @return the peer as given, or a hop's address without port or brackets
     */
    public String clientAddress(String peer, List<String> forwardedFor) {
        if (!isTrusted(peer)) {
            return peer;
        }
        String client = peer;
        for (String hop : nearestHops(forwardedFor)) {
            String address = withoutPort(hop);
            if (Networks.literal(address).isEmpty()) {
                return client;
            }
            client = address;
            if (!isTrusted(client)) {
                return client;
            }
        }
        return client;
    }

    /** The hops of every header, nearest first, at most {@link #MAX_HOPS}; empty ones kept. */
    private static List<String> nearestHops(List<String> forwardedFor) {
        List<String> hops = new ArrayList<>();
        for (int header = forwardedFor.size() - 1; header >= 0; header--) {
            String[] items = forwardedFor.get(header).split(",", -1);
            for (int item = items.length - 1; item >= 0; item--) {
                if (hops.size() == MAX_HOPS) {
                    return hops;
                }
                hops.add(items[item].trim());
            }
        }
        return hops;
    }

    /** {@code 192.0.2.1:4711} to {@code 192.0.2.1}, {@code [2001:db8::1]:4711} or {@code [2001:db8::1]} to {@code 2001:db8::1}. */
    private static String withoutPort(String hop) {
        Matcher bracketed = BRACKETED.matcher(hop);
        if (bracketed.matches()) {
            return bracketed.group(1);
        }
        Matcher ipv4WithPort = IPV4_WITH_PORT.matcher(hop);
        return ipv4WithPort.matches() ? ipv4WithPort.group(1) : hop;
    }

    private boolean isTrusted(String address) {
        return networks.contains(address);
    }
}
