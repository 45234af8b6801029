package org.helpdeskmail.mailets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

import javax.mail.internet.MimeMessage;

import org.apache.james.core.MailAddress;
import org.apache.james.core.builder.MimeMessageBuilder;
import org.apache.james.metrics.tests.RecordingMetricFactory;
import org.apache.mailet.Mail;
import org.apache.mailet.base.test.FakeMail;
import org.apache.mailet.base.test.FakeMailContext;
import org.apache.mailet.base.test.FakeMailetConfig;
import org.helpdeskmail.clients.HelpdeskSettings;
import org.helpdeskmail.clients.JdbcTicketThreads;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.helpdeskmail.testing.EmbeddedDerby;

/** The decisions that need no HTTP: the integration tests cover the POSTs against a real receiver. */
class WebhookDeliveryTest {
    // Port 9 (discard) on loopback: nothing there, and nothing in these tests may reach it.
    private static final HelpdeskSettings SETTINGS = new HelpdeskSettings(List.of("jitbit.com"), URI.create("http://127.0.0.1:9/inbound"),
        Optional.of("unit-test-secret-value"), Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(),
        Duration.ofMinutes(5));

    private final FakeMailContext context = FakeMailContext.defaultContext();

    @TempDir
    Path directory;
    private EmbeddedDerby derby;
    private JdbcTicketThreads ticketThreads;

    @BeforeEach
    void openDatabase() throws Exception {
        derby = new EmbeddedDerby(directory);
        ticketThreads = new JdbcTicketThreads(derby.dataSource());
    }

    @AfterEach
    void closeDatabase() throws Exception {
        derby.close();
    }

    private WebhookDelivery mailet(String... parameters) throws Exception {
        WebhookDelivery mailet = new WebhookDelivery(SETTINGS, ticketThreads, new RecordingMetricFactory(), Clock.systemUTC());
        FakeMailetConfig.Builder config = FakeMailetConfig.builder().mailetName("webhook").mailetContext(context);
        for (int i = 0; i < parameters.length; i += 2) {
            config.setProperty(parameters[i], parameters[i + 1]);
        }
        mailet.init(config.build());
        return mailet;
    }

    private static Mail mail(String... recipients) throws Exception {
        MimeMessage message = MimeMessageBuilder.mimeMessageBuilder().setSubject("big").setText("x".repeat(2000)).build();
        return FakeMail.builder().name("mail1").sender("someone@example.org").recipients(recipients).mimeMessage(message)
            .size(message.getSize() > 0 ? message.getSize() : 2000).state("inbound").build();
    }

    @Test
    void messageAboveMaxMessageSizeGoesToTheRejectedProcessorWithTheReason() throws Exception {
        Mail mail = mail("support@acme.jitbit.com");

        mailet("maxMessageSize", "1k").service(mail);

        assertThat(mail.getState()).isEqualTo(Mail.GHOST);
        assertThat(context.getSentMails()).hasSize(1);
        FakeMailContext.SentMail rejected = context.getSentMails().get(0);
        assertThat(rejected.getState()).isEqualTo("webhook-rejected");
        assertThat(rejected.getRecipients()).containsExactly(new MailAddress("support@acme.jitbit.com"));
        assertThat(rejected.getAttributes().get(WebhookDelivery.LAST_ERROR).getValue().value().toString())
            .contains("above maxMessageSize 1024");
    }

    @Test
    void recipientThatIsNoTenantMailboxIsRejectedNotDropped() throws Exception {
        Mail mail = mail("postmaster@jitbit.com");

        mailet("rejectedProcessor", "refused").service(mail);

        assertThat(context.getSentMails()).singleElement().satisfies(sent -> {
            assertThat(sent.getState()).isEqualTo("refused");
            assertThat(sent.getRecipients()).containsExactly(new MailAddress("postmaster@jitbit.com"));
        });
    }

    @Test
    void badParametersAreNamed() {
        assertThatThrownBy(() -> mailet("initialDelay", "soon")).hasMessageContaining("<initialDelay>");
        assertThatThrownBy(() -> mailet("maxMessageSize", "huge")).hasMessageContaining("<maxMessageSize>");
        assertThatThrownBy(() -> mailet("initialDelay", "2 hours", "maxDelay", "1 hour")).hasMessageContaining("maxDelay");
    }

    @Test
    void deliveryIdIsStablePerMessageAndRecipient() throws Exception {
        MailAddress support = new MailAddress("support@acme.jitbit.com");
        assertThat(WebhookDelivery.deliveryId("mail-1", support)).isEqualTo(WebhookDelivery.deliveryId("mail-1", new MailAddress("Support@acme.jitbit.com")))
            .isNotEqualTo(WebhookDelivery.deliveryId("mail-2", support))
            .hasSize(32);
    }
}
