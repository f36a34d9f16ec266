package dev.ratelimit.integration.http;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Addresses and CIDR networks, as configuration lists them: the trusted proxies, a policy's exempt networks. Equal
 * when written alike, so that a reload can tell a changed list.
 */
public final class Networks {

    private static final String IPV4_OCTET = "(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])";

    /**
     * Only literal addresses in their usual forms reach {@link InetAddress#getByName}, so that no header can
     * make this code query DNS: dotted-quad IPv4, or IPv6 starting with a hex digit or ':' (which the JDK
     * parses as a literal or rejects, never looks up).
     */
    private static final Pattern IP_LITERAL =
            Pattern.compile("(" + IPV4_OCTET + "\\.){3}" + IPV4_OCTET + "|(?=.*:)[0-9A-Fa-f:][0-9A-Fa-f:.]*");

    private final List<String> entries;
    private final List<Network> networks;

    private Networks(List<String> entries, List<Network> networks) {
        this.entries = entries;
        this.networks = networks;
    }

    /** No address at all. */
    public static final Networks NONE = new Networks(List.of(), List.of());

    /**
     * The addresses and networks given.
     *
     * @param entries addresses or CIDR networks, e.g. {@code 10.0.0.0/8}, {@code 127.0.0.1}, {@code fd00::/8}
     * @throws IllegalArgumentException naming the first entry that is neither
     */
    public static Networks of(List<String> entries) {
        List<String> trimmed = entries.stream().map(String::trim).toList();
        List<Network> networks = new ArrayList<>();
        for (String entry : trimmed) {
            networks.add(Network.parse(entry));
        }
        return new Networks(trimmed, List.copyOf(networks));
    }

    /** Whether the address is a literal in one of the networks; a name or anything else never is. */
    public boolean contains(String address) {
        if (networks.isEmpty()) {
            return false;
        }
        Optional<byte[]> bytes = literal(address);
        return bytes.isPresent() && networks.stream().anyMatch(network -> network.contains(bytes.get()));
    }

    public boolean isEmpty() {
        return networks.isEmpty();
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof Networks that && entries.equals(that.entries);
    }

    @Override
    public int hashCode() {
        return entries.hashCode();
    }

    /** As configuration writes them: comma-separated. */
    @Override
    public String toString() {
        return String.join(",", entries);
    }

    /**
     * The bytes of an address literal: 4 for IPv4 and IPv4-mapped IPv6 ({@code ::ffff:192.0.2.1}), else 16;
     * empty for anything else, which is never looked up.
     */
    static Optional<byte[]> literal(String address) {
        if (!IP_LITERAL.matcher(address).matches()) {
            return Optional.empty();
        }
        try {
            return Optional.of(InetAddress.getByName(address).getAddress());
        } catch (UnknownHostException e) {
            return Optional.empty();
        }
    }

    /** The address with every bit past the first {@code prefixBits} cleared: the network it belongs to. */
    static byte[] network(byte[] address, int prefixBits) {
        byte[] network = address.clone();
        for (int i = 0; i < network.length; i++) {
            int bitsKept = Math.max(0, Math.min(8, prefixBits - 8 * i));
            network[i] &= (byte) (0xFF << (8 - bitsKept));
        }
        return network;
    }

    /** @param address already cut to the prefix */
    @SuppressWarnings("ArrayRecordComponent") // never compared nor hashed: contains() reads the bytes
    private record Network(byte[] address, int prefixBits) {

        static Network parse(String entry) {
            int slash = entry.indexOf('/');
            String host = slash < 0 ? entry : entry.substring(0, slash);
            byte[] address = literal(host)
                    .orElseThrow(
                            () -> new IllegalArgumentException("'" + entry + "' is not an IP address or CIDR network"));
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
            return new Network(network(address, prefixBits), prefixBits);
        }

        boolean contains(byte[] candidate) {
            return candidate.length == address.length && Arrays.equals(network(candidate, prefixBits), address);
        }
    }
}
