package org.helpdeskmail.server;

import com.google.common.net.HostAndPort;

/** A {@code host:port} a listener binds to or a client connects to; the port is mandatory. */
public record ListenAddress(String host, int port) {

    /**
     * @throws IllegalArgumentException with a message fit for an operator
     */
    public static ListenAddress parse(String value) {
        String trimmed = value.trim();
        int colon = trimmed.lastIndexOf(':');
        if (colon < 0 || trimmed.endsWith("]")) {
            throw new IllegalArgumentException("'" + value + "' has no port (expected host:port, for example 127.0.0.1:2525)");
        }
        String port = trimmed.substring(colon + 1);
        if (!port.chars().allMatch(Character::isDigit) || port.isEmpty()) {
            throw new IllegalArgumentException("port '" + port + "' of '" + value + "' is not a number");
        }
        if (port.length() > 5 || Integer.parseInt(port) > 65535) {
            throw new IllegalArgumentException("port " + port + " of '" + value + "' is above 65535");
        }
        HostAndPort parsed;
        try {
            parsed = HostAndPort.fromString(trimmed);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("'" + value + "' is not host:port (" + e.getMessage() + ")");
        }
        if (parsed.getHost().isEmpty()) {
            throw new IllegalArgumentException("'" + value + "' has no host (expected host:port)");
        }
        return new ListenAddress(parsed.getHost(), parsed.getPort());
    }

    public String asString() {
        return HostAndPort.fromParts(host, port).toString();
    }
}
