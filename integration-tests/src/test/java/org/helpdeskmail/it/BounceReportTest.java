package org.helpdeskmail.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * Asynchronous bounces and complaints: the remote MX first accepts the message (so delivery reports
 * "delivered"), then a DSN or an ARF complaint comes back to the message's VERP return path on our
 * MX; the event names the recipient the return path was issued for. A forged return path is ignored.
 */
class BounceReportTest {
    private final int mxPort = HelpdeskServerExtension.freePort();
    private final WebhookReceiver events = new WebhookReceiver();

    @RegisterExtension
    final HelpdeskServerExtension server = HelpdeskServerExtension.builder()
        .environment("HELPDESK_EVENTS_URL", events.url())
        .configure(conf -> ConfigurationFiles.remoteSmtpPort(conf, mxPort))
        .build();
    private final AppSubmission app = new AppSubmission(server);

    @AfterEach
    void stopReceiver() {
        events.close();
    }

    @Test
    void asynchronousDsnBouncesAndSuppressesTheRecipientOfTheReturnPath() throws Exception {
        SmtpSink.Received sent = deliver("frank@remote.test");

        String dsn = "From: Mail Delivery System <MAILER-DAEMON@mx.remote.test>\r\n"
            + "To: " + sent.mailFrom() + "\r\n"
            + "Subject: Undelivered Mail Returned to Sender\r\n"
            + "MIME-Version: 1.0\r\n"
            + "Content-Type: multipart/report; report-type=delivery-status; boundary=\"b1\"\r\n\r\n"
            + "--b1\r\nContent-Type: text/plain\r\n\r\nI'm sorry to have to inform you that your message could not be delivered.\r\n\r\n"
            + "--b1\r\nContent-Type: message/delivery-status\r\n\r\n"
            + "Reporting-MTA: dns; mx.remote.test\r\n\r\n"
            + "Final-Recipient: rfc822; frank.forwarded@inner.remote.test\r\n"
            + "Original-Recipient: rfc822; frank@remote.test\r\n"
            + "Action: failed\r\nStatus: 5.1.1\r\n"
            + "Diagnostic-Code: smtp; 550 5.1.1 <frank.forwarded@inner.remote.test>: Recipient address rejected: User unknown\r\n\r\n"
            + "--b1\r\nContent-Type: text/rfc822-headers\r\n\r\n" + headersOf(sent.data()) + "\r\n--b1--\r\n";
        sendToOurMx(sent.mailFrom(), dsn);

        JsonNode bounced = events.awaitEvents("bounced", 1).get(0);
        assertThat(bounced.get("recipient").asText()).isEqualTo("frank@remote.test");
        assertThat(bounced.get("enhancedStatus").asText()).isEqualTo("5.1.1");
        assertThat(bounced.get("bounceType").asText()).isEqualTo("hard");
        assertThat(bounced.get("messageId").asText()).isEqualTo(messageIdOf(sent.data()));
        assertThat(server.request("GET", "/suppressions/frank@remote.test", null).statusCode()).isEqualTo(200);
    }

    @Test
    void arfComplaintIsReportedAndSuppressesTheAddress() throws Exception {
        SmtpSink.Received sent = deliver("grace@remote.test");

        String complaint = "From: feedback@fbl.remote.test\r\n"
            + "To: " + sent.mailFrom() + "\r\n"
            + "Subject: Complaint about message\r\n"
            + "MIME-Version: 1.0\r\n"
            + "Content-Type: multipart/report; report-type=feedback-report; boundary=\"b2\"\r\n\r\n"
            + "--b2\r\nContent-Type: text/plain\r\n\r\nThis is an email abuse report.\r\n\r\n"
            + "--b2\r\nContent-Type: message/feedback-report\r\n\r\n"
            + "Feedback-Type: abuse\r\nUser-Agent: RemoteFBL/1.0\r\nVersion: 1\r\n"
            + "Original-Mail-From: <" + sent.mailFrom() + ">\r\n"
            + "Original-Rcpt-To: <grace@remote.test>\r\n\r\n"
            + "--b2\r\nContent-Type: message/rfc822\r\n\r\n" + sent.data() + "\r\n--b2--\r\n";
        sendToOurMx(sent.mailFrom(), complaint);

        JsonNode complained = events.awaitEvents("complained", 1).get(0);
        assertThat(complained.get("recipient").asText()).isEqualTo("grace@remote.test");
        assertThat(complained.get("feedbackType").asText()).isEqualTo("abuse");
        assertThat(server.request("GET", "/suppressions/grace@remote.test", null).body()).containsIgnoringCase("complaint");
    }

    @Test
    void bounceToAForgedReturnPathIsIgnoredAndKeptForAnOperator() throws Exception {
        SmtpSink.Received sent = deliver("heidi@remote.test");
        String genuine = sent.mailFrom();
        // Same shape, last signature character changed: the HMAC no longer matches.
        char last = genuine.charAt(genuine.indexOf('@') - 1);
        String forged = genuine.substring(0, genuine.indexOf('@') - 1) + (last == 'a' ? 'b' : 'a') + genuine.substring(genuine.indexOf('@'));

        sendToOurMx(forged, "From: MAILER-DAEMON@mx.remote.test\r\nTo: " + forged + "\r\nSubject: Undelivered Mail Returned to Sender\r\n"
            + "Content-Type: multipart/report; report-type=delivery-status; boundary=\"b3\"\r\nMIME-Version: 1.0\r\n\r\n"
            + "--b3\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx.remote.test\r\n\r\n"
            + "Final-Recipient: rfc822; heidi@remote.test\r\nAction: failed\r\nStatus: 5.1.1\r\n\r\n--b3--\r\n");

        await().atMost(Duration.ofSeconds(30)).until(() -> server.log().contains("no return path of ours"));
        assertThat(events.events("bounced")).isEmpty();
        assertThat(server.request("GET", "/suppressions/heidi@remote.test", null).statusCode()).isEqualTo(404);
        String unmatched = "/mailRepositories/" + URLEncoder.encode("var/mail/bounce-unmatched", StandardCharsets.UTF_8) + "/mails";
        await().atMost(Duration.ofSeconds(30)).ignoreExceptions().until(() -> server.webadmin(unmatched).size() == 1);
    }

    /** Submits a message to {@code recipient} and returns it as the remote MX received it. */
    private SmtpSink.Received deliver(String recipient) throws Exception {
        server.dns().addZone("remote.test.", "remote.test. IN MX 10 mx.remote.test.\nmx.remote.test. IN A 127.0.0.6");
        try (SmtpSink mx = SmtpSink.start("127.0.0.6", mxPort, Optional.empty())) {
            app.submit(List.of(recipient));
            await().atMost(Duration.ofSeconds(30)).until(() -> mx.messages().size() == 1);
            assertThat(events.awaitEvents("delivered", 1).get(0).get("recipient").asText()).isEqualTo(recipient);
            return mx.messages().get(0);
        }
    }

    /** The remote system's bounce, from the null sender, to our MX. */
    private void sendToOurMx(String returnPath, String message) throws Exception {
        try (SmtpClient client = SmtpClient.connect("127.0.0.2", server.ports().mx())) {
            assertThat(client.ehlo("mail2.clients.test").code()).isEqualTo(250);
            assertThat(client.command("MAIL FROM:<>").code()).isEqualTo(250);
            SmtpClient.Reply rcpt = client.rcptTo(returnPath);
            assertThat(rcpt.code()).as(rcpt.toString()).isEqualTo(250);
            SmtpClient.Reply data = client.data(message);
            assertThat(data.code()).as(data.toString()).isEqualTo(250);
        }
    }

    private static String headersOf(String message) {
        return message.substring(0, message.indexOf("\r\n\r\n") + 2);
    }

    private static String messageIdOf(String message) {
        return headersOf(message).lines().filter(line -> line.regionMatches(true, 0, "Message-ID:", 0, 11))
            .map(line -> line.substring(11).trim()).findFirst().orElseThrow();
    }
}
