package org.helpdeskmail.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Neither listener relays for an unauthenticated client, however the recipient is dressed up. */
class OpenRelayTest {
    private static final List<String> RELAY_TRICKS = List.of(
        "victim%foreign.example@helpdesk.localhost",
        "\"victim@foreign.example\"@helpdesk.localhost",
        "foreign.example!victim@helpdesk.localhost");

    @RegisterExtension
    final HelpdeskServerExtension server = HelpdeskServerExtension.builder().build();

    private static void assertRelayRefused(SmtpClient client) throws Exception {
        assertThat(client.mailFrom("spammer@spam.example").code()).isEqualTo(250);
        SmtpClient.Reply foreign = client.rcptTo("victim@foreign.example");
        assertThat(foreign.code()).as(foreign.toString()).isEqualTo(550);
        assertThat(foreign.enhancedStatus()).isEqualTo("5.7.1");
        for (String trick : RELAY_TRICKS) {
            SmtpClient.Reply reply = client.rcptTo(trick);
            assertThat(reply.code()).as(trick + " -> " + reply).isEqualTo(550);
            assertThat(reply.enhancedStatus()).as(trick + " -> " + reply).isEqualTo("5.7.1");
        }
        // A source route names the real destination last; James refuses its syntax outright.
        SmtpClient.Reply sourceRoute = client.command("RCPT TO:<@helpdesk.localhost:victim@foreign.example>");
        assertThat(sourceRoute.code()).as(sourceRoute.toString()).isBetween(500, 599);
        assertThat(client.data("Subject: relay me\r\n\r\nspam\r\n").code())
            .as("no recipient was accepted, so there is nothing to send").isGreaterThanOrEqualTo(500);
    }

    @Test
    void mxRefusesRelayAndRelayTricks() throws Exception {
        try (SmtpClient client = SmtpClient.connect(server.ports().mx())) {
            client.ehlo("client.spam.example");
            assertRelayRefused(client);
        }
    }

    @Test
    void mxAcceptsItsOwnDomain() throws Exception {
        try (SmtpClient client = SmtpClient.connect(server.ports().mx())) {
            client.ehlo("client.example");
            assertThat(client.mailFrom("someone@client.example").code()).isEqualTo(250);
            assertThat(client.rcptTo("support@helpdesk.localhost").code()).isEqualTo(250);
            assertThat(client.data("Subject: help\r\n\r\nplease\r\n").code()).isEqualTo(250);
        }
    }

    @Test
    void submissionRefusesMailWithoutAuthenticationEvenOverTls() throws Exception {
        try (SmtpClient client = SmtpClient.connect(server.ports().submission())) {
            client.ehlo("client.spam.example");
            client.startTls();
            client.ehlo("client.spam.example");
            // Refused at MAIL already: no RCPT, foreign or local, can be accepted in this session.
            SmtpClient.Reply mail = client.mailFrom("spammer@spam.example");
            assertThat(mail.code()).as(mail.toString()).isEqualTo(530);
            assertThat(mail.enhancedStatus()).isEqualTo("5.7.0");
            assertThat(client.rcptTo("victim@foreign.example").code()).isBetween(500, 599);
            assertThat(client.rcptTo("support@helpdesk.localhost").code()).isBetween(500, 599);
        }
    }
}
