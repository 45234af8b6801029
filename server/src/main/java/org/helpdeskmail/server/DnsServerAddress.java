package org.helpdeskmail.server;

/** A resolver given as {@code host}, {@code host:port} or {@code [v6]:port}; port 53 when absent. */
record DnsServerAddress(String host, int port) {
    private static final int DEFAULT_PORT = 53;

    static DnsServerAddress parse(String value) {
        String trimmed = value.trim();
        boolean hasPort = trimmed.startsWith("[") ? trimmed.contains("]:") : trimmed.indexOf(':') >= 0 && trimmed.indexOf(':') == trimmed.lastIndexOf(':');
        if (hasPort) {
            ListenAddress address = ListenAddress.parse(trimmed);
            return new DnsServerAddress(address.host(), address.port());
        }
        if (trimmed.isEmpty()) {
            throw new IllegalArgumentException("empty DNS server");
        }
        return new DnsServerAddress(trimmed.replace("[", "").replace("]", ""), DEFAULT_PORT);
    }

    String asString() {
        return new ListenAddress(host, port).asString();
    }
}
