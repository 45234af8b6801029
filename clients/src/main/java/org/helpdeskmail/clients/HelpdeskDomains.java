package org.helpdeskmail.clients;

import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The helpdesk domains and the rule that turns an address into a tenant mailbox: an address
 * {@code <mailbox>@<tenant>.<domain>} belongs to tenant {@code <tenant>} when {@code <domain>} is one
 * of the helpdesk domains and {@code <tenant>} is a single DNS label.
 */
public record HelpdeskDomains(List<String> domains) {
    private static final Pattern DNS_LABEL = Pattern.compile("[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?");

    public HelpdeskDomains {
        domains = domains.stream().map(domain -> domain.toLowerCase(Locale.ROOT)).toList();
    }

    public Optional<TenantMailbox> tenantMailbox(String localPart, String domain) {
        String lowerDomain = domain.toLowerCase(Locale.ROOT);
        for (String helpdeskDomain : domains) {
            String suffix = "." + helpdeskDomain;
            if (lowerDomain.endsWith(suffix)) {
                String tenant = lowerDomain.substring(0, lowerDomain.length() - suffix.length());
                if (DNS_LABEL.matcher(tenant).matches()) {
                    return Optional.of(new TenantMailbox(tenant, helpdeskDomain, localPart));
                }
            }
        }
        return Optional.empty();
    }

    /** A recipient of the helpdesk: which tenant, and which of its mailboxes (support, billing, ...). */
    public record TenantMailbox(String tenant, String domain, String mailbox) {
        public String address() {
            return mailbox + "@" + tenant + "." + domain;
        }
    }
}
