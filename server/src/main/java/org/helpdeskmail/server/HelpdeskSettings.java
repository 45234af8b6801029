package org.helpdeskmail.server;

import java.net.URI;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;

/**
 * The product settings of helpdesk.properties after the environment overrides, validated.
 * Bound in Guice so that hooks and mailets of later steps read them from one place.
 *
 * @param webhookSecret empty when neither the environment nor the file sets one: the server then
 *                      generates one into var/secrets/
 */
public record HelpdeskSettings(
    List<String> domains,
    URI webhookUrl,
    Optional<String> webhookSecret,
    Optional<URI> eventsUrl,
    Optional<URI> rspamdUrl,
    Optional<String> clamdAddress) {

    public HelpdeskSettings {
        domains = List.copyOf(domains);
    }

    static HelpdeskSettings read(PropertiesConfigurationFile file, Optional<String> secret) {
        return new HelpdeskSettings(
            required(file, "domains", EnvironmentOverrides::domainList),
            required(file, "webhook.url", EnvironmentOverrides::httpUrl),
            secret,
            optional(file, "events.url", EnvironmentOverrides::httpUrl),
            optional(file, "rspamd.url", EnvironmentOverrides::httpUrl),
            optional(file, "clamd.address", EnvironmentOverrides::clamdAddress));
    }

    HelpdeskSettings withWebhookSecret(String secret) {
        return new HelpdeskSettings(domains, webhookUrl, Optional.of(secret), eventsUrl, rspamdUrl, clamdAddress);
    }

    private static <T> T required(PropertiesConfigurationFile file, String key, Function<String, T> parser) {
        return optional(file, key, parser).orElseThrow(() -> new BadConfigurationException(file.name(), key, "is missing"));
    }

    private static <T> Optional<T> optional(PropertiesConfigurationFile file, String key, Function<String, T> parser) {
        return file.get(key).map(value -> {
            try {
                return parser.apply(value);
            } catch (IllegalArgumentException e) {
                throw new BadConfigurationException(file.name(), key, e.getMessage());
            }
        });
    }

    @Override
    public String toString() {
        // Never print the secret.
        return "HelpdeskSettings[domains=" + domains + ", webhookUrl=" + webhookUrl + ", eventsUrl=" + eventsUrl
            + ", rspamdUrl=" + rspamdUrl + ", clamdAddress=" + clamdAddress + "]";
    }
}
