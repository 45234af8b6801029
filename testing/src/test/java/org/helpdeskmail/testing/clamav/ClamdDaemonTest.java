package org.helpdeskmail.testing.clamav;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.concurrent.CompletableFuture;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The real clamd, asked over raw {@code zINSTREAM} (the protocol as clamd's own documentation
 * describes it), not through our client, which lives in a module that depends on this one.
 */
class ClamdDaemonTest {
    private static ClamdDaemon clamd;

    @BeforeAll
    static void start() throws IOException {
        clamd = ClamdDaemon.start();
    }

    @AfterAll
    static void close() {
        if (clamd != null) {
            clamd.close();
        }
    }

    /** zINSTREAM: chunks with a 4-byte big-endian length, a zero-length chunk to end; the reply ends with NUL. */
    private static String instream(Socket socket, byte[] content, int chunkSize) throws IOException {
        socket.setSoTimeout(10_000);
        DataOutputStream output = new DataOutputStream(socket.getOutputStream());
        output.write("zINSTREAM\0".getBytes(StandardCharsets.US_ASCII));
        for (int start = 0; start < content.length; start += chunkSize) {
            int length = Math.min(chunkSize, content.length - start);
            output.writeInt(length);
            output.write(content, start, length);
        }
        output.writeInt(0);
        output.flush();
        return reply(socket.getInputStream());
    }

    private static String instream(byte[] content) throws IOException {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", clamd.port()), 5_000);
            return instream(socket, content, 8192);
        }
    }

    private static String reply(InputStream input) throws IOException {
        ByteArrayOutputStream reply = new ByteArrayOutputStream();
        int b;
        while ((b = input.read()) > 0) {
            reply.write(b);
        }
        return reply.toString(StandardCharsets.US_ASCII);
    }

    @Test
    void answersPingOnLoopback() {
        assertThat(clamd.isRunning()).isTrue();
        assertThat(clamd.ping()).isTrue();
        assertThat(clamd.address()).isEqualTo("127.0.0.1:" + clamd.port());
    }

    @Test
    void theEicarStringIsTheStandardOne() throws Exception {
        byte[] eicar = ClamdDaemon.eicar();

        assertThat(eicar).hasSize(68);
        // The MD5 every anti-virus vendor publishes for the EICAR test file.
        assertThat(HexFormat.of().formatHex(MessageDigest.getInstance("MD5").digest(eicar)))
            .isEqualTo("44d88612fea8a8f36de82e1278abb02f");
    }

    @Test
    void findsEicar() throws IOException {
        // Both EICAR signatures match the bare file; clamd reports the body pattern's, which it checks first.
        assertThat(instream(ClamdDaemon.eicar())).startsWith("stream: " + ClamdDaemon.EICAR_SIGNATURE_PREFIX).endsWith(".UNOFFICIAL FOUND");
    }

    @Test
    void theHashSignatureIsTheEicarFilesMd5AndSize() throws IOException {
        assertThat(Files.readString(clamd.directory().resolve("db/helpdesk-test.hdb")))
            .isEqualTo("44d88612fea8a8f36de82e1278abb02f:68:" + ClamdDaemon.EICAR_HASH_SIGNATURE + "\n");
    }

    @Test
    void findsEicarInsideALargerFileByItsBodyPattern() throws IOException {
        byte[] padded = ("some text before\n" + new String(ClamdDaemon.eicar(), StandardCharsets.US_ASCII) + "\nand after\n")
            .getBytes(StandardCharsets.US_ASCII);

        assertThat(instream(padded)).isEqualTo("stream: " + ClamdDaemon.EICAR_BODY_SIGNATURE + ".UNOFFICIAL FOUND");
    }

    @Test
    void findsTheCustomMarker() throws IOException {
        byte[] content = ("Dear support,\n" + ClamdDaemon.customMarker() + "\nthanks\n").getBytes(StandardCharsets.US_ASCII);

        assertThat(instream(content)).isEqualTo("stream: " + ClamdDaemon.CUSTOM_SIGNATURE + ".UNOFFICIAL FOUND");
    }

    @Test
    void findsNothingInAnOrdinaryText() throws IOException {
        assertThat(instream("Hello, my printer is broken again.\n".getBytes(StandardCharsets.US_ASCII))).isEqualTo("stream: OK");
    }

    @Test
    void refusesAStreamOverStreamMaxLength() throws IOException {
        // Default options: StreamMaxLength 1M. clamd answers as soon as the limit is crossed.
        byte[] big = new byte[1024 * 1024 + 1];
        String reply;
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", clamd.port()), 5_000);
            socket.setSoTimeout(10_000);
            // The answer is read while the stream is still being written: clamd answers and closes as soon
            // as the limit is crossed, and the rest of the write then fails (broken pipe), as it should.
            CompletableFuture<String> answer = CompletableFuture.supplyAsync(() -> {
                try {
                    return reply(socket.getInputStream());
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
            DataOutputStream output = new DataOutputStream(socket.getOutputStream());
            try {
                output.write("zINSTREAM\0".getBytes(StandardCharsets.US_ASCII));
                output.writeInt(big.length);
                output.write(big);
                output.flush();
            } catch (IOException closedByClamd) {
                // expected once clamd has answered
            }
            reply = answer.join();
        }
        assertThat(reply).isEqualTo("INSTREAM size limit exceeded. ERROR");
    }

    @Test
    void listensOnAUnixSocketWhenAsked() throws IOException {
        try (ClamdDaemon withSocket = ClamdDaemon.start(ClamdDaemon.Options.defaults().withLocalSocket())) {
            Path path = withSocket.localSocket().orElseThrow();
            assertThat(path).exists().startsWith(withSocket.directory());
            try (SocketChannel channel = SocketChannel.open(UnixDomainSocketAddress.of(path))) {
                channel.write(ByteBuffer.wrap("zINSTREAM\0".getBytes(StandardCharsets.US_ASCII)));
                byte[] marker = ClamdDaemon.customMarkerBytes();
                channel.write(ByteBuffer.allocate(4).putInt(0, marker.length));
                channel.write(ByteBuffer.wrap(marker));
                channel.write(ByteBuffer.allocate(4).putInt(0, 0));
                assertThat(reply(Channels.newInputStream(channel))).isEqualTo("stream: " + ClamdDaemon.CUSTOM_SIGNATURE + ".UNOFFICIAL FOUND");
            }
        }
    }

    @Test
    void stopsRefusingConnectionsAndRestartsOnTheSamePort() throws IOException {
        try (ClamdDaemon own = ClamdDaemon.start()) {
            int port = own.port();

            own.stop();
            assertThat(own.isRunning()).isFalse();
            assertThat(own.ping()).isFalse();
            assertThatThrownBy(() -> {
                try (Socket socket = new Socket()) {
                    socket.connect(new InetSocketAddress("127.0.0.1", port), 2_000);
                }
            }).isInstanceOf(ConnectException.class);

            own.restart();
            assertThat(own.port()).isEqualTo(port);
            assertThat(own.ping()).isTrue();
        }
    }

    @Test
    void closeDeletesTheTemporaryDirectory() throws IOException {
        ClamdDaemon own = ClamdDaemon.start();
        Path directory = own.directory();
        assertThat(Files.readString(directory.resolve("clamd.conf")))
            .contains("TCPAddr 127.0.0.1", "Foreground yes", "StreamMaxLength 1M")
            .doesNotContain("User ", "LocalSocket");

        own.close();

        assertThat(directory).doesNotExist();
        assertThat(own.isRunning()).isFalse();
    }
}
