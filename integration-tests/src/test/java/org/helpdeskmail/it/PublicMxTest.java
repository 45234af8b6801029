package org.helpdeskmail.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * The MX as an attacker and a careless sender meet it on port 25: no AUTH whatever was sent before,
 * one reply per command with lines of any length, bare LF read as a line end without ever letting a
 * second message be smuggled into the first, and a Received header that names the real client.
 */
class PublicMxTest {
    private static final String RECIPIENT = "support@acme.helpdesk.localhost";
    private final WebhookReceiver receiver = new WebhookReceiver();

    @RegisterExtension
    final HelpdeskServerExtension server = HelpdeskServerExtension.builder()
        .environment("HELPDESK_WEBHOOK_URL", receiver.url())
        .build();

    @AfterEach
    void stopReceiver() {
        receiver.close();
    }

    private SmtpClient transaction() throws Exception {
        SmtpClient client = SmtpClient.connect(server.ports().mx());
        client.ehlo("client.example.org");
        assertThat(client.mailFrom("someone@example.org").code()).isEqualTo(250);
        assertThat(client.rcptTo(RECIPIENT).code()).isEqualTo(250);
        return client;
    }

    private JsonNode onlyPost() {
        await().atMost(Duration.ofSeconds(30)).until(() -> !receiver.requests().isEmpty());
        return receiver.requests().get(0).json();
    }

    private void assertNothingPosted() throws InterruptedException {
        // A POST follows an accepted message within a second or two; none may come for a refused one.
        Thread.sleep(3000);
        assertThat(receiver.requests()).isEmpty();
    }

    @Test
    void authIsRefusedOnTheMxBeforeAndAfterStartTlsAndNothingRelays() throws Exception {
        server.jamesCli("AddDomain", "notify.example.com");
        server.jamesCli("AddUser", "app@notify.example.com", "a long password");
        try (SmtpClient client = SmtpClient.connect(server.ports().mx())) {
            SmtpClient.Reply ehlo = client.ehlo("client.example.org");
            assertThat(ehlo.text()).doesNotContainIgnoringCase("AUTH");
            SmtpClient.Reply clear = client.authPlain("app@notify.example.com", "a long password");
            assertThat(clear.code()).as(clear.toString()).isEqualTo(502);
            assertThat(clear.enhancedStatus()).isEqualTo("5.5.1");
            assertThat(client.command("AUTH LOGIN").code()).isEqualTo(502);

            assertThat(client.startTls().code()).isEqualTo(220);
            assertThat(client.ehlo("client.example.org").text()).doesNotContainIgnoringCase("AUTH");
            SmtpClient.Reply encrypted = client.authPlain("app@notify.example.com", "a long password");
            assertThat(encrypted.code()).as(encrypted.toString()).isEqualTo(502);
            assertThat(encrypted.enhancedStatus()).isEqualTo("5.5.1");

            assertThat(client.mailFrom("someone@example.org").code()).isEqualTo(250);
            SmtpClient.Reply relay = client.rcptTo("victim@foreign.example");
            assertThat(relay.code()).as(relay.toString()).isEqualTo(550);
            assertThat(relay.enhancedStatus()).isEqualTo("5.7.1");
        }
    }

    @Test
    void aMegabyteHeaderIsAnsweredOnceAtTheEndOfDataAndNotDelivered() throws Exception {
        try (SmtpClient client = transaction()) {
            assertThat(client.command("DATA").code()).isEqualTo(354);
            client.write("Subject: huge\r\nX-Padding: " + "a".repeat(1024 * 1024) + "\r\n\r\nbody\r\n.\r\n");
            SmtpClient.Reply reply = client.reply();
            assertThat(reply.code()).as(reply.toString()).isEqualTo(552);
            assertThat(reply.enhancedStatus()).isEqualTo("5.3.4");
            SmtpClient.Reply noop = client.command("NOOP");
            assertThat(noop.code()).as("the session is still in step: " + noop).isEqualTo(250);
            assertThat(client.command("RSET").code()).isEqualTo(250);
        }
        assertNothingPosted();
    }

    @Test
    void aTwentyThousandByteBodyLineIsDeliveredWhole() throws Exception {
        String line = "<p>" + "0123456789".repeat(2000) + "</p>";
        try (SmtpClient client = transaction()) {
            SmtpClient.Reply reply = client.data("Subject: long line\r\nContent-Type: text/html\r\n\r\n" + line + "\r\n");
            assertThat(reply.code()).as(reply.toString()).isEqualTo(250);
            assertThat(client.command("NOOP").code()).isEqualTo(250);
        }
        JsonNode post = onlyPost();
        assertThat(post.get("html").asText()).contains(line);
        assertThat(receiver.requests()).hasSize(1);
    }

    @Test
    void bareLineFeedsAreReadAsLineEnds() throws Exception {
        try (SmtpClient client = transaction()) {
            assertThat(client.command("DATA").code()).isEqualTo(354);
            client.write("Subject: sloppy sender\nFrom: someone@example.org\n\nfirst line\nsecond line\n\r\n.\r\n");
            SmtpClient.Reply reply = client.reply();
            assertThat(reply.code()).as(reply.toString()).isEqualTo(250);
        }
        JsonNode post = onlyPost();
        assertThat(post.get("subject").asText()).isEqualTo("sloppy sender");
        assertThat(post.get("text").asText()).contains("first line").contains("second line");
    }

    @ParameterizedTest
    @ValueSource(strings = {"\n.\n", "\n.\r\n", "\r\n.\n", "\r.\r\n", "\r\n.\r"})
    void aSmuggledSecondMessageStaysInsideTheFirst(String smuggling) throws Exception {
        try (SmtpClient client = transaction()) {
            assertThat(client.command("DATA").code()).isEqualTo(354);
            client.write("Subject: first\r\nFrom: someone@example.org\r\n\r\nfirst body" + smuggling
                + "MAIL FROM:<ceo@bank.example>\r\nRCPT TO:<billing@acme.helpdesk.localhost>\r\nDATA\r\n"
                + "Subject: smuggled\r\nFrom: ceo@bank.example\r\n\r\nsecond body\r\n.\r\n");
            SmtpClient.Reply reply = client.reply();
            assertThat(reply.code()).as(reply.toString()).isEqualTo(250);
            assertThat(client.command("NOOP").code()).as("one reply for the one message").isEqualTo(250);
        }
        JsonNode post = onlyPost();
        assertThat(post.get("subject").asText()).isEqualTo("first");
        assertNothingPostedAfterTheFirst();
        assertThat(receiver.requestsFor("billing@acme.helpdesk.localhost")).isEmpty();
    }

    private void assertNothingPostedAfterTheFirst() throws InterruptedException {
        Thread.sleep(3000);
        assertThat(receiver.requests()).hasSize(1);
    }

    @Test
    void receivedHeaderNamesTheHeloAndTheForwardConfirmedClient() throws Exception {
        try (SmtpClient client = transaction()) {
            assertThat(client.data("Subject: hello\r\n\r\nhi\r\n").code()).isEqualTo(250);
        }
        JsonNode post = onlyPost();
        List<String> received = new java.util.ArrayList<>();
        post.get("headers").forEach(header -> {
            if (header.get(0).asText().equalsIgnoreCase("Received")) {
                received.add(header.get(1).asText());
            }
        });
        assertThat(received).hasSize(1);
        assertThat(received.get(0)).startsWith("from client.example.org (mail1.clients.test [127.0.0.1])")
            .contains("by mx.helpdesk.localhost (helpdesk-mail) with ESMTP id").contains("for <" + RECIPIENT + ">;");
        assertThat(server.log()).containsPattern("accepted mail=\\S+ session=\\S+ client=127\\.0\\.0\\.1 name=mail1\\.clients\\.test helo=client\\.example\\.org ");
    }
}
