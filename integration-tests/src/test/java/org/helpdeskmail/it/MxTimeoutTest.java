package org.helpdeskmail.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Idle and dripping clients are closed after the command timeout with 421 4.4.2, and sooner while
 * more than half of the connection limit is in use. Timeouts shortened for the test: 3 s, 1 s under
 * stress, a limit of 10 connections (stress above 5).
 */
class MxTimeoutTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(3);

    @RegisterExtension
    final HelpdeskServerExtension server = HelpdeskServerExtension.builder()
        .configure(conf -> {
            ConfigurationFiles.replace(conf, "smtpserver.xml", "<connectiontimeout>300</connectiontimeout>\n        <stressTimeout>10</stressTimeout>",
                "<connectiontimeout>3</connectiontimeout>\n        <stressTimeout>1</stressTimeout>");
            ConfigurationFiles.replace(conf, "smtpserver.xml", "<connectionLimit>500</connectionLimit>", "<connectionLimit>10</connectionLimit>");
        })
        .build();

    /** Waits for the server's 421 and the close that follows it; the time from start. */
    private static Duration closedAfter(SmtpClient client, long startNanos) throws IOException {
        client.readTimeout(Duration.ofSeconds(20));
        SmtpClient.Reply reply = client.reply();
        Duration elapsed = Duration.ofNanos(System.nanoTime() - startNanos);
        assertThat(reply.code()).as(reply.toString()).isEqualTo(421);
        assertThat(reply.enhancedStatus()).isEqualTo("4.4.2");
        try {
            client.reply();
            throw new AssertionError("the connection stayed open after the 421");
        } catch (IOException closed) {
            assertThat(closed).isNotInstanceOf(SocketTimeoutException.class);
        }
        return elapsed;
    }

    @Test
    void anIdleClientIsClosedAfterTheTimeoutNotTwiceIt() throws Exception {
        long start = System.nanoTime();
        try (SmtpClient client = SmtpClient.connect(server.ports().mx())) {
            Duration elapsed = closedAfter(client, start);
            assertThat(elapsed).isBetween(TIMEOUT.minusMillis(200), TIMEOUT.plusSeconds(2));
        }
    }

    @Test
    void aClientThatDripsBytesWithoutEndingALineIsClosedAfterTheTimeout() throws Exception {
        try (SmtpClient client = SmtpClient.connect(server.ports().mx())) {
            client.ehlo("client.example.org");
            long start = System.nanoTime();
            Thread dripper = new Thread(() -> {
                try {
                    for (char letter : "NOOPNOOPNOOPNOOP".toCharArray()) {
                        client.write(String.valueOf(letter));
                        Thread.sleep(500);
                    }
                } catch (IOException | InterruptedException closed) {
                    // the server hung up: what this test waits for
                }
            });
            dripper.start();
            Duration elapsed = closedAfter(client, start);
            dripper.interrupt();
            assertThat(elapsed).as("a byte every 500 ms is not a command").isBetween(TIMEOUT.minusMillis(200), TIMEOUT.plusSeconds(2));
        }
    }

    @Test
    void aClientThatKeepsCompletingCommandsStaysConnected() throws Exception {
        try (SmtpClient client = SmtpClient.connect(server.ports().mx())) {
            client.ehlo("client.example.org");
            for (int second = 0; second < 6; second++) {
                Thread.sleep(1000);
                assertThat(client.command("NOOP").code()).isEqualTo(250);
            }
        }
    }

    @Test
    void underStressIdleClientsAreClosedAfterTheShortTimeout() throws Exception {
        List<SmtpClient> clients = new ArrayList<>();
        long start = System.nanoTime();
        try {
            for (int index = 0; index < 8; index++) {
                clients.add(SmtpClient.connect(server.ports().mx()));
            }
            Duration first = closedAfter(clients.get(0), start);
            assertThat(first).as("8 of 10 connections in use: the 1 s timeout").isLessThan(TIMEOUT.minusMillis(500));
            for (SmtpClient client : clients.subList(1, clients.size())) {
                closedAfter(client, start);
            }
        } finally {
            for (SmtpClient client : clients) {
                client.close();
            }
        }
    }
}
