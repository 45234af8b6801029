package org.helpdeskmail.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

class SinkMxTest {
    private static byte[] message(String headers) {
        return (headers + "\r\n\r\n.. a dot-stuffed line\r\n.\r\n").getBytes(StandardCharsets.US_ASCII);
    }

    @Test
    void recordsTheFirstArrivalOfEachTokenWithItsReturnPathAndSignature() throws Exception {
        try (SinkMx sink = SinkMx.start(0, false)) {
            InetSocketAddress address = new InetSocketAddress(InetAddress.getLoopbackAddress(), sink.port());
            long before = System.nanoTime();
            try (SmtpSession session = SmtpSession.open(address, "client.example")) {
                session.send("bounces+abc@helpdesk.test", "user1@remote.test",
                    message("DKIM-Signature: v=1; d=helpdesk.test\r\n\tb=xyz\r\nSubject: bench-r1-1"));
                session.send("support@helpdesk.test", "user1@remote.test", message("Subject: bench-r1-1"));
                session.send("support@helpdesk.test", "user2@remote.test", message("Subject: no token"));
            }

            assertThat(sink.awaitAll(List.of("bench-r1-1"), Duration.ofSeconds(5))).isTrue();
            assertThat(sink.firstDelivery("bench-r1-1")).hasValueSatisfying(delivery -> {
                assertThat(delivery.returnPath()).isEqualTo("bounces+abc@helpdesk.test");
                assertThat(delivery.dkimSigned()).isTrue();
                assertThat(delivery.receivedAtNanos()).isGreaterThan(before);
            });
            SinkMx.Stats stats = sink.stats();
            assertThat(stats.messages()).isEqualTo(3);
            assertThat(stats.duplicates()).isEqualTo(1);
            assertThat(stats.withoutToken()).isEqualTo(1);
            assertThat(stats.dkimSigned()).isEqualTo(1);
            assertThat(stats.verpReturnPaths()).isEqualTo(1);
            assertThat(stats.connections()).isEqualTo(1);
        }
    }

    @Test
    void answersPipelinedCommandsInOrder() throws Exception {
        try (SinkMx sink = SinkMx.start(0, true);
             Socket socket = new Socket(InetAddress.getLoopbackAddress(), sink.port())) {
            BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.US_ASCII));
            OutputStream out = socket.getOutputStream();
            assertThat(in.readLine()).startsWith("220 ");
            out.write("EHLO c.example\r\n".getBytes(StandardCharsets.US_ASCII));
            List<String> ehlo = new ArrayList<>();
            String line;
            do {
                line = in.readLine();
                ehlo.add(line);
            } while (line.charAt(3) == '-');
            assertThat(ehlo).contains("250-PIPELINING", "250-STARTTLS");

            out.write("MAIL FROM:<a@b.example>\r\nRCPT TO:<c@remote.test>\r\nDATA\r\n".getBytes(StandardCharsets.US_ASCII));
            assertThat(List.of(in.readLine(), in.readLine(), in.readLine())).containsExactly("250 2.1.0 Ok", "250 2.1.5 Ok",
                "354 End data with <CR><LF>.<CR><LF>");
            out.write("Subject: bench-r2-9\r\n\r\nbody\r\n.\r\nQUIT\r\n".getBytes(StandardCharsets.US_ASCII));
            assertThat(List.of(in.readLine(), in.readLine())).containsExactly("250 2.0.0 Ok: queued", "221 2.0.0 Bye");
            assertThat(sink.firstDelivery("bench-r2-9")).isPresent();
        }
    }
}
