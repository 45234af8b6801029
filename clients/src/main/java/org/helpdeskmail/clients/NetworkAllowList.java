package org.helpdeskmail.clients;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;

import com.google.common.net.InetAddresses;

/**
 * A list of CIDR blocks (IPv4 and IPv6) and the question "is this address inside one of them".
 * Parsing is strict so that a typo in a deployment's allow-list stops startup instead of
 * silently opening or closing a port.
 */
public record NetworkAllowList(List<Block> blocks) {

    public record Block(byte[] network, int prefixLength) {
        boolean contains(byte[] address) {
            if (address.length != network.length) {
                return false;
            }
            int fullBytes = prefixLength / 8;
            for (int i = 0; i < fullBytes; i++) {
                if (address[i] != network[i]) {
                    return false;
                }
            }
            int remainingBits = prefixLength % 8;
            if (remainingBits == 0) {
                return true;
            }
            int mask = (0xFF << (8 - remainingBits)) & 0xFF;
            return (address[fullBytes] & mask) == (network[fullBytes] & mask);
        }

        @Override
        public String toString() {
            try {
                return InetAddress.getByAddress(network).getHostAddress() + "/" + prefixLength;
            } catch (UnknownHostException e) {
                throw new IllegalStateException(e);
            }
        }
    }

    public NetworkAllowList {
        blocks = List.copyOf(blocks);
    }

    /**
     * @param commaSeparated for example {@code 127.0.0.0/8, 10.1.2.3, ::1/128}; a bare address is a single host
     * @throws IllegalArgumentException naming the entry that is not a CIDR block
     */
    public static NetworkAllowList parse(String commaSeparated) {
        List<Block> blocks = Arrays.stream(commaSeparated.split("[,\\s]+"))
            .map(String::trim)
            .filter(entry -> !entry.isEmpty())
            .map(NetworkAllowList::parseBlock)
            .collect(Collectors.toList());
        if (blocks.isEmpty()) {
            throw new IllegalArgumentException("no network given (expected CIDR blocks such as 127.0.0.0/8)");
        }
        return new NetworkAllowList(blocks);
    }

    private static Block parseBlock(String entry) {
        String[] parts = entry.split("/", -1);
        if (parts.length > 2 || !InetAddresses.isInetAddress(parts[0])) {
            throw new IllegalArgumentException("'" + entry + "' is not a CIDR block (expected for example 10.0.0.0/8)");
        }
        byte[] network = InetAddresses.forString(parts[0]).getAddress();
        int maximum = network.length * 8;
        int prefixLength = maximum;
        if (parts.length == 2) {
            try {
                prefixLength = Integer.parseInt(parts[1]);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("'" + entry + "' has a prefix length that is not a number");
            }
            if (prefixLength < 0 || prefixLength > maximum) {
                throw new IllegalArgumentException("'" + entry + "' has a prefix length outside 0.." + maximum);
            }
        }
        return new Block(network, prefixLength);
    }

    public boolean contains(InetAddress address) {
        byte[] bytes = address.getAddress();
        return blocks.stream().anyMatch(block -> block.contains(bytes));
    }

    @Override
    public String toString() {
        return blocks.stream().map(Block::toString).collect(Collectors.joining(","));
    }
}
