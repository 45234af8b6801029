package org.helpdeskmail.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * The app sends a notification naming its ticket in X-Helpdesk-Ticket; it leaves without that
 * header; the customer's reply (other subject, other sender) reaches the webhook with the ticket.
 */
class TicketThreadingTest {
    private static final String SECRET = "integration-test-webhook-secret";
    private static final String APP = "app@notify.example";
    private static final String PASSWORD = "s3cret-Passw0rd";
    private static final String MAILBOX = "support@acme.helpdesk.localhost";
    private static final Pattern MESSAGE_ID = Pattern.compile("(?im)^Message-ID:\\s*(<[^>]+>)");

    private final int sinkPort = HelpdeskServerExtension.freePort();
    private final WebhookReceiver receiver = new WebhookReceiver();

    @RegisterExtension
    final HelpdeskServerExtension server = HelpdeskServerExtension.builder()
        .environment("HELPDESK_WEBHOOK_URL", receiver.url())
        .environment("HELPDESK_WEBHOOK_SECRET", SECRET)
        .configure(conf -> ConfigurationFiles.relayOutboundTo(conf, sinkPort))
        .build();

    private SmtpSink sink;

    @BeforeEach
    void submissionUserAndRecipientsMx() throws Exception {
        assertThat(server.jamesCli("AddDomain", "notify.example").exitCode()).isZero();
        HelpdeskServerExtension.CommandResult addUser = server.jamesCli("AddUser", APP, PASSWORD);
        assertThat(addUser.exitCode()).as(addUser.output()).isZero();
        sink = SmtpSink.start(sinkPort);
    }

    @AfterEach
    void stopPeers() throws Exception {
        sink.close();
        receiver.close();
    }

    /** The app's submission: STARTTLS, AUTH, one notification to a customer; returns it as the customer's MX received it. */
    private String notify(String headers, String customer) throws Exception {
        int before = sink.messages().size();
        try (SmtpClient client = SmtpClient.connect(server.ports().submission())) {
            client.ehlo("app.notify.example");
            assertThat(client.startTls().code()).isEqualTo(220);
            client.ehlo("app.notify.example");
            assertThat(client.authPlain(APP, PASSWORD).code()).isEqualTo(235);
            assertThat(client.mailFrom(APP).code()).isEqualTo(250);
            assertThat(client.rcptTo(customer).code()).isEqualTo(250);
            SmtpClient.Reply accepted = client.data(headers + "From: Acme Support <" + APP + ">\r\nTo: " + customer + "\r\n"
                + "Subject: [T-1234] Your printer question\r\n\r\nWe have looked into it.\r\n");
            assertThat(accepted.code()).as(accepted.toString()).isEqualTo(250);
        }
        await().atMost(Duration.ofSeconds(30)).until(() -> sink.messages().size() > before);
        SmtpSink.Received received = sink.messages().get(before);
        assertThat(received.recipients()).containsExactly(customer);
        assertThat(received.data()).contains("We have looked into it.").doesNotContainIgnoringCase("X-Helpdesk-");
        return received.data();
    }

    private static String messageId(String data) {
        Matcher matcher = MESSAGE_ID.matcher(data.substring(0, data.indexOf("\r\n\r\n")));
        assertThat(matcher.find()).as("a Message-ID in\n" + data).isTrue();
        return matcher.group(1);
    }

    /** A customer's message to the tenant mailbox on the MX; returns the webhook's JSON for it. */
    private JsonNode reply(String from, String messageId, String threadingHeaders) throws Exception {
        WebhookDeliveryTest.send(server.ports().mx(), from, List.of(MAILBOX), "From: " + from + "\r\nTo: " + MAILBOX + "\r\n"
            + "Subject: completely different subject\r\nMessage-ID: " + messageId + "\r\n" + threadingHeaders
            + "\r\nIt still does not print.\r\n");
        await().atMost(Duration.ofSeconds(30)).until(() -> receiver.requests().stream()
            .anyMatch(request -> messageId.equals(request.json().path("messageId").asText())));
        return receiver.requests().stream().map(WebhookReceiver.Request::json)
            .filter(json -> messageId.equals(json.path("messageId").asText())).findFirst().orElseThrow();
    }

    @Test
    void replyToANotificationNamesItsTicketWhateverItsSubjectAndSender() throws Exception {
        String sent = notify("X-Helpdesk-Ticket: T-1234\r\nMessage-ID: <notification-1@notify.example>\r\n", "customer@customer.test");
        assertThat(messageId(sent)).isEqualTo("<notification-1@notify.example>");

        JsonNode answered = reply("colleague@example.com", "<reply-1@example.com>",
            "In-Reply-To: <notification-1@notify.example>\r\nReferences: <notification-1@notify.example>\r\n");
        JsonNode unrelated = reply("colleague@example.com", "<reply-2@example.com>", "In-Reply-To: <unknown@notify.example>\r\n");
        JsonNode fresh = reply("someone@example.org", "<new-1@example.org>", "");

        assertThat(answered.get("ticket").asText()).isEqualTo("T-1234");
        assertThat(answered.get("subject").asText()).isEqualTo("completely different subject");
        assertThat(answered.at("/from/address").asText()).isEqualTo("colleague@example.com");
        assertThat(unrelated.has("ticket")).as(unrelated.toString()).isFalse();
        assertThat(fresh.has("ticket")).as(fresh.toString()).isFalse();
    }

    @Test
    void notificationWithoutMessageIdGetsOneThatAReplyNamesInItsReferences() throws Exception {
        String sent = notify("X-Helpdesk-Ticket: T-5678\r\n", "customer@customer.test");
        String messageId = messageId(sent);
        String other = notify("X-Helpdesk-Ticket: T-9999\r\n", "other@customer.test");
        assertThat(messageId(other)).isNotEqualTo(messageId);

        JsonNode reply = reply("customer@example.org", "<reply-3@example.org>",
            "References: <earlier@example.org>\r\n " + messageId + " <not-ours@example.org>\r\n");

        assertThat(reply.has("inReplyTo")).isFalse();
        assertThat(reply.get("ticket").asText()).isEqualTo("T-5678");
    }
}
