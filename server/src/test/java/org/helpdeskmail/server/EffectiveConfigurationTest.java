package org.helpdeskmail.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.stream.Stream;

import org.helpdeskmail.clients.HelpdeskSettings;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The overlay of the environment on the shipped james-conf/, and the checks of the result. */
class EffectiveConfigurationTest {
    private static final Path SHIPPED = Path.of("../james-conf");

    @TempDir
    Path temporary;
    private Path source;
    private Path target;

    @BeforeEach
    void copyShippedConfiguration() throws IOException {
        source = temporary.resolve("conf");
        target = temporary.resolve("var/conf");
        Files.createDirectories(source);
        try (Stream<Path> files = Files.list(SHIPPED)) {
            for (Path file : (Iterable<Path>) files::iterator) {
                Files.copy(file, source.resolve(file.getFileName()));
            }
        }
    }

    private HelpdeskSettings write(Map<String, String> environment) {
        return new EffectiveConfiguration(source, target).write(EnvironmentOverrides.from(environment));
    }

    private String effective(String file) throws IOException {
        return Files.readString(target.resolve(file));
    }

    @Test
    void shippedConfigurationIsValidAndKeepsItsValuesWithoutOverrides() throws IOException {
        HelpdeskSettings settings = write(Map.of());

        assertThat(settings.domains()).containsExactly("helpdesk.localhost");
        assertThat(settings.webhookUrl()).hasToString("http://127.0.0.1:8080/inbound");
        assertThat(settings.webhookSecret()).isEmpty();
        assertThat(effective("smtpserver.xml")).contains("<bind>127.0.0.1:2525</bind>").contains("<bind>127.0.0.1:2587</bind>");
        assertThat(effective("domainlist.xml")).contains("<domainname>helpdesk.localhost</domainname>");
    }

    @Test
    void environmentWinsOverTheFiles() throws IOException {
        HelpdeskSettings settings = write(Map.of(
            "HELPDESK_MX_BIND", "0.0.0.0:25",
            "HELPDESK_SUBMISSION_BIND", "0.0.0.0:587",
            "HELPDESK_SUBMISSION_NETWORKS", "10.1.0.0/16",
            "HELPDESK_WEBADMIN_BIND", "127.0.0.1:18000",
            "HELPDESK_DNS_SERVERS", "127.0.0.1:5353",
            "HELPDESK_HOSTNAME", "mx.jitbit.com",
            "HELPDESK_DOMAINS", "jitbit.com",
            "HELPDESK_WEBHOOK_SECRET", "0123456789abcdef0123"));

        assertThat(effective("smtpserver.xml"))
            .contains("<bind>0.0.0.0:25</bind>").contains("<bind>0.0.0.0:587</bind>")
            .contains("<networks>10.1.0.0/16</networks>")
            .contains("<helloName autodetect=\"false\">mx.jitbit.com</helloName>")
            // The comments of the deployment's file survive.
            .contains("Two listeners, each with its own handler chain");
        assertThat(effective("webadmin.properties")).contains("port=18000").contains("# James webadmin");
        assertThat(effective("dnsservice.xml")).contains("<server>127.0.0.1:5353</server>").contains("<autodiscover>false</autodiscover>");
        assertThat(effective("domainlist.xml")).contains("<domainname>jitbit.com</domainname>");
        assertThat(effective("mailetcontainer.xml")).contains("<postmaster>postmaster@jitbit.com</postmaster>");
        assertThat(settings.webhookSecret()).contains("0123456789abcdef0123");
        assertThat(effective("helpdesk.properties")).doesNotContain("0123456789abcdef0123");
        assertThat(Files.readString(source.resolve("smtpserver.xml"))).contains("<bind>127.0.0.1:2525</bind>");
    }

    @Test
    void badValueInAFileNamesTheFileAndTheKey() throws IOException {
        Path webadmin = source.resolve("webadmin.properties");
        Files.writeString(webadmin, Files.readString(webadmin).replace("port=8000", "port=eight"));

        assertThatThrownBy(() -> write(Map.of()))
            .isInstanceOf(BadConfigurationException.class)
            .hasMessage(source.resolve("webadmin.properties") + ": port: 'eight' is not a number");
    }

    @Test
    void missingFileAndBrokenXmlAreNamed() throws IOException {
        Files.writeString(source.resolve("dnsservice.xml"), "<dnsservice><servers>");
        assertThatThrownBy(() -> write(Map.of())).hasMessageStartingWith(source.resolve("dnsservice.xml") + ": (file): is not well-formed XML");

        Files.delete(source.resolve("jmx.properties"));
        assertThatThrownBy(() -> write(Map.of())).hasMessage(source.resolve("jmx.properties") + ": (file): is missing");
    }

    @Test
    void badHelpdeskSettingNamesTheKey() throws IOException {
        Path helpdesk = source.resolve("helpdesk.properties");
        Files.writeString(helpdesk, Files.readString(helpdesk).replace("webhook.url=http://127.0.0.1:8080/inbound", "webhook.url=127.0.0.1:8080"));

        assertThatThrownBy(() -> write(Map.of())).hasMessageContaining("helpdesk.properties: webhook.url:");
    }

    @Test
    void badReturnPathSettingNamesTheKey() throws IOException {
        Path helpdesk = source.resolve("helpdesk.properties");
        String shipped = Files.readString(helpdesk);
        Files.writeString(helpdesk, shipped.replace("bounce.domain=", "bounce.domain=bounces.example, other.example"));
        assertThatThrownBy(() -> write(Map.of())).hasMessageContaining("helpdesk.properties: bounce.domain: 'bounces.example, other.example' is not one domain name");

        Files.writeString(helpdesk, shipped.replace("bounce.prefix=bounces", "bounce.prefix=Bounces+"));
        assertThatThrownBy(() -> write(Map.of())).hasMessageContaining("helpdesk.properties: bounce.prefix:");
    }

    @Test
    void processorThatMailCanRunOffIsRefused() throws IOException {
        Path mailetContainer = source.resolve("mailetcontainer.xml");
        Files.writeString(mailetContainer, Files.readString(mailetContainer).replace(
            "<processor state=\"relay-denied\" enableJmx=\"true\">\n            <mailet match=\"All\" class=\"ToRepository\">",
            "<processor state=\"relay-denied\" enableJmx=\"true\">\n            <mailet match=\"HostIsLocal\" class=\"ToRepository\">"));

        assertThatThrownBy(() -> write(Map.of()))
            .hasMessageContaining("mailetcontainer.xml: processor[relay-denied]: must end with a mailet that matches All")
            .hasMessageContaining("found ToRepository matching HostIsLocal");
    }
}
