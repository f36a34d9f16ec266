package dev.ratelimit.integration.http;

import java.net.InetAddress;
import java.net.UnknownHostException;

/**
 * The client id of a caller known by its address. An IPv4 address is one caller, and an IPv4-mapped IPv6
 * address ({@code ::ffff:192.0.2.1}) is that IPv4 caller. An IPv6 caller usually holds a whole network
 * (a /64 or more), so keeping one bucket per address would let it pick among 2^64 buckets: it is known
 * by its network, the address cut to a prefix length.
 */
final class RemoteAddressId {

    private RemoteAddressId() {}

    /**
     * The id of the caller at an address.
     *
     * @param address          an address literal; anything else is returned as it is
     * @param ipv6PrefixLength 1..128
     * @return dotted IPv4, or the IPv6 network's address in eight lower-case groups, e.g. {@code 2001:db8:0:1:0:0:0:0}
     */
    static String of(String address, int ipv6PrefixLength) {
        return Networks.literal(address)
                .map(raw -> text(raw.length == 4 ? raw : Networks.network(raw, ipv6PrefixLength)))
                .orElse(address);
    }

    /** Dotted IPv4, or IPv6 in eight groups without leading zeros: the platform's own form, no lookup. */
    private static String text(byte[] raw) {
        try {
            return InetAddress.getByAddress(raw).getHostAddress();
        } catch (UnknownHostException e) {
            throw new IllegalStateException("4 or 16 bytes are always an address", e);
        }
    }
}
