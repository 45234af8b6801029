package org.helpdeskmail.server;

/**
 * A configuration value that stops startup. The message always names where the value came from
 * (a file under conf/ or an environment variable) and the key, so an operator can fix it without
 * reading a stack trace.
 */
public class BadConfigurationException extends RuntimeException {
    private final String source;
    private final String key;

    public BadConfigurationException(String source, String key, String problem) {
        super(source + ": " + key + ": " + problem);
        this.source = source;
        this.key = key;
    }

    public String source() {
        return source;
    }

    public String key() {
        return key;
    }
}
