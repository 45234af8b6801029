package org.helpdeskmail.server;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import org.apache.james.util.DurationParser;
import org.helpdeskmail.clients.HelpdeskSettings;
import org.w3c.dom.Element;

/**
 * Turns the deployment's conf/ into the configuration James reads: a copy under var/conf/ with the
 * environment overrides applied, checked key by key. The copy is rewritten at every start, so the
 * files under conf/ stay the deployment's own and var/conf/ always shows what is running.
 */
final class EffectiveConfiguration {
    static final String SMTP_SERVERS = "smtpserver.xml";
    static final String WEBADMIN = "webadmin.properties";
    static final String JMX = "jmx.properties";
    static final String DNS = "dnsservice.xml";
    static final String DOMAINS = "domainlist.xml";
    static final String HELPDESK = "helpdesk.properties";
    static final String MAILET_CONTAINER = "mailetcontainer.xml";
    private static final List<String> REQUIRED_FILES = List.of(SMTP_SERVERS, MAILET_CONTAINER, HELPDESK, WEBADMIN, JMX, DNS,
        DOMAINS, "usersrepository.xml", "recipientrewritetable.xml", "mailrepositorystore.xml", "james-database.properties");
    /** Mailets after which a mail is no longer in the processor, whatever happened to it. */
    private static final List<String> TERMINAL_MAILETS = List.of("ToRepository", "ToProcessor", "RemoteDelivery", "Null", "WebhookDelivery", "MxDelivery",
        "DeliveryEventWebhook", "BounceEvents");
    /** The listeners of the helpdesk app, whose allow-list HELPDESK_SUBMISSION_NETWORKS sets. */
    private static final List<String> SUBMISSION_LISTENERS = List.of("submission", "submissions");
    private static final String NUMBER_KEYS_OF_SMTP_SERVERS = "connectionLimit connectionLimitPerIP maxmessagesize connectiontimeout stressTimeout connectionBacklog";

    private final Path source;
    private final Path target;

    EffectiveConfiguration(Path source, Path target) {
        this.source = source;
        this.target = target;
    }

    /** Conf file name as an operator sees it in messages. */
    private String display(String file) {
        return source.resolve(file).toString();
    }

    HelpdeskSettings write(EnvironmentOverrides overrides) {
        copySourceToTarget();
        HelpdeskSettings settings = writeHelpdeskProperties(overrides);
        writeSmtpServers(overrides);
        writeListenerProperties(WEBADMIN, "host", "port", overrides.webadminBind());
        writeListenerProperties(JMX, "jmx.address", "jmx.port", overrides.jmxBind());
        writeDnsService(overrides);
        writeDomainList(settings);
        writeMailetContainer(settings);
        return settings;
    }

    private void copySourceToTarget() {
        if (!Files.isDirectory(source)) {
            throw new BadConfigurationException(source.toString(), "(directory)", "the configuration directory does not exist");
        }
        for (String file : REQUIRED_FILES) {
            if (!Files.isRegularFile(source.resolve(file))) {
                throw new BadConfigurationException(display(file), "(file)", "is missing");
            }
        }
        try {
            Files.createDirectories(target);
            try (Stream<Path> files = Files.list(target)) {
                for (Path stale : files.filter(Files::isRegularFile).collect(Collectors.toList())) {
                    Files.delete(stale);
                }
            }
            try (Stream<Path> files = Files.list(source)) {
                for (Path file : files.filter(Files::isRegularFile).collect(Collectors.toList())) {
                    Files.copy(file, target.resolve(file.getFileName()), StandardCopyOption.REPLACE_EXISTING);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the effective configuration to " + target, e);
        }
    }

    private HelpdeskSettings writeHelpdeskProperties(EnvironmentOverrides overrides) {
        PropertiesConfigurationFile file = PropertiesConfigurationFile.load(target.resolve(HELPDESK), display(HELPDESK));
        overrides.domains().ifPresent(domains -> file.set("domains", String.join(",", domains)));
        overrides.webhookUrl().ifPresent(url -> file.set("webhook.url", url.toString()));
        overrides.eventsUrl().ifPresent(url -> file.set("events.url", url.toString()));
        overrides.rspamdUrl().ifPresent(url -> file.set("rspamd.url", url.toString()));
        overrides.clamdAddress().ifPresent(address -> file.set("clamd.address", address));
        overrides.tenantLookupUrl().ifPresent(url -> file.set("tenant.lookup.url", url));
        // A secret from the environment stays in memory: var/conf/ is for reading, not for secrets.
        Optional<String> fileSecret = file.get("webhook.secret");
        file.set("webhook.secret", "");
        file.save();
        checkReturnPaths(file);
        return readSettings(file, overrides.webhookSecret().or(() -> fileSecret));
    }

    /** The VERP return paths are read by a Guice module later; a bad value must stop the start here, with exit 2. */
    private static void checkReturnPaths(PropertiesConfigurationFile file) {
        optional(file, "bounce.domain", value -> {
            if (EnvironmentOverrides.domainList(value).size() != 1) {
                throw new IllegalArgumentException("'" + value + "' is not one domain name");
            }
            return value;
        });
        optional(file, "bounce.prefix", value -> {
            if (!value.matches("[a-z0-9][a-z0-9._-]{0,31}")) {
                throw new IllegalArgumentException("'" + value + "' is not a local part of lower-case letters, digits, '.', '_' or '-'");
            }
            return value;
        });
        optional(file, "bounce.keep", EffectiveConfiguration::positiveDuration);
    }

    private static HelpdeskSettings readSettings(PropertiesConfigurationFile file, Optional<String> secret) {
        return new HelpdeskSettings(
            required(file, "domains", EnvironmentOverrides::domainList),
            required(file, "webhook.url", EnvironmentOverrides::httpUrl),
            secret,
            optional(file, "events.url", EnvironmentOverrides::httpUrl),
            optional(file, "rspamd.url", EnvironmentOverrides::httpUrl),
            optional(file, "clamd.address", EnvironmentOverrides::clamdAddress),
            optional(file, "tenant.lookup.url", EnvironmentOverrides::tenantLookupUrl),
            optional(file, "tenant.lookup.cache", EffectiveConfiguration::positiveDuration).orElse(Duration.ofMinutes(5)));
    }

    private static Duration positiveDuration(String value) {
        Duration duration = DurationParser.parse(value);
        if (duration.isNegative() || duration.isZero()) {
            throw new IllegalArgumentException("'" + value + "' is not a positive duration such as '5 minutes'");
        }
        return duration;
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

    private void writeSmtpServers(EnvironmentOverrides overrides) {
        XmlConfigurationFile file = XmlConfigurationFile.load(target.resolve(SMTP_SERVERS), display(SMTP_SERVERS));
        List<Element> servers = file.elements("/smtpservers/smtpserver");
        for (Element server : servers) {
            String name = XmlConfigurationFile.childText(server, "jmxName");
            if (name == null) {
                throw new BadConfigurationException(file.name(), "smtpserver/jmxName", "every listener needs a name (mx, submission or submissions)");
            }
            switch (name) {
                case "mx" -> overrides.mxBind().ifPresent(bind -> XmlConfigurationFile.child(server, "bind").setTextContent(bind.asString()));
                case "submission" -> overrides.submissionBind().ifPresent(bind -> XmlConfigurationFile.child(server, "bind").setTextContent(bind.asString()));
                // Implicit TLS submission: off in the file; its bind variable turns it on.
                case "submissions" -> overrides.submissionsBind().ifPresent(bind -> {
                    XmlConfigurationFile.child(server, "bind").setTextContent(bind.asString());
                    server.setAttribute("enabled", "true");
                });
                default -> { }
            }
            if (SUBMISSION_LISTENERS.contains(name)) {
                overrides.submissionNetworks().ifPresent(networks -> file.elements("/smtpservers/smtpserver[jmxName='" + name
                        + "']/handlerchain/handler[@class='org.helpdeskmail.smtp.ClientNetworkAllowList']/networks")
                    .forEach(element -> element.setTextContent(networks.toString())));
            }
            overrides.hostname().ifPresent(hostname -> {
                Element helloName = XmlConfigurationFile.child(server, "helloName");
                helloName.setAttribute("autodetect", "false");
                helloName.setTextContent(hostname);
            });
            validateSmtpServer(file.name(), name, server);
        }
        if (servers.stream().map(server -> XmlConfigurationFile.childText(server, "jmxName")).distinct().count() != servers.size()) {
            throw new BadConfigurationException(file.name(), "smtpserver/jmxName", "two listeners have the same name");
        }
        file.save();
    }

    private static void validateSmtpServer(String file, String name, Element server) {
        String key = "smtpserver[" + name + "]/";
        String bind = XmlConfigurationFile.childText(server, "bind");
        if (bind == null) {
            throw new BadConfigurationException(file, key + "bind", "is missing");
        }
        for (String address : bind.split(",")) {
            try {
                ListenAddress.parse(address);
            } catch (IllegalArgumentException e) {
                throw new BadConfigurationException(file, key + "bind", e.getMessage());
            }
        }
        for (String numberKey : NUMBER_KEYS_OF_SMTP_SERVERS.split(" ")) {
            String value = XmlConfigurationFile.childText(server, numberKey);
            if (value != null) {
                PropertiesConfigurationFile.parseInteger(file, key + numberKey, value, 0, Integer.MAX_VALUE);
            }
        }
    }

    private void writeListenerProperties(String fileName, String hostKey, String portKey, Optional<ListenAddress> override) {
        PropertiesConfigurationFile file = PropertiesConfigurationFile.load(target.resolve(fileName), display(fileName));
        override.ifPresent(bind -> {
            file.set(hostKey, bind.host());
            file.set(portKey, String.valueOf(bind.port()));
        });
        file.integer(portKey, 0, 65535);
        file.save();
    }

    private void writeDnsService(EnvironmentOverrides overrides) {
        XmlConfigurationFile file = XmlConfigurationFile.load(target.resolve(DNS), display(DNS));
        Element root = file.elements("/dnsservice").stream().findFirst()
            .orElseThrow(() -> new BadConfigurationException(file.name(), "dnsservice", "is not the root element"));
        overrides.dnsServers().ifPresent(servers -> {
            XmlConfigurationFile.replaceChildren(XmlConfigurationFile.child(root, "servers"), "server",
                servers.stream().map(DnsServerAddress::asString).collect(Collectors.toList()));
            XmlConfigurationFile.child(root, "autodiscover").setTextContent("false");
        });
        for (Element server : file.elements("/dnsservice/servers/server")) {
            try {
                DnsServerAddress.parse(server.getTextContent());
            } catch (IllegalArgumentException e) {
                throw new BadConfigurationException(file.name(), "dnsservice/servers/server", e.getMessage());
            }
        }
        String timeout = XmlConfigurationFile.childText(root, "timeout");
        if (timeout != null) {
            PropertiesConfigurationFile.parseInteger(file.name(), "dnsservice/timeout", timeout, 1, 60);
        }
        file.save();
    }

    private void writeDomainList(HelpdeskSettings settings) {
        XmlConfigurationFile file = XmlConfigurationFile.load(target.resolve(DOMAINS), display(DOMAINS));
        Element root = file.elements("/domainlist").stream().findFirst()
            .orElseThrow(() -> new BadConfigurationException(file.name(), "domainlist", "is not the root element"));
        XmlConfigurationFile.replaceChildren(XmlConfigurationFile.child(root, "domainnames"), "domainname", settings.domains());
        file.save();
    }

    private void writeMailetContainer(HelpdeskSettings settings) {
        XmlConfigurationFile file = XmlConfigurationFile.load(target.resolve(MAILET_CONTAINER), display(MAILET_CONTAINER));
        file.elements("/mailetcontainer/context/postmaster")
            .forEach(postmaster -> postmaster.setTextContent("postmaster@" + settings.domains().get(0)));
        for (Element processor : file.elements("/mailetcontainer/processors/processor")) {
            checkProcessorEnds(file.name(), processor);
        }
        file.save();
    }

    /**
     * James deletes, without a trace, a mail that runs off the end of a processor: the last mailet
     * of every processor must match all mails and take them somewhere.
     */
    private static void checkProcessorEnds(String file, Element processor) {
        String key = "processor[" + processor.getAttribute("state") + "]";
        List<Element> mailets = XmlConfigurationFile.children(processor, "mailet");
        if (mailets.isEmpty()) {
            throw new BadConfigurationException(file, key, "has no mailet: every mail would be dropped");
        }
        Element last = mailets.get(mailets.size() - 1);
        String className = last.getAttribute("class");
        String simpleName = className.substring(className.lastIndexOf('.') + 1);
        boolean passesThrough = "true".equalsIgnoreCase(XmlConfigurationFile.childText(last, "passThrough"));
        if (!"All".equals(last.getAttribute("match")) || !TERMINAL_MAILETS.contains(simpleName) || passesThrough) {
            throw new BadConfigurationException(file, key, "must end with a mailet that matches All and takes every mail out of it "
                + TERMINAL_MAILETS + " (found " + simpleName + " matching " + last.getAttribute("match") + ")");
        }
    }
}
