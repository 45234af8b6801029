package org.helpdeskmail.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Every limit of the MX has an answer a sending MTA can act on: too many connections (from one
 * address, or in all) 421 with the reason, too many recipients 452 4.5.3 (the sender sends the rest
 * in another transaction). Limits lowered for the test: 6 connections, 3 per address.
 */
class MxLimitsTest {
    @RegisterExtension
    final HelpdeskServerExtension server = HelpdeskServerExtension.builder()
        .configure(conf -> {
            ConfigurationFiles.replace(conf, "smtpserver.xml", "<connectionLimit>500</connectionLimit>", "<connectionLimit>6</connectionLimit>");
            ConfigurationFiles.replace(conf, "smtpserver.xml", "<connectionLimitPerIP>20</connectionLimitPerIP>", "<connectionLimitPerIP>3</connectionLimitPerIP>");
        })
        .build();

    @Test
    void connectionsOverTheLimitsAreAnswered421WithTheReason() throws Exception {
        List<SmtpClient> open = new ArrayList<>();
        try {
            for (int index = 0; index < 3; index++) {
                open.add(SmtpClient.connect("127.0.0.5", server.ports().mx()));
                assertThat(open.get(index).greeting().code()).isEqualTo(220);
            }
            try (SmtpClient fourth = SmtpClient.connect("127.0.0.5", server.ports().mx())) {
                assertThat(fourth.greeting().code()).as(fourth.greeting().toString()).isEqualTo(421);
                assertThat(fourth.greeting().enhancedStatus()).isEqualTo("4.7.0");
                assertThat(fourth.greeting().text()).contains("127.0.0.5");
            }
            for (int index = 0; index < 3; index++) {
                SmtpClient other = SmtpClient.connect("127.0.0.6", server.ports().mx());
                open.add(other);
                assertThat(other.greeting().code()).as("another address has connections of its own").isEqualTo(220);
            }
            try (SmtpClient seventh = SmtpClient.connect("127.0.0.7", server.ports().mx())) {
                assertThat(seventh.greeting().code()).as(seventh.greeting().toString()).isEqualTo(421);
                assertThat(seventh.greeting().enhancedStatus()).isEqualTo("4.3.2");
            }
            open.remove(0).close();
            Thread.sleep(300);
            try (SmtpClient again = SmtpClient.connect("127.0.0.5", server.ports().mx())) {
                assertThat(again.greeting().code()).as("a closed connection frees its place").isEqualTo(220);
            }
        } finally {
            for (SmtpClient client : open) {
                client.close();
            }
        }
    }

    @Test
    void theHundredAndFirstRecipientGets452() throws Exception {
        try (SmtpClient client = SmtpClient.connect(server.ports().mx())) {
            client.ehlo("client.example.org");
            assertThat(client.mailFrom("someone@example.org").code()).isEqualTo(250);
            for (int index = 0; index < 100; index++) {
                assertThat(client.rcptTo("mailbox" + index + "@acme.helpdesk.localhost").code()).isEqualTo(250);
            }
            SmtpClient.Reply tooMany = client.rcptTo("mailbox100@acme.helpdesk.localhost");
            assertThat(tooMany.code()).as(tooMany.toString()).isEqualTo(452);
            assertThat(tooMany.enhancedStatus()).isEqualTo("4.5.3");
            assertThat(client.data("Subject: to a hundred\r\n\r\nhello\r\n").code()).isEqualTo(250);
        }
    }
}
