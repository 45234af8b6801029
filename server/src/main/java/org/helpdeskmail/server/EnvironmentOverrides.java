package org.helpdeskmail.server;

import java.net.URI;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import org.helpdeskmail.clients.NetworkAllowList;

/**
 * The deployment settings that environment variables may set (the Docker convention); each wins
 * over the file under conf/ that holds the same setting. Every value is validated here, so a bad
 * one stops startup with the variable's name in the message.
 */
public record EnvironmentOverrides(
    Optional<List<String>> domains,
    Optional<URI> webhookUrl,
    Optional<String> webhookSecret,
    Optional<URI> eventsUrl,
    Optional<ListenAddress> mxBind,
    Optional<ListenAddress> submissionBind,
    Optional<ListenAddress> submissionsBind,
    Optional<NetworkAllowList> submissionNetworks,
    Optional<ListenAddress> webadminBind,
    Optional<ListenAddress> jmxBind,
    Optional<Path> varDirectory,
    Optional<List<DnsServerAddress>> dnsServers,
    Optional<String> hostname,
    Optional<URI> rspamdUrl,
    Optional<String> clamdAddress,
    Optional<String> tenantLookupUrl) {

    private static final Pattern DOMAIN = Pattern.compile("(?i)^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\\.)*[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$");

    public static EnvironmentOverrides from(Map<String, String> environment) {
        Reader reader = new Reader(environment);
        return new EnvironmentOverrides(
            reader.read("HELPDESK_DOMAINS", EnvironmentOverrides::domainList),
            reader.read("HELPDESK_WEBHOOK_URL", EnvironmentOverrides::httpUrl),
            reader.read("HELPDESK_WEBHOOK_SECRET", EnvironmentOverrides::secret),
            reader.read("HELPDESK_EVENTS_URL", EnvironmentOverrides::httpUrl),
            reader.read("HELPDESK_MX_BIND", ListenAddress::parse),
            reader.read("HELPDESK_SUBMISSION_BIND", ListenAddress::parse),
            reader.read("HELPDESK_SUBMISSIONS_BIND", ListenAddress::parse),
            reader.read("HELPDESK_SUBMISSION_NETWORKS", NetworkAllowList::parse),
            reader.read("HELPDESK_WEBADMIN_BIND", ListenAddress::parse),
            reader.read("HELPDESK_JMX_BIND", ListenAddress::parse),
            reader.read("HELPDESK_VAR_DIR", Path::of),
            reader.read("HELPDESK_DNS_SERVERS", EnvironmentOverrides::dnsServerList),
            reader.read("HELPDESK_HOSTNAME", EnvironmentOverrides::hostname),
            reader.read("HELPDESK_RSPAMD_URL", EnvironmentOverrides::httpUrl),
            reader.read("HELPDESK_CLAMD_ADDRESS", EnvironmentOverrides::clamdAddress),
            reader.read("HELPDESK_TENANT_LOOKUP_URL", EnvironmentOverrides::tenantLookupUrl));
    }

    private record Reader(Map<String, String> environment) {
        <T> Optional<T> read(String variable, Function<String, T> parser) {
            String value = environment.get(variable);
            if (value == null || value.isBlank()) {
                return Optional.empty();
            }
            try {
                return Optional.of(parser.apply(value.trim()));
            } catch (RuntimeException e) {
                throw new BadConfigurationException("environment", variable, e.getMessage());
            }
        }
    }

    public static List<String> domainList(String value) {
        List<String> domains = Arrays.stream(value.split(","))
            .map(String::trim)
            .filter(domain -> !domain.isEmpty())
            .map(String::toLowerCase)
            .collect(Collectors.toList());
        if (domains.isEmpty()) {
            throw new IllegalArgumentException("no domain given");
        }
        domains.stream()
            .filter(domain -> !DOMAIN.matcher(domain).matches())
            .findFirst()
            .ifPresent(domain -> {
                throw new IllegalArgumentException("'" + domain + "' is not a domain name");
            });
        return domains;
    }

    public static URI httpUrl(String value) {
        URI uri;
        try {
            uri = URI.create(value);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("'" + value + "' is not a URL");
        }
        if (!("http".equals(uri.getScheme()) || "https".equals(uri.getScheme())) || uri.getHost() == null) {
            throw new IllegalArgumentException("'" + value + "' is not an http:// or https:// URL");
        }
        return uri;
    }

    private static String secret(String value) {
        if (value.length() < 16) {
            throw new IllegalArgumentException("the secret is shorter than 16 characters");
        }
        return value;
    }

    private static List<DnsServerAddress> dnsServerList(String value) {
        List<DnsServerAddress> servers = Arrays.stream(value.split(","))
            .map(String::trim)
            .filter(server -> !server.isEmpty())
            .map(DnsServerAddress::parse)
            .collect(Collectors.toList());
        if (servers.isEmpty()) {
            throw new IllegalArgumentException("no DNS server given");
        }
        return servers;
    }

    private static String hostname(String value) {
        if (!DOMAIN.matcher(value).matches()) {
            throw new IllegalArgumentException("'" + value + "' is not a host name");
        }
        return value;
    }

    /** An http(s) URL with {@code {tenant}} where the tenant's name goes. */
    public static String tenantLookupUrl(String value) {
        if (!value.contains("{tenant}")) {
            throw new IllegalArgumentException("'" + value + "' has no {tenant} placeholder");
        }
        httpUrl(value.replace("{tenant}", "tenant"));
        return value;
    }

    public static String clamdAddress(String value) {
        if (value.startsWith("/")) {
            return value;
        }
        return ListenAddress.parse(value).asString();
    }
}
