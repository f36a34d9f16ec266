package dev.ratelimit.integration.http;

import java.util.Optional;
import java.util.StringJoiner;

/**
 * The client id of a caller known by its address. An IPv4 address is one caller, and an IPv4-mapped IPv6
 * address ({@code ::ffff:192.0.2.1}) is that IPv4 caller. An IPv6 caller usually holds a whole network
 * (a /64 or more), so keeping one bucket per address would let it pick among 2^64 buckets: it is known
 * by its network, the address cut to a prefix length.
 */
final class RemoteAddressId {

    private RemoteAddressId() {
    }

    /**
     * @param address          an address literal; anything else is returned as it is
     * @param ipv6PrefixLength 1..128
     * @return dotted IPv4, or the IPv6 network's address in eight lower-case groups, e.g. {@code 2001:db8:0:1:0:0:0:0}
     */
    static String of(String address, int ipv6PrefixLength) {
        Optional<byte[]> bytes = TrustedProxies.literal(address);
        if (bytes.isEmpty()) {
            return address;
        }
        byte[] raw = bytes.get();
        return raw.length == 4 ? ipv4(raw) : ipv6Network(raw, ipv6PrefixLength);
    }

    private static String ipv4(byte[] raw) {
        StringJoiner text = new StringJoiner(".");
        for (byte octet : raw) {
            text.add(Integer.toString(octet & 0xFF));
        }
        return text.toString();
    }

    private static String ipv6Network(byte[] raw, int prefixLength) {
        StringJoiner text = new StringJoiner(":");
        for (int group = 0; group < 8; group++) {
            int value = ((raw[2 * group] & 0xFF) << 8) | (raw[2 * group + 1] & 0xFF);
            int bitsKept = Math.max(0, Math.min(16, prefixLength - 16 * group));
            int mask = (0xFFFF << (16 - bitsKept)) & 0xFFFF;
            text.add(Integer.toHexString(value & mask));
        }
        return text.toString();
    }
}
