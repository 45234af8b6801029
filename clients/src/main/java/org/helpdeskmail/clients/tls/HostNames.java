package org.helpdeskmail.clients.tls;

import java.util.Locale;

/**
 * Host name comparison shared by MTA-STS MX patterns (RFC 8461 §4.1) and certificate names
 * (RFC 6125 §6.4.3 as profiled by RFC 7672 §3.2.3): case-insensitive, a trailing dot ignored, and a
 * wildcard only as the whole left-most label, standing for exactly one label.
 */
final class HostNames {
    private HostNames() {
    }

    /** Lower case without the trailing dot of an absolute name. */
    static String normalize(String name) {
        String lower = name.strip().toLowerCase(Locale.ROOT);
        return lower.endsWith(".") ? lower.substring(0, lower.length() - 1) : lower;
    }

    /**
     * Whether {@code host} matches {@code pattern}: equal names, or {@code *.example.com} against a
     * name with one more label in front ({@code mx.example.com}, not {@code a.b.example.com} nor
     * {@code example.com}). Partial wildcards ({@code m*.example.com}) and wildcards over a single
     * label ({@code *.com}) match nothing.
     */
    static boolean matches(String pattern, String host) {
        String normalizedPattern = normalize(pattern);
        String normalizedHost = normalize(host);
        if (normalizedHost.isEmpty() || normalizedHost.contains("*")) {
            return false;
        }
        if (!normalizedPattern.startsWith("*.")) {
            return !normalizedPattern.contains("*") && normalizedPattern.equals(normalizedHost);
        }
        String parent = normalizedPattern.substring(2);
        if (parent.contains("*") || !parent.contains(".")) {
            return false;
        }
        int firstDot = normalizedHost.indexOf('.');
        return firstDot > 0 && normalizedHost.substring(firstDot + 1).equals(parent);
    }
}
