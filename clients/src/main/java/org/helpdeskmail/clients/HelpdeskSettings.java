package org.helpdeskmail.clients;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * The product settings (helpdesk.properties after the environment overrides), validated at startup
 * by the server and bound in Guice for hooks and mailets.
 *
 * @param webhookSecret     empty only before the server fills in the generated one
 * @param tenantLookup      where to ask whether a tenant exists, with {@code {tenant}} in it; empty: every tenant is accepted
 * @param tenantLookupCache how long an answer of the tenant lookup is kept
 */
public record HelpdeskSettings(
    List<String> domains,
    URI webhookUrl,
    Optional<String> webhookSecret,
    Optional<URI> eventsUrl,
    Optional<URI> rspamdUrl,
    Optional<String> clamdAddress,
    Optional<String> tenantLookup,
    Duration tenantLookupCache) {

    public HelpdeskSettings {
        domains = List.copyOf(domains);
    }

    public HelpdeskSettings withWebhookSecret(String secret) {
        return new HelpdeskSettings(domains, webhookUrl, Optional.of(secret), eventsUrl, rspamdUrl, clamdAddress, tenantLookup,
            tenantLookupCache);
    }

    public HelpdeskDomains helpdeskDomains() {
        return new HelpdeskDomains(domains);
    }

    @Override
    public String toString() {
        // Never print the secret.
        return "HelpdeskSettings[domains=" + domains + ", webhookUrl=" + webhookUrl + ", eventsUrl=" + eventsUrl
            + ", rspamdUrl=" + rspamdUrl + ", clamdAddress=" + clamdAddress + ", tenantLookup=" + tenantLookup + "]";
    }
}
