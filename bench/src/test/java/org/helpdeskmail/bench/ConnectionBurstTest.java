package org.helpdeskmail.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

import org.junit.jupiter.api.Test;

class ConnectionBurstTest {

    private static ByteBuffer bytes(String text) {
        return ByteBuffer.wrap(text.getBytes(StandardCharsets.US_ASCII));
    }

    @Test
    void aReplyIsCompleteAtTheEndOfItsLastLineWhicheverWayTheBytesCome() {
        ConnectionBurst.ReplyAssembler assembler = new ConnectionBurst.ReplyAssembler();

        assertThat(assembler.feed(bytes("22"))).isEmpty();
        assertThat(assembler.feed(bytes("0-mx.helpdesk.localhost\r\n220 ESMTP"))).isEmpty();
        assertThat(assembler.partial()).isEqualTo("220-mx.helpdesk.localhost220 ESMTP");
        assertThat(assembler.feed(bytes(" ready\r\n"))).contains("220-mx.helpdesk.localhost | 220 ESMTP ready");
    }

    @Test
    void aBareCodeIsACompleteReply() {
        assertThat(new ConnectionBurst.ReplyAssembler().feed(bytes("421\n"))).contains("421");
    }

    @Test
    void outcomesAreCountedByTheirFirstLineOrWhatWentWrong() {
        assertThat(new ConnectionBurst.Outcome("127.0.0.2", 1, 2, "220 mx ESMTP", null).kind()).isEqualTo("220");
        assertThat(new ConnectionBurst.Outcome("127.0.0.2", 1, 2, "421 4.7.0 too many | 421 bye", null).kind()).isEqualTo("421 4.7.0 too many");
        assertThat(new ConnectionBurst.Outcome("127.0.0.2", -1, -1, null, "connect failed: Connection refused").kind())
            .isEqualTo("connect failed: Connection refused");
        assertThat(new ConnectionBurst.Outcome("127.0.0.2", 1, 2, "554 no", null).greeted()).isFalse();
    }

    /** A greeter on loopback that answers every connection at once, remembering the client addresses it saw. */
    @Test
    void opensEveryConnectionFromItsOwnAddressAndQuitsThem() throws Exception {
        List<String> clientsSeen = Collections.synchronizedList(new ArrayList<>());
        try (ServerSocket listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            Thread greeter = new Thread(() -> {
                while (!listener.isClosed()) {
                    try {
                        Socket socket = listener.accept();
                        clientsSeen.add(socket.getInetAddress().getHostAddress());
                        Thread session = new Thread(() -> {
                            try (socket) {
                                socket.getOutputStream().write("220-test\r\n220 ready\r\n".getBytes(StandardCharsets.US_ASCII));
                                socket.getInputStream().readNBytes(6); // QUIT\r\n
                                socket.getOutputStream().write("221 bye\r\n".getBytes(StandardCharsets.US_ASCII));
                            } catch (Exception ignored) {
                                // the test fails on the client side
                            }
                        });
                        session.setDaemon(true);
                        session.start();
                    } catch (Exception e) {
                        return;
                    }
                }
            });
            greeter.setDaemon(true);
            greeter.start();
            List<InetAddress> clients = GreetingOptions.parse("--connections", "6", "--addresses", "3").clientOfEachConnection();
            InetSocketAddress server = new InetSocketAddress(InetAddress.getLoopbackAddress(), listener.getLocalPort());

            try (ConnectionBurst burst = ConnectionBurst.open(server, clients, Duration.ofSeconds(10))) {
                assertThat(burst.outcomes()).hasSize(6).allSatisfy(outcome -> {
                    assertThat(outcome.greeted()).isTrue();
                    assertThat(outcome.reply()).isEqualTo("220-test | 220 ready");
                    assertThat(outcome.repliedNanos()).isGreaterThanOrEqualTo(outcome.connectedNanos()).isPositive();
                });
                assertThat(burst.quit(Duration.ofSeconds(10))).isEqualTo(new ConnectionBurst.QuitOutcome(6, 6, 6, java.util.Map.of()));
            }
            assertThat(clientsSeen).containsExactlyInAnyOrder("127.0.0.2", "127.0.0.3", "127.0.0.4", "127.0.0.2", "127.0.0.3", "127.0.0.4");
        }
    }
}
