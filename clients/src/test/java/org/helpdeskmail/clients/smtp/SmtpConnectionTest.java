package org.helpdeskmail.clients.smtp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLSocketFactory;

import org.helpdeskmail.clients.tls.OutboundTrust;
import org.helpdeskmail.testing.smtp.Reply;
import org.helpdeskmail.testing.smtp.ScriptedSmtpServer;
import org.helpdeskmail.testing.tls.IssuedCertificate;
import org.helpdeskmail.testing.tls.TestCertificateAuthority;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Against a real SMTP server on loopback whose replies each test scripts. */
class SmtpConnectionTest {
    private static final TestCertificateAuthority CA = TestCertificateAuthority.create("smtp connection test CA");
    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    private ScriptedSmtpServer server;
    private SmtpConnection connection;

    @AfterEach
    void stop() throws IOException {
        if (connection != null) {
            connection.close();
        }
        if (server != null) {
            server.close();
        }
    }

    @Test
    void readsTheGreetingAndTheExtensionsOfEhlo() throws Exception {
        connect(ScriptedSmtpServer.builder().hostName("mx.example.com").extensions("SIZE 35882577", "8BITMIME", "pipelining", "AUTH PLAIN LOGIN"));

        SmtpReply greeting = connection.greeting();
        SmtpReply hello = connection.hello("sender.example.org");

        assertThat(greeting.code()).isEqualTo(220);
        assertThat(greeting.lines()).containsExactly("mx.example.com ESMTP scripted");
        assertThat(hello.code()).isEqualTo(250);
        assertThat(hello.lines()).containsExactly("mx.example.com", "SIZE 35882577", "8BITMIME", "pipelining", "AUTH PLAIN LOGIN");
        assertThat(connection.supports("8bitmime")).isTrue();
        assertThat(connection.supports("PIPELINING")).isTrue();
        assertThat(connection.supports("AUTH")).isTrue();
        assertThat(connection.supports("STARTTLS")).isFalse();
        assertThat(connection.sizeLimit()).hasValue(35_882_577L);
        assertThat(server.sessions().get(0).commands()).containsExactly("EHLO sender.example.org");
    }

    @ParameterizedTest
    @ValueSource(strings = {"SIZE", "SIZE 0", "SIZE unlimited", "SIZE -5"})
    void sizeWithoutAPositiveNumberIsNoLimit(String extension) throws Exception {
        connect(ScriptedSmtpServer.builder().extensions(extension));
        connection.greeting();

        connection.hello("sender.example.org");

        assertThat(connection.supports("SIZE")).isTrue();
        assertThat(connection.sizeLimit()).isEmpty();
    }

    @Test
    void mailFromGivesTheSizeOnlyToAServerThatAnnouncedSize() throws Exception {
        connect(ScriptedSmtpServer.builder().extensions("SIZE 1000000"));
        connection.greeting();
        connection.hello("sender.example.org");
        assertThat(connection.mailFrom("bounces+abc@bounce.example.org", 1234).code()).isEqualTo(250);
        assertThat(server.sessions().get(0).commands()).containsExactly("EHLO sender.example.org",
            "MAIL FROM:<bounces+abc@bounce.example.org> SIZE=1234");

        connect(ScriptedSmtpServer.builder().extensions("8BITMIME"));
        connection.greeting();
        connection.hello("sender.example.org");
        assertThat(connection.mailFrom("", 1234).code()).isEqualTo(250);
        assertThat(server.sessions().get(0).commands()).containsExactly("EHLO sender.example.org", "MAIL FROM:<>");
    }

    @ParameterizedTest
    @ValueSource(ints = {500, 502})
    void fallsBackToHeloWhenTheServerDoesNotKnowEhlo(int code) throws Exception {
        connect(ScriptedSmtpServer.builder().extensions("SIZE 1000", "STARTTLS"));
        server.answer("EHLO", code + " 5.5.1 command unrecognised");
        connection.greeting();

        SmtpReply hello = connection.hello("sender.example.org");

        assertThat(hello.code()).isEqualTo(250);
        assertThat(hello.lines()).containsExactly("mx.scripted.test");
        assertThat(connection.supports("STARTTLS")).isFalse();
        assertThat(connection.supports("SIZE")).isFalse();
        assertThat(connection.sizeLimit()).isEmpty();
        assertThat(server.sessions().get(0).commands()).containsExactly("EHLO sender.example.org", "HELO sender.example.org");
    }

    @Test
    void anEhloRefusedForAnotherReasonIsReturnedWithoutHelo() throws Exception {
        connect(ScriptedSmtpServer.builder());
        server.answer("EHLO", "554 5.7.1 you are not welcome");
        connection.greeting();

        SmtpReply hello = connection.hello("sender.example.org");

        assertThat(hello.code()).isEqualTo(554);
        assertThat(hello.enhancedStatus()).hasValue("5.7.1");
        assertThat(hello.text()).isEqualTo("you are not welcome");
        connection.quit();
        assertThat(server.sessions().get(0).commands()).containsExactly("EHLO sender.example.org", "QUIT");
    }

    @Test
    void readsAMultiLineReplyAsOne() throws Exception {
        connect(ScriptedSmtpServer.builder());
        server.answer("RCPT TO:<full@example.com>",
            Reply.of("452-4.2.2 The mailbox is full,", "452-4.2.2 try again later", "452 4.2.2 (mailbox quota)"));
        connection.greeting();
        connection.hello("sender.example.org");
        connection.mailFrom("sender@example.org", 10);

        SmtpReply reply = connection.recipient("full@example.com");

        assertThat(reply.code()).isEqualTo(452);
        assertThat(reply.transientFailure()).isTrue();
        assertThat(reply.enhancedStatus()).hasValue("4.2.2");
        assertThat(reply.lines()).containsExactly("4.2.2 The mailbox is full,", "4.2.2 try again later", "4.2.2 (mailbox quota)");
        // the next reply is read from where this one ended
        assertThat(connection.recipient("other@example.com").code()).isEqualTo(250);
    }

    @Test
    void takesAReplyLineEndedByABareLineFeedAndALastLineWithoutText() throws Exception {
        start(ScriptedSmtpServer.builder());
        server.answer(ScriptedSmtpServer.GREETING, "220-mx.example.com says hello\n220");
        open();

        SmtpReply greeting = connection.greeting();

        assertThat(greeting.code()).isEqualTo(220);
        assertThat(greeting.lines()).containsExactly("mx.example.com says hello", "");
    }

    @Test
    void anEnhancedStatusOfAnotherClassThanTheCodeIsNotTaken() throws Exception {
        connect(ScriptedSmtpServer.builder());
        server.answer("RCPT", "550 4.2.2 mailbox full", "451 4.3.0 try later");
        connection.greeting();
        connection.hello("sender.example.org");
        connection.mailFrom("sender@example.org", 10);

        SmtpReply mismatched = connection.recipient("a@example.com");
        SmtpReply matching = connection.recipient("b@example.com");

        assertThat(mismatched.enhancedStatus()).isEmpty();
        assertThat(mismatched.text()).isEqualTo("4.2.2 mailbox full");
        assertThat(matching.enhancedStatus()).hasValue("4.3.0");
        assertThat(matching.text()).isEqualTo("try later");
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "hello there",
        "22",
        "2200 ready",
        "22a ready",
        "220_ready",
        "220-mx.example.com\r\n250 changed its mind",
    })
    void aReplyNotInTheSmtpFormatIsAProtocolError(String greeting) throws Exception {
        start(ScriptedSmtpServer.builder());
        server.answer(ScriptedSmtpServer.GREETING, greeting);
        open();

        assertThatThrownBy(connection::greeting).isInstanceOf(SmtpProtocolException.class);
    }

    @Test
    void anEndlessReplyIsAProtocolError() throws Exception {
        start(ScriptedSmtpServer.builder());
        server.answer(ScriptedSmtpServer.GREETING, "220 " + "x".repeat(3000));
        open();
        assertThatThrownBy(connection::greeting).isInstanceOf(SmtpProtocolException.class).hasMessageContaining("longer than");

        start(ScriptedSmtpServer.builder());
        server.answer(ScriptedSmtpServer.GREETING, Reply.of(Stream.generate(() -> "220-more").limit(150).toArray(String[]::new)));
        open();
        assertThatThrownBy(connection::greeting).isInstanceOf(SmtpProtocolException.class).hasMessageContaining("more than 100 lines");
    }

    @Test
    void aServerThatHangsUpIsAProtocolError() throws Exception {
        start(ScriptedSmtpServer.builder());
        server.answer(ScriptedSmtpServer.GREETING, Reply.hangUpNow());
        open();
        assertThatThrownBy(connection::greeting).isInstanceOf(SmtpProtocolException.class)
            .hasMessage("connection closed by the server");

        connect(ScriptedSmtpServer.builder());
        server.answer("EHLO", Reply.of("250-mx.example.com", "250-8BITMIME").thenHangUp());
        connection.greeting();
        assertThatThrownBy(() -> connection.hello("sender.example.org")).isInstanceOf(SmtpProtocolException.class)
            .hasMessage("connection closed by the server");
    }

    @Test
    void aSilentServerEndsInTheReadTimeout() throws Exception {
        server = ScriptedSmtpServer.builder().start();
        server.answer("EHLO", Reply.silence());
        connection = SmtpConnection.open(server.address(), Optional.empty(), TIMEOUT, Duration.ofMillis(300));
        connection.greeting();

        assertThatThrownBy(() -> connection.hello("sender.example.org")).isInstanceOf(SocketTimeoutException.class);
    }

    @Test
    void connectsFromTheGivenLocalAddress() throws Exception {
        server = ScriptedSmtpServer.builder().start();
        InetAddress sendingAddress = InetAddress.getByName("127.0.0.2");

        connection = SmtpConnection.open(server.address(), Optional.of(sendingAddress), TIMEOUT, TIMEOUT);
        connection.greeting();
        connection.hello("sender.example.org");

        assertThat(connection.localAddress()).isEqualTo(sendingAddress);
        assertThat(server.sessions().get(0).clientAddress()).isEqualTo("127.0.0.2");
    }

    @Test
    void aClosedPortIsAConnectionError() throws Exception {
        InetSocketAddress nobody;
        try (ServerSocket closed = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            nobody = (InetSocketAddress) closed.getLocalSocketAddress();
        }

        assertThatThrownBy(() -> SmtpConnection.open(nobody, Optional.empty(), TIMEOUT, TIMEOUT)).isInstanceOf(ConnectException.class);
    }

    @Test
    void startTlsGivesTheSessionAndTheServerChainThenNeedsEhloAgain() throws Exception {
        IssuedCertificate certificate = CA.issue("mx.example.com");
        connect(ScriptedSmtpServer.builder().hostName("mx.example.com").extensions("SIZE 1000000", "8BITMIME").startTls(certificate.sslContext()));
        connection.greeting();
        connection.hello("sender.example.org");
        assertThat(connection.supports("STARTTLS")).isTrue();
        assertThat(connection.sizeLimit()).hasValue(1_000_000L);
        assertThat(connection.tls()).isEmpty();

        SmtpConnection.StartTlsResult result = connection.startTls(verifyingFactory(), "mx.example.com");

        assertThat(result.reply().code()).isEqualTo(220);
        SmtpConnection.TlsSession session = result.session().orElseThrow();
        assertThat(session.protocol()).startsWith("TLSv1.");
        assertThat(session.cipherSuite()).startsWith("TLS_");
        assertThat(session.peerChain()).containsExactlyElementsOf(certificate.chain());
        assertThat(connection.tls()).contains(session);
        assertThat(connection.supports("STARTTLS")).as("extensions are forgotten until the next EHLO").isFalse();
        assertThat(connection.supports("8BITMIME")).isFalse();
        assertThat(connection.sizeLimit()).isEmpty();

        connection.hello("sender.example.org");
        assertThat(connection.sizeLimit()).hasValue(1_000_000L);
        assertThat(connection.supports("8BITMIME")).isTrue();
        assertThat(connection.supports("STARTTLS")).isFalse();
        sendMessage("Subject: over TLS\r\n\r\nsecret\r\n");

        ScriptedSmtpServer.Session serverSide = server.sessions().get(0);
        assertThat(serverSide.tlsProtocol()).hasValue(session.protocol());
        assertThat(serverSide.tlsServerName()).hasValue("mx.example.com");
        assertThat(server.messages()).singleElement().satisfies(message -> {
            assertThat(message.tlsProtocol()).hasValue(session.protocol());
            assertThat(message.content()).isEqualTo("Subject: over TLS\r\n\r\nsecret\r\n");
        });
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "mx.example.com    | mx.example.com",
        "mx.example.com.   | mx.example.com",
        "127.0.0.1         | ''",
        "mx_1.example.com  | ''",
    })
    void sendsTheServerNameIndicationThatSniCanCarry(String serverName, String expected) throws Exception {
        connect(ScriptedSmtpServer.builder().startTls(TestCertificateAuthority.selfSigned("mx.example.com").sslContext()));
        connection.greeting();
        connection.hello("sender.example.org");

        assertThat(connection.startTls(OutboundTrust.jdkDefault().unverifiedSocketFactory(), serverName).session()).isPresent();
        connection.hello("sender.example.org");

        assertThat(server.sessions().get(0).tlsProtocol()).isPresent();
        assertThat(server.sessions().get(0).tlsServerName().orElse("")).isEqualTo(expected);
    }

    @Test
    void aRefusedStartTlsLeavesTheConnectionInClear() throws Exception {
        connect(ScriptedSmtpServer.builder().startTls(CA.issue("mx.example.com").sslContext()));
        server.answer("STARTTLS", "454 4.7.0 TLS not available due to temporary reason");
        connection.greeting();
        connection.hello("sender.example.org");

        SmtpConnection.StartTlsResult result = connection.startTls(verifyingFactory(), "mx.example.com");

        assertThat(result.session()).isEmpty();
        assertThat(result.reply().code()).isEqualTo(454);
        assertThat(result.reply().enhancedStatus()).hasValue("4.7.0");
        assertThat(connection.tls()).isEmpty();
        assertThat(connection.hello("sender.example.org").code()).isEqualTo(250);
        assertThat(server.sessions().get(0).tlsProtocol()).isEmpty();
    }

    @Test
    void anUntrustedCertificateFailsTheHandshake() throws Exception {
        connect(ScriptedSmtpServer.builder().startTls(TestCertificateAuthority.selfSigned("mx.example.com").sslContext()));
        connection.greeting();
        connection.hello("sender.example.org");

        assertThatThrownBy(() -> connection.startTls(verifyingFactory(), "mx.example.com")).isInstanceOf(SSLHandshakeException.class);
        assertThat(connection.tls()).isEmpty();
    }

    @Test
    void dataDoublesLeadingDotsEndsBareLineEndsWithCrlfAndAddsTheFinalDot() throws Exception {
        connect(ScriptedSmtpServer.builder());
        connection.greeting();
        connection.hello("sender.example.org");

        SmtpReply reply = sendMessage("Subject: dots\r\n\r\n.\r\n.leading dot\r\n..two dots\r\nbare LF\nbare CR\rmid.dot\r\n.");

        assertThat(reply.code()).isEqualTo(250);
        assertThat(reply.enhancedStatus()).hasValue("2.0.0");
        ScriptedSmtpServer.Message message = server.messages().get(0);
        assertThat(new String(message.wire(), StandardCharsets.US_ASCII)).isEqualTo(
            "Subject: dots\r\n\r\n..\r\n..leading dot\r\n...two dots\r\nbare LF\r\nbare CR\r\nmid.dot\r\n..\r\n.\r\n");
        assertThat(message.content()).isEqualTo("Subject: dots\r\n\r\n.\r\n.leading dot\r\n..two dots\r\nbare LF\r\nbare CR\r\nmid.dot\r\n.\r\n");
        assertThat(message.mailFrom()).isEqualTo("sender@example.org");
        assertThat(message.recipients()).containsExactly("someone@example.com");
    }

    @Test
    void aMessageEndingWithCrlfGetsNoEmptyLineBeforeTheDot() throws Exception {
        connect(ScriptedSmtpServer.builder());
        connection.greeting();
        connection.hello("sender.example.org");

        sendMessage("Subject: x\r\n\r\nbody\r\n");

        assertThat(new String(server.messages().get(0).wire(), StandardCharsets.US_ASCII)).isEqualTo("Subject: x\r\n\r\nbody\r\n.\r\n");
    }

    @Test
    void dataRefusedSendsNoContent() throws Exception {
        connect(ScriptedSmtpServer.builder());
        server.answer("DATA", "451 4.7.1 try again later");
        connection.greeting();
        connection.hello("sender.example.org");

        SmtpReply reply = sendMessage("Subject: x\r\n\r\nRSET\r\nQUIT\r\n");
        SmtpReply reset = connection.reset();

        assertThat(reply.code()).isEqualTo(451);
        assertThat(reset.code()).isEqualTo(250);
        assertThat(server.sessions().get(0).commands())
            .containsExactly("EHLO sender.example.org", "MAIL FROM:<sender@example.org>", "RCPT TO:<someone@example.com>", "DATA", "RSET");
        assertThat(server.messages()).isEmpty();
    }

    @Test
    void theAnswerToTheMessageIsReturned() throws Exception {
        connect(ScriptedSmtpServer.builder());
        server.answer(ScriptedSmtpServer.END_OF_DATA, "554 5.7.1 message refused as spam");
        connection.greeting();
        connection.hello("sender.example.org");

        SmtpReply reply = sendMessage("Subject: buy now\r\n\r\nbuy\r\n");

        assertThat(reply.code()).isEqualTo(554);
        assertThat(reply.permanentFailure()).isTrue();
        assertThat(reply.enhancedStatus()).hasValue("5.7.1");
        assertThat(reply.toString()).isEqualTo("554 5.7.1 message refused as spam");
        assertThat(server.messages()).isEmpty();
    }

    @Test
    void aLargeMessageArrivesWhole() throws Exception {
        connect(ScriptedSmtpServer.builder().extensions("SIZE 20000000"));
        connection.greeting();
        connection.hello("sender.example.org");
        StringBuilder text = new StringBuilder("Subject: large\r\n\r\n");
        int dotted = 0;
        for (int line = 0; text.length() < 8_000_000; line++) {
            boolean dot = line % 7 == 0;
            dotted += dot ? 1 : 0;
            text.append(dot ? "." : "").append("line ").append(line).append(' ').append("abcdefghij".repeat(7)).append("\r\n");
        }
        String message = text.toString();

        SmtpReply reply = sendMessage(message);

        assertThat(reply.code()).isEqualTo(250);
        ScriptedSmtpServer.Message received = server.messages().get(0);
        assertThat(received.wire()).hasSize(message.length() + dotted + 3);
        assertThat(received.content()).isEqualTo(message);
    }

    @Test
    void quitEndsTheSessionEvenWhenTheServerIsGone() throws Exception {
        connect(ScriptedSmtpServer.builder());
        connection.greeting();
        connection.hello("sender.example.org");
        connection.quit();
        assertThat(server.sessions().get(0).commands()).containsExactly("EHLO sender.example.org", "QUIT");
        assertThatThrownBy(() -> connection.hello("again")).isInstanceOf(IOException.class);

        connect(ScriptedSmtpServer.builder());
        server.answer("EHLO", Reply.of("421 4.3.2 shutting down").thenHangUp());
        connection.greeting();
        assertThat(connection.hello("sender.example.org").code()).isEqualTo(421);
        connection.quit();
    }

    private void connect(ScriptedSmtpServer.Builder builder) throws IOException {
        start(builder);
        open();
    }

    /** A new server, not yet connected to: the time to script its greeting. */
    private void start(ScriptedSmtpServer.Builder builder) throws IOException {
        if (connection != null) {
            connection.close();
            connection = null;
        }
        if (server != null) {
            server.close();
        }
        server = builder.start();
    }

    private void open() throws IOException {
        connection = SmtpConnection.open(server.address(), Optional.empty(), TIMEOUT, TIMEOUT);
    }

    private SmtpReply sendMessage(String message) throws IOException {
        assertThat(connection.mailFrom("sender@example.org", message.length()).code()).isEqualTo(250);
        assertThat(connection.recipient("someone@example.com").code()).isEqualTo(250);
        return connection.data(output -> output.write(message.getBytes(StandardCharsets.UTF_8)));
    }

    private static SSLSocketFactory verifyingFactory() {
        return OutboundTrust.withCertificates(List.of(CA.certificate())).verifyingSocketFactory();
    }
}
