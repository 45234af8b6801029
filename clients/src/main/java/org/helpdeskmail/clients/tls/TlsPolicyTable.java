package org.helpdeskmail.clients.tls;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Per-domain TLS policies that override MTA-STS and the default, as Postfix's
 * {@code smtp_tls_policy_maps}: {@code example.com verify} applies to that domain only,
 * {@code .example.com encrypt} to every subdomain of it (not to {@code example.com} itself).
 * For a domain, its own entry wins, then the entry of the nearest parent.
 *
 * <p>Configuration text: entries separated by commas or line breaks, each a domain and a policy
 * ({@code none}, {@code may}, {@code encrypt}, {@code verify}) separated by white space; {@code #}
 * starts a comment to the end of the line:
 * <pre>
 * example.com verify, bank.example encrypt
 * .partner.example verify   # every subdomain of partner.example
 * </pre>
 */
public final class TlsPolicyTable {
    private static final Pattern DOMAIN = Pattern.compile(
            "\\.?([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*");
    private static final TlsPolicyTable EMPTY = new TlsPolicyTable(Map.of());

    /** Keys as written, normalized: {@code example.com} or {@code .example.com}; in configuration order. */
    private final Map<String, TlsPolicy> entries;

    private TlsPolicyTable(Map<String, TlsPolicy> entries) {
        this.entries = Collections.unmodifiableMap(new LinkedHashMap<>(entries));
    }

    public static TlsPolicyTable empty() {
        return EMPTY;
    }

    /**
     * Parses the configuration text; blank text gives the empty table.
     *
     * @throws IllegalArgumentException naming the entry (its position and text) and what is wrong
     */
    public static TlsPolicyTable parse(String text) {
        Map<String, TlsPolicy> entries = new LinkedHashMap<>();
        int position = 0;
        for (String line : text.split("\\R")) {
            String withoutComment = line.replaceFirst("#.*", "");
            for (String entry : withoutComment.split(",")) {
                if (entry.isBlank()) {
                    continue;
                }
                position++;
                String[] fields = entry.strip().split("\\s+");
                if (fields.length != 2) {
                    throw invalid(position, entry, "expected '<domain> <policy>'");
                }
                String domain = HostNames.normalize(fields[0]);
                if (!DOMAIN.matcher(domain).matches()) {
                    throw invalid(position, entry, "'" + fields[0] + "' is not a domain name (or .domain for its subdomains)");
                }
                TlsPolicy policy;
                try {
                    policy = TlsPolicy.parse(fields[1]);
                } catch (IllegalArgumentException e) {
                    throw invalid(position, entry, e.getMessage());
                }
                if (entries.putIfAbsent(domain, policy) != null) {
                    throw invalid(position, entry, "'" + domain + "' already has an entry");
                }
            }
        }
        return entries.isEmpty() ? EMPTY : new TlsPolicyTable(entries);
    }

    /** The policy the table sets for {@code domain}, if any entry applies. */
    public Optional<TlsPolicy> policyFor(String domain) {
        String name = HostNames.normalize(domain);
        TlsPolicy exact = entries.get(name);
        if (exact != null) {
            return Optional.of(exact);
        }
        for (int dot = name.indexOf('.'); dot >= 0; dot = name.indexOf('.', dot + 1)) {
            TlsPolicy parent = entries.get(name.substring(dot));
            if (parent != null) {
                return Optional.of(parent);
            }
        }
        return Optional.empty();
    }

    public boolean isEmpty() {
        return entries.isEmpty();
    }

    /** The entries as configuration text, e.g. for a startup log line. */
    @Override
    public String toString() {
        StringBuilder text = new StringBuilder();
        entries.forEach((domain, policy) -> text.append(text.isEmpty() ? "" : ", ")
                .append(domain).append(' ').append(policy.configurationName()));
        return text.toString();
    }

    private static IllegalArgumentException invalid(int position, String entry, String problem) {
        return new IllegalArgumentException("TLS policy table entry " + position + " '" + entry.strip() + "': " + problem);
    }
}
