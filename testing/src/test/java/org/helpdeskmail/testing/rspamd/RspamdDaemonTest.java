package org.helpdeskmail.testing.rspamd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class RspamdDaemonTest {
    private static final HttpClient HTTP = HttpClient.newBuilder()
        // HTTP/1.1 only: rspamd does not speak HTTP/2 and mishandles the h2c upgrade headers on a POST (it sees no body).
        .version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(2)).build();
    private static RspamdDaemon rspamd;

    @BeforeAll
    static void start() throws IOException {
        rspamd = RspamdDaemon.start();
    }

    @AfterAll
    static void close() {
        if (rspamd != null) {
            rspamd.close();
        }
    }

    @Test
    void bothWorkersAnswerPingOnLoopback() throws Exception {
        assertThat(rspamd.port()).isPositive().isNotEqualTo(rspamd.controllerPort());
        assertThat(get(rspamd.url().resolve("/ping")).body().strip()).isEqualTo("pong");
        assertThat(get(URI.create("http://127.0.0.1:" + rspamd.controllerPort() + "/ping")).body().strip()).isEqualTo("pong");
    }

    @Test
    void gtubeIsRejected() throws Exception {
        HttpResponse<String> response = check(message("GTUBE", "This is spam.\r\n" + RspamdDaemon.GTUBE + "\r\n"));

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).contains("\"action\":\"reject\"").contains("\"GTUBE\"");
    }

    @Test
    void plainMailGetsNoAction() throws Exception {
        HttpResponse<String> response = check(message("Printer on the third floor", "The printer does not print, could you have a look?\r\n"));

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).contains("\"action\":\"no action\"");
    }

    @Test
    void testMarkersGiveTheirActions() throws Exception {
        assertThat(check(message("Invoice HELPDESK-TEST-ADD-HEADER", "Hello\r\n")).body())
            .contains("\"action\":\"add header\"").contains("HELPDESK_TEST_ADD_HEADER");
        assertThat(check(message("Invoice HELPDESK-TEST-SOFT-REJECT", "Hello\r\n")).body()).contains("\"action\":\"soft reject\"");
        assertThat(check(message("Invoice HELPDESK-TEST-REWRITE-SUBJECT", "Hello\r\n")).body()).contains("\"action\":\"rewrite subject\"");
    }

    @Test
    void stopRefusesConnectionsAndRestartServesAgainOnTheSamePort() throws Exception {
        int port = rspamd.port();
        rspamd.stop();
        assertThat(rspamd.isRunning()).isFalse();
        assertThatThrownBy(() -> get(rspamd.url().resolve("/ping"))).isInstanceOf(ConnectException.class);

        rspamd.restart();

        assertThat(rspamd.isRunning()).isTrue();
        assertThat(rspamd.port()).isEqualTo(port);
        assertThat(get(rspamd.url().resolve("/ping")).body().strip()).isEqualTo("pong");
    }

    @Test
    void logsIntoItsOwnDirectory() {
        Path log = rspamd.logFile();
        assertThat(log).exists();
        assertThat(log.toString()).doesNotStartWith("/var/log");
    }

    @Test
    void closeDeletesItsDirectory() throws IOException {
        Path directory;
        try (RspamdDaemon other = RspamdDaemon.start()) {
            directory = other.logFile().getParent().getParent();
            assertThat(Files.isDirectory(directory)).isTrue();
            assertThat(other.port()).isNotEqualTo(rspamd.port());
        }
        assertThat(directory).doesNotExist();
    }

    private static HttpResponse<String> get(URI uri) throws IOException, InterruptedException {
        return HTTP.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(5)).GET().build(),
            HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    }

    private static HttpResponse<String> check(String message) throws IOException, InterruptedException {
        HttpRequest request = HttpRequest.newBuilder(rspamd.url().resolve("/checkv2"))
            .timeout(Duration.ofSeconds(10))
            // As an MTA would: the client's address and, so that rspamd does no PTR lookup of its own, its name.
            .header("IP", "192.0.2.45")
            .header("Hostname", "unknown")
            .header("Helo", "mail.example.org")
            .header("From", "alice@example.org")
            .header("Rcpt", "support@acme.helpdesk.example")
            .POST(HttpRequest.BodyPublishers.ofString(message, StandardCharsets.UTF_8))
            .build();
        return HTTP.send(request, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    }

    private static String message(String subject, String body) {
        return "From: Alice Example <alice@example.org>\r\n"
            + "To: support@acme.helpdesk.example\r\n"
            + "Subject: " + subject + "\r\n"
            + "Date: Sat, 28 Nov 2026 03:00:00 +0000\r\n"
            + "Message-ID: <" + Math.abs(subject.hashCode()) + "@example.org>\r\n"
            + "MIME-Version: 1.0\r\n"
            + "Content-Type: text/plain; charset=utf-8\r\n"
            + "\r\n"
            + body;
    }
}
