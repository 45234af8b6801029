package org.helpdeskmail.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.UUID;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The helpdesk app's path: a submission user created with bin/james-cli submits over STARTTLS + AUTH,
 * the mailet container's root processor sends the mail to "outbound", whose RemoteDelivery hands it
 * to the (loopback) MX of the recipient.
 */
class SubmissionTest {
    private final int sinkPort = HelpdeskServerExtension.freePort();

    @RegisterExtension
    final HelpdeskServerExtension server = HelpdeskServerExtension.builder()
        .configure(conf -> ConfigurationFiles.relayOutboundTo(conf, sinkPort))
        .build();


    @Test
    void authenticatedSubmissionGoesThroughTheOutboundProcessorToTheRecipientsMx() throws Exception {
        assertThat(server.jamesCli("AddDomain", "notify.example").exitCode()).isZero();
        HelpdeskServerExtension.CommandResult addUser = server.jamesCli("AddUser", "app@notify.example", "s3cret-Passw0rd");
        assertThat(addUser.exitCode()).as(addUser.output()).isZero();
        String subject = "ticket " + UUID.randomUUID();

        try (SmtpSink sink = SmtpSink.start(sinkPort); SmtpClient client = SmtpClient.connect(server.ports().submission())) {
            assertThat(client.greeting().code()).isEqualTo(220);
            assertThat(client.ehlo("app.notify.example").text()).contains("STARTTLS").doesNotContain("AUTH");
            assertThat(client.startTls().code()).isEqualTo(220);
            assertThat(client.ehlo("app.notify.example").text()).contains("AUTH").contains("PLAIN");
            assertThat(client.authPlain("app@notify.example", "wrong").code()).isEqualTo(535);
            assertThat(client.authPlain("app@notify.example", "s3cret-Passw0rd").code()).isEqualTo(235);
            assertThat(client.mailFrom("app@notify.example").code()).isEqualTo(250);
            assertThat(client.rcptTo("customer@customer.test").code()).isEqualTo(250);
            SmtpClient.Reply accepted = client.data("From: app@notify.example\r\nTo: customer@customer.test\r\n"
                + "Bcc: hidden@customer.test\r\nSubject: " + subject + "\r\n\r\nYour ticket was updated.\r\n");
            assertThat(accepted.code()).as(accepted.toString()).isEqualTo(250);

            await().atMost(Duration.ofSeconds(30)).until(() -> !sink.messages().isEmpty());
            SmtpSink.Received received = sink.messages().get(0);
            // VERP: the return path names this recipient, so that a later bounce can be traced to it.
            assertThat(received.mailFrom()).matches("bounces\\+[a-z2-7]{21}@helpdesk\\.localhost");
            assertThat(received.recipients()).containsExactly("customer@customer.test");
            assertThat(received.data()).contains("Subject: " + subject).contains("Your ticket was updated.")
                .doesNotContainIgnoringCase("Bcc:");
        }
    }
}
