package org.helpdeskmail.server;

import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

import org.apache.james.GuiceJamesServer;
import org.apache.james.CoreDataModule;
import org.apache.james.NaiveDelegationStoreModule;
import org.apache.james.modules.MailetProcessingModule;
import org.apache.james.modules.protocols.ProtocolHandlerModule;
import org.apache.james.modules.protocols.SMTPServerModule;
import org.apache.james.modules.server.DKIMMailetModule;
import org.apache.james.modules.server.DataRoutesModules;
import org.apache.james.modules.server.DefaultProcessorsConfigurationProviderModule;
import org.apache.james.modules.server.MailQueueRoutesModule;
import org.apache.james.modules.server.MailRepositoriesRoutesModule;
import org.apache.james.modules.server.NoJwtModule;
import org.apache.james.modules.server.RawPostDequeueDecoratorModule;
import org.apache.james.modules.server.TaskManagerModule;
import org.apache.james.modules.server.WebAdminServerModule;
import org.helpdeskmail.clients.HelpdeskSettings;
import org.helpdeskmail.server.modules.DkimModule;
import org.helpdeskmail.server.modules.DurableMailQueueModule;
import org.helpdeskmail.server.modules.FileMailRepositoryModule;
import org.helpdeskmail.server.modules.GreylistStoreModule;
import org.helpdeskmail.server.modules.HelpdeskDatabaseModule;
import org.helpdeskmail.server.modules.HelpdeskSettingsModule;
import org.helpdeskmail.server.modules.JmxCredentials;
import org.helpdeskmail.server.modules.JpaStorageModule;
import org.helpdeskmail.server.modules.LoopbackJmxModule;
import org.helpdeskmail.server.modules.OutboundDeliveryModule;
import org.helpdeskmail.server.modules.OutboundStoresModule;
import org.helpdeskmail.server.modules.PortAwareDnsModule;
import org.helpdeskmail.server.modules.SmtpListenersModule;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.google.common.base.Throwables;
import com.google.inject.Module;
import com.google.inject.util.Modules;

/**
 * Starts helpdesk-mail: the configuration of conf/ with the environment overrides applied, two SMTP
 * listeners (mx, submission), the mailet container, the durable queue and the stores under
 * HELPDESK_VAR_DIR, webadmin and JMX on loopback. A bad configuration ends the process with exit
 * code 2 and one line naming the file (or variable) and the key.
 */
public final class HelpdeskMailServer {
    private static final Logger LOGGER = LoggerFactory.getLogger(HelpdeskMailServer.class);
    private static final int EXIT_BAD_CONFIGURATION = 2;
    private static final int EXIT_STARTUP_FAILED = 1;

    private static final Module PROTOCOLS = Modules.combine(
        new ProtocolHandlerModule(),
        new SMTPServerModule(),
        new WebAdminServerModule(),
        new DataRoutesModules(),
        new MailRepositoriesRoutesModule(),
        new MailQueueRoutesModule(),
        new NoJwtModule(),
        new TaskManagerModule());

    private static final Module STORAGE_AND_PROCESSING = Modules.combine(
        new CoreDataModule(),
        new NaiveDelegationStoreModule(),
        new MailetProcessingModule(),
        new DefaultProcessorsConfigurationProviderModule(),
        new RawPostDequeueDecoratorModule(),
        new DKIMMailetModule(),
        new JpaStorageModule(),
        new FileMailRepositoryModule(),
        new DurableMailQueueModule(),
        new HelpdeskDatabaseModule(),
        new GreylistStoreModule(),
        new DkimModule(),
        new OutboundStoresModule(),
        new OutboundDeliveryModule(),
        new LoopbackJmxModule());

    private HelpdeskMailServer() {
    }

    public static void main(String[] args) {
        System.setProperty("james.exit.on.startup.error", "false");
        GuiceJamesServer server;
        try {
            server = start(System.getenv(), home());
        } catch (BadConfigurationException e) {
            System.err.println("helpdesk-mail: bad configuration: " + e.getMessage());
            System.exit(EXIT_BAD_CONFIGURATION);
            return;
        } catch (Exception e) {
            Throwable cause = Throwables.getRootCause(e);
            LOGGER.error("Startup failed", e);
            System.err.println("helpdesk-mail: startup failed: " + cause.getClass().getSimpleName() + ": " + cause.getMessage());
            System.exit(EXIT_STARTUP_FAILED);
            return;
        }
        GracefulStop.install(server);
    }

    private static Path home() {
        return Path.of(Optional.ofNullable(System.getProperty("helpdesk.home")).orElse(".")).toAbsolutePath().normalize();
    }

    static GuiceJamesServer start(Map<String, String> environment, Path home) throws Exception {
        // James would look up every client's host name through the JVM's resolver on an I/O thread at
        // connect; ClientNameLookup does it through our DNS service, off those threads.
        System.setProperty("james.protocols.mdc.hostname", "false");
        // SmtpLineFramer reads a bare LF as a line end and keeps smuggled dot lines in the message:
        // James's own check would close the session on the first bare LF.
        System.setProperty("james.prevent.smtp.smuggling", "false");
        EnvironmentOverrides overrides = EnvironmentOverrides.from(environment);
        Path confSource = Optional.ofNullable(environment.get("HELPDESK_CONF_DIR")).filter(value -> !value.isBlank())
            .map(Path::of).orElse(home.resolve("conf")).toAbsolutePath().normalize();
        Path var = overrides.varDirectory().orElse(Path.of("var")).toAbsolutePath().normalize();
        HelpdeskDirectories directories = new HelpdeskDirectories(home, var);
        Files.createDirectories(var);

        HelpdeskSettings settings = new EffectiveConfiguration(confSource, directories.effectiveConfiguration()).write(overrides);
        if (settings.webhookSecret().isEmpty()) {
            settings = settings.withWebhookSecret(WebhookSecret.readOrGenerate(var));
            LOGGER.info("Webhook secret: none configured, using the generated one in {}", var.resolve(WebhookSecret.FILE));
        }
        String hostname = overrides.hostname().orElse(InetAddress.getLocalHost().getHostName());
        if (SelfSignedCertificate.ensure(var.resolve("tls"), hostname)) {
            LOGGER.info("TLS: generated a self-signed certificate for {} into {}", hostname, var.resolve("tls"));
        }
        JmxCredentials.ensure(var);
        prepareEmbeddedDatabase(var);

        LOGGER.info("Configuration: {} (effective copy with environment overrides: {})", confSource, directories.effectiveConfiguration());
        LOGGER.info("Data: {} (queue: store/activemq, mail repositories: mail/, database: derby/)", var);
        LOGGER.info("Settings: {}", settings);

        GuiceJamesServer server = GuiceJamesServer.forConfiguration(directories)
            .combineWith(STORAGE_AND_PROCESSING, PROTOCOLS, new HelpdeskSettingsModule(settings))
            .overrideWith(new PortAwareDnsModule(), new SmtpListenersModule());
        server.start();
        ListenerReport.log(directories.effectiveConfiguration());
        return server;
    }

    private static void prepareEmbeddedDatabase(Path var) throws Exception {
        Path derby = var.resolve("derby");
        Files.createDirectories(derby);
        // A relative Derby URL (jdbc:derby:helpdesk) lands here, and so does derby.log.
        System.setProperty("derby.system.home", derby.toString());
        System.setProperty("derby.stream.error.file", derby.resolve("derby.log").toString());
    }
}
