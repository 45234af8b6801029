package org.helpdeskmail.clients;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

import org.helpdeskmail.clients.RspamdClient.Envelope;
import org.helpdeskmail.clients.RspamdClient.ScanFailure;
import org.helpdeskmail.clients.RspamdClient.Verdict;
import org.helpdeskmail.testing.rspamd.RspamdDaemon;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import okhttp3.Headers;

class RspamdClientTest {
    private static final Envelope ENVELOPE = new Envelope(Optional.of("192.0.2.45"), Optional.empty(), Optional.of("mail.example.org"),
        Optional.of("alice@example.org"), List.of("support@acme.helpdesk.example"), Optional.empty(), Optional.of("queue-1"));

    private static RspamdDaemon rspamd;
    private static RspamdClient client;

    @BeforeAll
    static void start() throws IOException {
        rspamd = RspamdDaemon.start();
        client = new RspamdClient(rspamd.url(), Duration.ofSeconds(2), Duration.ofSeconds(10));
    }

    @AfterAll
    static void stop() {
        if (client != null) {
            client.close();
        }
        if (rspamd != null) {
            rspamd.close();
        }
    }

    @Test
    void cleanMailGetsNoAction() throws Exception {
        Verdict verdict = client.check(ENVELOPE, message("Printer on the third floor", "The printer does not print, could you have a look?"));

        assertThat(verdict.action()).isEqualTo("no action");
        assertThat(verdict.score()).isLessThan(4.0);
        assertThat(verdict.requiredScore()).isEqualTo(15.0);
        assertThat(verdict.symbols()).isSorted().isNotEmpty();
    }

    @Test
    void gtubeIsRejected() throws Exception {
        Verdict verdict = client.check(ENVELOPE, message("Cheap watches", "Buy now.\r\n" + RspamdDaemon.GTUBE));

        assertThat(verdict.action()).isEqualTo("reject");
        assertThat(verdict.symbols()).contains("GTUBE");
        assertThat(verdict.score()).isGreaterThanOrEqualTo(verdict.requiredScore());
    }

    @Test
    void markedMailGetsAddHeader() throws Exception {
        Verdict verdict = client.check(ENVELOPE, message("Invoice HELPDESK-TEST-ADD-HEADER", "Please pay."));

        assertThat(verdict.action()).isEqualTo("add header");
        assertThat(verdict.symbols()).contains("HELPDESK_TEST_ADD_HEADER");
        assertThat(verdict.score()).isBetween(6.0, 15.0);
    }

    @Test
    void markedMailGetsSoftReject() throws Exception {
        assertThat(client.check(ENVELOPE, message("Invoice HELPDESK-TEST-SOFT-REJECT", "Please pay.")).action()).isEqualTo("soft reject");
    }

    @Test
    void markedMailGetsRewriteSubject() throws Exception {
        assertThat(client.check(ENVELOPE, message("Invoice HELPDESK-TEST-REWRITE-SUBJECT", "Please pay.")).action())
            .isEqualTo("rewrite subject");
    }

    @Test
    void envelopeReachesRspamd() throws Exception {
        Envelope bounce = new Envelope(Optional.of("198.51.100.7"), Optional.of("mx.example.net"), Optional.of("mx.example.net"),
            Optional.of(""), List.of("a@acme.helpdesk.example", "b@acme.helpdesk.example"), Optional.of("app@notify.example.com"),
            Optional.of("queue-envelope-test"));

        Verdict verdict = client.check(bounce, message("Delivery report", "Nothing to see."));

        assertThat(verdict.action()).isEqualTo("no action");
        // Rspamd logs each check's queue id, client address, authenticated user and envelope recipients.
        String line = Files.readAllLines(rspamd.logFile()).stream().filter(text -> text.contains("qid: <queue-envelope-test>")).findFirst()
            .orElseThrow(() -> new AssertionError("no log line of the check in " + rspamd.logFile()));
        assertThat(line).contains("ip: 198.51.100.7").contains("user: app@notify.example.com")
            .contains("rcpts: <a@acme.helpdesk.example,b@acme.helpdesk.example>");
    }

    @Test
    void largeMessageIsStreamed() throws Exception {
        String line = "All work and no play makes Jack a dull boy. ".repeat(2) + "\r\n";
        Verdict verdict = client.check(ENVELOPE, message("Long report", line.repeat(40_000)));

        assertThat(verdict.action()).isIn("no action", "greylist", "add header");
    }

    @Test
    void headersCarryTheEnvelopeAndNoControlCharacters() {
        Envelope envelope = new Envelope(Optional.of("192.0.2.1"), Optional.empty(), Optional.of("evil\r\nX-Injected: yes"),
            Optional.of(""), List.of("a@x.example", "ü@x.example"), Optional.empty(), Optional.empty());

        Headers headers = RspamdClient.headers(envelope);

        assertThat(headers.get("Hostname")).isEqualTo("unknown");
        assertThat(headers.get("From")).isEqualTo("<>");
        assertThat(headers.values("Rcpt")).containsExactly("a@x.example", "ü@x.example");
        assertThat(headers.get("Helo")).isEqualTo("evilX-Injected: yes");
        assertThat(headers.names()).doesNotContain("User", "Queue-Id", "X-Injected");
    }

    @Test
    void checkUrlIsDerivedFromTheBaseUrl() {
        assertThat(new RspamdClient(URI.create("http://127.0.0.1:11333"), Duration.ofSeconds(1), Duration.ofSeconds(1)).checkUrl())
            .isEqualTo(URI.create("http://127.0.0.1:11333/checkv2"));
        assertThat(RspamdClient.checkUrl(URI.create("http://rspamd:11333/")).toString()).isEqualTo("http://rspamd:11333/checkv2");
        assertThat(RspamdClient.checkUrl(URI.create("http://proxy/rspamd/checkv2")).toString()).isEqualTo("http://proxy/rspamd/checkv2");
        assertThat(RspamdClient.checkUrl(URI.create("http://proxy/rspamd")).toString()).isEqualTo("http://proxy/rspamd/checkv2");
    }

    @Test
    void replyParsing() throws Exception {
        Verdict verdict = client.parse("{\"is_skipped\":false,\"score\":6.9,\"required_score\":15.0,\"action\":\"add header\","
            + "\"symbols\":{\"Z_LAST\":{\"name\":\"Z_LAST\",\"options\":[\"a\",{\"b\":1}]},\"A_FIRST\":{\"score\":1.0}},\"messages\":{}}");

        assertThat(verdict).isEqualTo(new Verdict("add header", 6.9, 15.0, List.of("A_FIRST", "Z_LAST")));
        assertThatThrownBy(() -> client.parse("{\"error\":\"cannot parse input\"}")).isInstanceOf(ScanFailure.class)
            .hasMessageContaining("cannot parse input");
        assertThatThrownBy(() -> client.parse("<html>")).isInstanceOf(ScanFailure.class);
        assertThatThrownBy(() -> client.parse("{\"score\":1}")).isInstanceOf(ScanFailure.class).hasMessageContaining("no action");
    }

    @Test
    void stoppedRspamdIsAPromptFailure() throws Exception {
        try (RspamdDaemon other = RspamdDaemon.start();
             RspamdClient otherClient = new RspamdClient(other.url(), Duration.ofSeconds(2), Duration.ofSeconds(10))) {
            assertThat(otherClient.check(ENVELOPE, message("Hello", "Hi")).action()).isEqualTo("no action");
            other.stop();

            long started = System.nanoTime();
            assertThatThrownBy(() -> otherClient.check(ENVELOPE, message("Hello", "Hi"))).isInstanceOf(ScanFailure.class)
                .hasMessageContaining("Rspamd at " + other.url());
            assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(1));
        }
    }

    @Test
    void silentServerTimesOut() throws Exception {
        try (ServerSocket silent = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.1"));
             RspamdClient impatient = new RspamdClient(URI.create("http://127.0.0.1:" + silent.getLocalPort()), Duration.ofSeconds(1),
                 Duration.ofMillis(500))) {
            Thread acceptor = new Thread(() -> {
                try (Socket ignored = silent.accept()) {
                    Thread.sleep(3000);
                } catch (IOException | InterruptedException e) {
                    // the test is over
                }
            });
            acceptor.setDaemon(true);
            acceptor.start();

            long started = System.nanoTime();
            assertThatThrownBy(() -> impatient.check(ENVELOPE, message("Hello", "Hi"))).isInstanceOf(ScanFailure.class);
            assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(2));
            acceptor.interrupt();
        }
    }

    @Test
    void httpErrorIsAFailure() throws Exception {
        try (RspamdClient wrongPath = new RspamdClient(URI.create(rspamd.url() + "/nothing/here/checkv2"), Duration.ofSeconds(1),
            Duration.ofSeconds(5))) {
            assertThatThrownBy(() -> wrongPath.check(ENVELOPE, message("Hello", "Hi"))).isInstanceOf(ScanFailure.class)
                .hasMessageContaining("HTTP");
        }
    }

    private static InputStream message(String subject, String body) {
        String text = "From: Alice Example <alice@example.org>\r\n"
            + "To: support@acme.helpdesk.example\r\n"
            + "Subject: " + subject + "\r\n"
            + "Date: Sat, 28 Nov 2026 03:00:00 +0000\r\n"
            + "Message-ID: <" + Math.abs((subject + body.length()).hashCode()) + "@example.org>\r\n"
            + "MIME-Version: 1.0\r\n"
            + "Content-Type: text/plain; charset=utf-8\r\n"
            + "\r\n"
            + body + "\r\n";
        return new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8));
    }
}
