package org.helpdeskmail.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

import org.helpdeskmail.testing.clamav.ClamdDaemon;
import org.helpdeskmail.testing.rspamd.RspamdDaemon;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * Virus and spam scanning at end of DATA with the REAL daemons (Debian's clamd and rspamd, offline,
 * on loopback ports, with our own signature database and configuration).
 */
class ScanningTest {
    private static final String RECIPIENT = "support@acme.helpdesk.localhost";
    private static final ClamdDaemon CLAMD = start(ClamdDaemon::start);
    private static final RspamdDaemon RSPAMD = start(RspamdDaemon::start);

    private final WebhookReceiver receiver = new WebhookReceiver();

    @RegisterExtension
    final HelpdeskServerExtension server = HelpdeskServerExtension.builder()
        .environment("HELPDESK_WEBHOOK_URL", receiver.url())
        .environment("HELPDESK_CLAMD_ADDRESS", CLAMD.address())
        .environment("HELPDESK_RSPAMD_URL", RSPAMD.url().toString())
        .build();

    @FunctionalInterface
    private interface Starter<T> {
        T start() throws IOException;
    }

    private static <T> T start(Starter<T> starter) {
        try {
            return starter.start();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @AfterEach
    void stopReceiver() throws IOException {
        receiver.close();
        if (!CLAMD.isRunning()) {
            CLAMD.restart();
        }
        if (!RSPAMD.isRunning()) {
            RSPAMD.restart();
        }
    }

    @AfterAll
    static void stopDaemons() {
        CLAMD.close();
        RSPAMD.close();
    }

    private static String withAttachment(String subject, String contentType, String filename, byte[] content) {
        return String.join("\r\n",
            "From: someone@example.org",
            "To: " + RECIPIENT,
            "Subject: " + subject,
            "MIME-Version: 1.0",
            "Content-Type: multipart/mixed; boundary=\"b\"",
            "",
            "--b",
            "Content-Type: text/plain",
            "",
            "Please see the attachment.",
            "--b",
            "Content-Type: " + contentType,
            "Content-Disposition: attachment; filename=\"" + filename + "\"",
            "Content-Transfer-Encoding: base64",
            "",
            Base64.getMimeEncoder().encodeToString(content),
            "--b--",
            "");
    }

    private SmtpClient.Reply send(String message) throws Exception {
        try (SmtpClient client = SmtpClient.connect(server.ports().mx())) {
            client.ehlo("mail.example.org");
            assertThat(client.mailFrom("someone@example.org").code()).isEqualTo(250);
            assertThat(client.rcptTo(RECIPIENT).code()).isEqualTo(250);
            return client.data(message);
        }
    }

    private JsonNode delivered(String subject) {
        await().atMost(Duration.ofSeconds(30)).until(() -> receiver.requests().stream()
            .anyMatch(request -> request.json().path("subject").asText().equals(subject)));
        return receiver.requests().stream().filter(request -> request.json().path("subject").asText().equals(subject))
            .findFirst().orElseThrow().json();
    }

    private static byte[] zipOf(String name, byte[] content) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ZipOutputStream zip = new ZipOutputStream(bytes)) {
            zip.putNextEntry(new ZipEntry(name));
            zip.write(content);
            zip.closeEntry();
        }
        return bytes.toByteArray();
    }

    @Test
    void virusesAreRefusedWhereverTheyHide() throws Exception {
        SmtpClient.Reply plain = send(withAttachment("eicar", "application/octet-stream", "eicar.com", ClamdDaemon.eicar()));
        assertThat(plain.code()).as(plain.toString()).isEqualTo(554);
        assertThat(plain.enhancedStatus()).isEqualTo("5.7.1");
        assertThat(plain.text()).contains("Helpdesk.Test.EICAR");

        SmtpClient.Reply zipped = send(withAttachment("zipped", "application/zip", "invoice.zip", zipOf("eicar.com", ClamdDaemon.eicar())));
        assertThat(zipped.code()).as(zipped.toString()).isEqualTo(554);

        String forwarded = "Subject: the original\r\nFrom: a@example.org\r\nMIME-Version: 1.0\r\n"
            + "Content-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n\r\n"
            + Base64.getMimeEncoder().encodeToString(ClamdDaemon.eicar()) + "\r\n";
        SmtpClient.Reply inMessage = send(withAttachment("forwarded", "message/rfc822", "fwd.eml",
            forwarded.getBytes(StandardCharsets.US_ASCII)).replace("Content-Transfer-Encoding: base64\r\n\r\n"
            + Base64.getMimeEncoder().encodeToString(forwarded.getBytes(StandardCharsets.US_ASCII)), "\r\n" + forwarded));
        assertThat(inMessage.code()).as(inMessage.toString()).isEqualTo(554);
        assertThat(receiver.requests()).isEmpty();
    }

    @Test
    void cleanMailIsDeliveredWithTheVerdicts() throws Exception {
        assertThat(send(withAttachment("clean", "text/plain", "notes.txt", "nothing to see".getBytes(StandardCharsets.UTF_8))).code())
            .isEqualTo(250);

        JsonNode json = delivered("clean");
        assertThat(json.at("/virus/status").asText()).isEqualTo("clean");
        // Offline rspamd scores a bare test message a little (no DKIM, no Date...): not enough to act on.
        assertThat(json.at("/spam/action").asText()).isIn("no action", "greylist");
        assertThat(json.at("/spam/score").isNumber()).isTrue();
    }

    @Test
    void spamIsRefusedOrMarkedByRspamdsAction() throws Exception {
        SmtpClient.Reply gtube = send("From: someone@example.org\r\nTo: " + RECIPIENT + "\r\nSubject: buy now\r\n\r\n"
            + RspamdDaemon.GTUBE + "\r\n");
        assertThat(gtube.code()).as(gtube.toString()).isEqualTo(554);
        assertThat(gtube.enhancedStatus()).isEqualTo("5.7.1");

        assertThat(send("From: someone@example.org\r\nTo: " + RECIPIENT + "\r\nSubject: HELPDESK-TEST-ADD-HEADER offer\r\n\r\n"
            + "A message the test configuration scores into add header.\r\n").code()).isEqualTo(250);
        JsonNode marked = delivered("HELPDESK-TEST-ADD-HEADER offer");
        assertThat(marked.at("/spam/action").asText()).isEqualTo("add header");
        assertThat(marked.at("/spam/score").asDouble()).isGreaterThan(6);
        assertThat(marked.get("headers").toString()).contains("X-Spam-Flag").contains("YES");
    }

    @Test
    void scannerDownMeansTryAgainLaterAndTheRetryIsDelivered() throws Exception {
        CLAMD.stop();
        String message = withAttachment("retry me", "text/plain", "a.txt", "hello".getBytes(StandardCharsets.UTF_8));

        SmtpClient.Reply deferred = send(message);
        assertThat(deferred.code()).as(deferred.toString()).isEqualTo(451);
        assertThat(deferred.enhancedStatus()).isEqualTo("4.7.1");

        CLAMD.restart();
        assertThat(send(message).code()).isEqualTo(250);
        assertThat(delivered("retry me").at("/virus/status").asText()).isEqualTo("clean");
    }

    @Test
    void spamScannerDownMeansTryAgainLaterToo() throws Exception {
        RSPAMD.stop();
        String message = "From: someone@example.org\r\nTo: " + RECIPIENT + "\r\nSubject: rspamd retry\r\n\r\nhello\r\n";

        SmtpClient.Reply deferred = send(message);
        assertThat(deferred.code()).as(deferred.toString()).isEqualTo(451);
        assertThat(deferred.enhancedStatus()).isEqualTo("4.7.1");

        RSPAMD.restart();
        assertThat(send(message).code()).isEqualTo(250);
        assertThat(delivered("rspamd retry").has("spam")).isTrue();
    }

    @Test
    void messageAboveClamdsStreamLimitIsAcceptedAndMarkedSkipped() throws Exception {
        // The test clamd stops reading at 1 MB (StreamMaxLength); the configured outcome is accept, marked "skipped".
        byte[] large = new byte[1_500_000];
        java.util.Arrays.fill(large, (byte) 'a');

        assertThat(send(withAttachment("large", "application/octet-stream", "large.bin", large)).code()).isEqualTo(250);

        assertThat(delivered("large").at("/virus/status").asText()).isEqualTo("skipped");
    }
}
