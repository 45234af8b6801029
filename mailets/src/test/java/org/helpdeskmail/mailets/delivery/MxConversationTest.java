package org.helpdeskmail.mailets.delivery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import org.apache.james.core.MailAddress;
import org.helpdeskmail.clients.smtp.SmtpConnection;
import org.helpdeskmail.clients.tls.MxTlsDecision;
import org.helpdeskmail.clients.tls.OutboundTrust;
import org.helpdeskmail.clients.tls.TlsPolicy;
import org.helpdeskmail.mailets.delivery.MxConversation.Answered;
import org.helpdeskmail.mailets.delivery.MxConversation.HostFailed;
import org.helpdeskmail.mailets.delivery.RecipientOutcome.Kind;
import org.helpdeskmail.testing.smtp.Reply;
import org.helpdeskmail.testing.smtp.ScriptedSmtpServer;
import org.helpdeskmail.testing.tls.TestCertificateAuthority;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/** One session with a real SMTP server on loopback whose replies each test scripts. */
class MxConversationTest {
    private static final TestCertificateAuthority CA = TestCertificateAuthority.create("mx conversation test CA");
    private static final OutboundTrust TRUST = OutboundTrust.withCertificates(List.of(CA.certificate()));
    private static final String MX = "mx.customer.example";
    private static final String REMOTE = MX + " [127.0.0.1]";
    private static final String MESSAGE = "From: app@helpdesk.example\r\nSubject: your ticket\r\n\r\n.hello\r\n";
    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    private ScriptedSmtpServer server;

    @AfterEach
    void stop() throws IOException {
        if (server != null) {
            server.close();
        }
    }

    @Test
    void everyRecipientHasATransactionWithItsOwnReturnPath() throws Exception {
        server = ScriptedSmtpServer.builder().start();

        Answered answered = answered(deliver(decision(TlsPolicy.MAY), "jane@customer.example", "john@customer.example"));

        assertThat(answered.tls()).isEmpty();
        assertThat(answered.outcomes()).extracting(outcome -> outcome.recipient().asString())
            .containsExactly("jane@customer.example", "john@customer.example");
        assertThat(answered.outcomes()).allSatisfy(outcome -> {
            assertThat(outcome.kind()).isEqualTo(Kind.DELIVERED);
            assertThat(outcome.smtpCode()).contains(250);
            assertThat(outcome.enhancedStatus()).contains("2.0.0");
            assertThat(outcome.diagnostic()).startsWith("250 2.0.0 queued as");
            assertThat(outcome.remoteMx()).contains(REMOTE);
            assertThat(outcome.sourceIp()).contains("127.0.0.1");
        });
        assertThat(server.messages()).extracting(ScriptedSmtpServer.Message::mailFrom, ScriptedSmtpServer.Message::recipients)
            .containsExactly(
                tuple("bounces+jane@bounce.helpdesk.example", List.of("jane@customer.example")),
                tuple("bounces+john@bounce.helpdesk.example", List.of("john@customer.example")));
        assertThat(server.messages()).allSatisfy(message -> assertThat(message.content()).isEqualTo(MESSAGE));
        assertThat(server.sessions()).singleElement().extracting(ScriptedSmtpServer.Session::commands).isEqualTo(List.of(
            "EHLO relay.helpdesk.example",
            "MAIL FROM:<bounces+jane@bounce.helpdesk.example>", "RCPT TO:<jane@customer.example>", "DATA",
            "MAIL FROM:<bounces+john@bounce.helpdesk.example>", "RCPT TO:<john@customer.example>", "DATA",
            "QUIT"));
    }

    @Test
    void theNullSenderIsSentAsAnEmptyPath() throws Exception {
        server = ScriptedSmtpServer.builder().start();
        OutboundEnvelope bounce = new Envelope(MESSAGE) {
            @Override
            public String returnPath(MailAddress recipient) {
                return "";
            }
        };

        Answered answered = answered(new MxConversation(settings()).deliver(MX, loopback(), decision(TlsPolicy.MAY), true,
            List.of(new MailAddress("jane@customer.example")), bounce));

        assertThat(answered.outcomes()).singleElement().extracting(RecipientOutcome::kind).isEqualTo(Kind.DELIVERED);
        assertThat(server.messages()).singleElement().extracting(ScriptedSmtpServer.Message::mailFrom).isEqualTo("");
    }

    @Test
    void eachRefusedRecipientBouncesOrWaitsOnItsOwn() throws Exception {
        server = ScriptedSmtpServer.builder().start();
        server.answer("RCPT TO:<gone@customer.example>", "550 5.1.1 no such user here");
        server.answer("RCPT TO:<full@customer.example>", "451 4.2.0 mailbox busy, try later");

        Answered answered = answered(deliver(decision(TlsPolicy.MAY), "gone@customer.example", "full@customer.example", "jane@customer.example"));

        assertThat(answered.outcomes()).extracting(RecipientOutcome::kind, RecipientOutcome::smtpCode, RecipientOutcome::enhancedStatus)
            .containsExactly(
                tuple(Kind.BOUNCED, Optional.of(550), Optional.of("5.1.1")),
                tuple(Kind.DEFERRED, Optional.of(451), Optional.of("4.2.0")),
                tuple(Kind.DELIVERED, Optional.of(250), Optional.of("2.0.0")));
        assertThat(answered.outcomes().get(0).diagnostic()).isEqualTo("550 5.1.1 no such user here");
        assertThat(server.messages()).singleElement().extracting(ScriptedSmtpServer.Message::recipients)
            .isEqualTo(List.of("jane@customer.example"));
        assertThat(server.sessions().get(0).commands()).containsSubsequence(
            "RCPT TO:<gone@customer.example>", "RSET", "MAIL FROM:<bounces+full@bounce.helpdesk.example>",
            "RCPT TO:<full@customer.example>", "RSET", "MAIL FROM:<bounces+jane@bounce.helpdesk.example>");
    }

    @Test
    void aRefusedDataCommandDefersThatRecipientOnly() throws Exception {
        server = ScriptedSmtpServer.builder().start();
        server.answer("DATA", "451 4.7.1 come back later");

        Answered answered = answered(deliver(decision(TlsPolicy.MAY), "jane@customer.example", "john@customer.example"));

        assertThat(answered.outcomes()).extracting(RecipientOutcome::kind, RecipientOutcome::smtpCode)
            .containsExactly(
                tuple(Kind.DEFERRED, Optional.of(451)),
                tuple(Kind.DELIVERED, Optional.of(250)));
        assertThat(server.messages()).singleElement().extracting(ScriptedSmtpServer.Message::recipients)
            .isEqualTo(List.of("john@customer.example"));
        assertThat(server.sessions().get(0).commands()).containsSubsequence("DATA", "RSET", "MAIL FROM:<bounces+john@bounce.helpdesk.example>");
    }

    @Test
    void aRecipientKeepsItsAnswerWhenTheConnectionBreaksAtTheReset() throws Exception {
        server = ScriptedSmtpServer.builder().start();
        server.answer("RCPT TO:<gone@customer.example>", "550 5.1.1 no such user here");
        server.answer("RSET", Reply.hangUpNow());

        Answered answered = answered(deliver(decision(TlsPolicy.MAY), "gone@customer.example", "jane@customer.example"));

        assertThat(answered.outcomes()).extracting(RecipientOutcome::kind, RecipientOutcome::smtpCode)
            .containsExactly(tuple(Kind.BOUNCED, Optional.of(550)), tuple(Kind.DEFERRED, Optional.empty()));
    }

    @Test
    void aMessageRefusedAfterItsDataBouncesThatRecipientOnly() throws Exception {
        server = ScriptedSmtpServer.builder().start();
        server.answer(ScriptedSmtpServer.END_OF_DATA, "554 5.7.1 message content refused");

        Answered answered = answered(deliver(decision(TlsPolicy.MAY), "jane@customer.example", "john@customer.example"));

        assertThat(answered.outcomes()).extracting(RecipientOutcome::kind, RecipientOutcome::enhancedStatus)
            .containsExactly(
                tuple(Kind.BOUNCED, Optional.of("5.7.1")),
                tuple(Kind.DELIVERED, Optional.of("2.0.0")));
    }

    @Test
    void after421TheRemainingRecipientsWait() throws Exception {
        server = ScriptedSmtpServer.builder().start();
        server.answer("RCPT TO:<john@customer.example>", Reply.of("421 4.3.2 shutting down").thenHangUp());

        Answered answered = answered(deliver(decision(TlsPolicy.MAY), "jane@customer.example", "john@customer.example", "kim@customer.example"));

        List<RecipientOutcome> outcomes = answered.outcomes();
        assertThat(outcomes).extracting(RecipientOutcome::kind).containsExactly(Kind.DELIVERED, Kind.DEFERRED, Kind.DEFERRED);
        assertThat(outcomes.get(1).smtpCode()).contains(421);
        assertThat(outcomes.get(1).enhancedStatus()).contains("4.3.2");
        assertThat(outcomes.get(2).smtpCode()).isEmpty();
        assertThat(outcomes.get(2).enhancedStatus()).contains("4.4.2");
        assertThat(outcomes.get(2).diagnostic()).isEqualTo("session with " + REMOTE + " ended before this recipient");
        assertThat(outcomes.get(2).remoteMx()).contains(REMOTE);
        assertThat(server.sessions().get(0).commands()).endsWith("RCPT TO:<john@customer.example>");
    }

    @Test
    void aConnectionLostMidSessionDefersTheRecipientsNotAnswered() throws Exception {
        server = ScriptedSmtpServer.builder().start();
        server.answer("RCPT TO:<john@customer.example>", Reply.hangUpNow());

        Answered answered = answered(deliver(decision(TlsPolicy.MAY), "jane@customer.example", "john@customer.example", "kim@customer.example"));

        assertThat(answered.outcomes()).extracting(RecipientOutcome::kind).containsExactly(Kind.DELIVERED, Kind.DEFERRED, Kind.DEFERRED);
        assertThat(answered.outcomes().subList(1, 3)).allSatisfy(outcome -> {
            assertThat(outcome.smtpCode()).isEmpty();
            assertThat(outcome.enhancedStatus()).contains("4.4.2");
        });
    }

    @Test
    void aConnectionLostBeforeAnyAnswerFailsTheHost() throws Exception {
        server = ScriptedSmtpServer.builder().start();
        server.answer("MAIL FROM", Reply.hangUpNow());

        HostFailed failed = hostFailed(deliver(decision(TlsPolicy.MAY), "jane@customer.example"));

        assertThat(failed.tlsHandshake()).isFalse();
        assertThat(failed.failure().enhancedStatus()).isEqualTo("4.4.2");
        assertThat(failed.failure().diagnostic()).startsWith("session with " + REMOTE + " failed: connection closed by the server");
        assertThat(failed.failure().remoteMx()).contains(REMOTE);
        assertThat(failed.failure().sourceIp()).contains("127.0.0.1");
    }

    @Test
    void aGreetingOf554FailsTheHostAndOnlyQuitIsSent() throws Exception {
        server = ScriptedSmtpServer.builder().start();
        server.answer(ScriptedSmtpServer.GREETING, "554 5.7.1 no service for you");

        HostFailed failed = hostFailed(deliver(decision(TlsPolicy.MAY), "jane@customer.example"));

        assertThat(failed.failure().enhancedStatus()).isEqualTo("4.4.2");
        assertThat(failed.failure().diagnostic()).isEqualTo("greeting of " + REMOTE + ": 554 5.7.1 no service for you");
        assertThat(server.sessions().get(0).commands()).containsExactly("QUIT");
    }

    @Test
    void anEhloAndHeloRefusedFailTheHost() throws Exception {
        server = ScriptedSmtpServer.builder().start();
        server.answer("EHLO", "502 5.5.1 no EHLO");
        server.answer("HELO", "550 5.7.1 go away");

        HostFailed failed = hostFailed(deliver(decision(TlsPolicy.MAY), "jane@customer.example"));

        assertThat(failed.failure().diagnostic()).contains("550 5.7.1 go away");
        assertThat(server.sessions().get(0).commands()).containsExactly("EHLO relay.helpdesk.example", "HELO relay.helpdesk.example", "QUIT");
    }

    @Test
    void anUnreachableHostFails() throws Exception {
        int closedPort;
        try (ServerSocket closed = new ServerSocket(0, 1, loopback())) {
            closedPort = closed.getLocalPort();
        }

        MxConversation.Result result = new MxConversation(settings(closedPort)).deliver(MX, loopback(), decision(TlsPolicy.MAY), true,
            List.of(new MailAddress("jane@customer.example")), new Envelope(MESSAGE));

        HostFailed failed = hostFailed(result);
        assertThat(failed.failure().enhancedStatus()).isEqualTo("4.4.1");
        assertThat(failed.failure().diagnostic()).startsWith("cannot connect to " + REMOTE);
    }

    @ParameterizedTest
    @MethodSource("decisionsThatTakeAnyCertificate")
    void startTlsWhenOfferedWhateverTheCertificate(MxTlsDecision decision) throws Exception {
        server = ScriptedSmtpServer.builder().startTls(TestCertificateAuthority.selfSigned("somewhere.else").sslContext()).start();

        Answered answered = answered(deliver(decision, "jane@customer.example"));

        assertThat(answered.tls()).isPresent();
        assertThat(answered.outcomes()).singleElement().extracting(RecipientOutcome::kind).isEqualTo(Kind.DELIVERED);
        assertThat(server.messages()).singleElement().extracting(ScriptedSmtpServer.Message::tlsProtocol)
            .isEqualTo(answered.tls().map(SmtpConnection.TlsSession::protocol));
        assertThat(server.sessions().get(0).commands()).startsWith("EHLO relay.helpdesk.example", "STARTTLS", "EHLO relay.helpdesk.example");
        assertThat(server.sessions().get(0).tlsServerName()).contains(MX);
    }

    static List<MxTlsDecision> decisionsThatTakeAnyCertificate() {
        return List.of(decision(TlsPolicy.MAY), decision(TlsPolicy.ENCRYPT), reportOnly(TlsPolicy.VERIFY));
    }

    @ParameterizedTest
    @MethodSource("decisionsThatDeliverInClear")
    void deliversInClearWhenStartTlsIsNotOffered(MxTlsDecision decision) throws Exception {
        server = ScriptedSmtpServer.builder().start();

        Answered answered = answered(deliver(decision, "jane@customer.example"));

        assertThat(answered.tls()).isEmpty();
        assertThat(answered.outcomes()).singleElement().extracting(RecipientOutcome::kind).isEqualTo(Kind.DELIVERED);
        assertThat(server.messages()).singleElement().extracting(ScriptedSmtpServer.Message::tlsProtocol).isEqualTo(Optional.empty());
    }

    static List<MxTlsDecision> decisionsThatDeliverInClear() {
        return List.of(decision(TlsPolicy.MAY), reportOnly(TlsPolicy.VERIFY), reportOnly(TlsPolicy.ENCRYPT));
    }

    @Test
    void noneAndTheRetryInClearDoNotStartTls() throws Exception {
        server = ScriptedSmtpServer.builder().startTls(CA.issue(MX).sslContext()).start();

        Answered none = answered(deliver(decision(TlsPolicy.NONE), "jane@customer.example"));
        Answered inClear = answered(new MxConversation(settings()).deliver(MX, loopback(), decision(TlsPolicy.MAY), false,
            List.of(new MailAddress("john@customer.example")), new Envelope(MESSAGE)));

        assertThat(none.tls()).isEmpty();
        assertThat(inClear.tls()).isEmpty();
        assertThat(server.messages()).hasSize(2).allSatisfy(message -> assertThat(message.tlsProtocol()).isEmpty());
        assertThat(server.sessions()).allSatisfy(session -> assertThat(session.commands()).doesNotContain("STARTTLS"));
    }

    @ParameterizedTest
    @EnumSource(value = TlsPolicy.class, names = {"ENCRYPT", "VERIFY"})
    void aPolicyRequiringTlsFailsAHostThatOffersNoStartTlsBeforeMailFrom(TlsPolicy policy) throws Exception {
        server = ScriptedSmtpServer.builder().start();

        HostFailed failed = hostFailed(deliver(decision(policy), "jane@customer.example"));

        assertThat(failed.tlsHandshake()).isFalse();
        assertThat(failed.failure().enhancedStatus()).isEqualTo("4.7.10");
        assertThat(failed.failure().diagnostic()).isEqualTo(REMOTE + " offers no STARTTLS and tls policy " + policy.configurationName()
            + " requires TLS");
        assertThat(server.sessions().get(0).commands()).containsExactly("EHLO relay.helpdesk.example", "QUIT");
        assertThat(server.messages()).isEmpty();
    }

    @Test
    void encryptFailsAHostThatRefusesStartTls() throws Exception {
        server = ScriptedSmtpServer.builder().startTls(CA.issue(MX).sslContext()).start();
        server.answer("STARTTLS", "454 4.7.0 TLS not available");

        HostFailed failed = hostFailed(deliver(decision(TlsPolicy.ENCRYPT), "jane@customer.example"));

        assertThat(failed.failure().enhancedStatus()).isEqualTo("4.7.10");
        assertThat(failed.failure().diagnostic()).contains("454 4.7.0 TLS not available");
        assertThat(server.sessions().get(0).commands()).containsExactly("EHLO relay.helpdesk.example", "STARTTLS", "QUIT");
    }

    @Test
    void verifyDeliversToAHostWithATrustedCertificateForItsName() throws Exception {
        server = ScriptedSmtpServer.builder().startTls(CA.issue(MX).sslContext()).start();

        Answered answered = answered(deliver(decision(TlsPolicy.VERIFY), "jane@customer.example"));

        assertThat(answered.tls()).isPresent();
        assertThat(answered.tls().get().peerChain().get(0).getSubjectX500Principal().getName()).isEqualTo("CN=" + MX);
        assertThat(server.messages()).singleElement().satisfies(message -> assertThat(message.tlsProtocol()).isPresent());
    }

    @Test
    void verifyFailsAHostWithASelfSignedCertificateBeforeMailFrom() throws Exception {
        server = ScriptedSmtpServer.builder().startTls(TestCertificateAuthority.selfSigned(MX).sslContext()).start();

        HostFailed failed = hostFailed(deliver(decision(TlsPolicy.VERIFY), "jane@customer.example"));

        assertThat(failed.tlsHandshake()).isFalse();
        assertThat(failed.failure().enhancedStatus()).isEqualTo("4.7.5");
        assertThat(failed.failure().diagnostic()).startsWith("certificate of " + REMOTE + " not valid: untrusted certificate")
            .endsWith("(tls policy verify)");
        assertThat(server.sessions().get(0).commands()).containsExactly("EHLO relay.helpdesk.example", "STARTTLS", "QUIT");
        assertThat(server.messages()).isEmpty();
    }

    @Test
    void verifyFailsAHostWhoseCertificateNamesAnotherHost() throws Exception {
        server = ScriptedSmtpServer.builder().startTls(CA.issue("mx.other.example").sslContext()).start();

        HostFailed failed = hostFailed(deliver(decision(TlsPolicy.VERIFY), "jane@customer.example"));

        assertThat(failed.failure().enhancedStatus()).isEqualTo("4.7.5");
        assertThat(failed.failure().diagnostic()).contains("certificate does not name " + MX);
        assertThat(server.messages()).isEmpty();
    }

    @Test
    void aBrokenHandshakeIsReportedAsSuch() throws Exception {
        // The server offers STARTTLS and says 220, then speaks no TLS at all.
        server = ScriptedSmtpServer.builder().extensions("STARTTLS").start();
        server.answer("STARTTLS", "220 2.0.0 go ahead\r\nthis is not TLS");

        HostFailed failed = hostFailed(deliver(decision(TlsPolicy.MAY), "jane@customer.example"));

        assertThat(failed.tlsHandshake()).isTrue();
        assertThat(failed.failure().enhancedStatus()).isEqualTo("4.7.5");
        assertThat(failed.failure().diagnostic()).startsWith("TLS handshake with " + REMOTE + " failed");
    }

    @Test
    void aHostThatHangsUpInTheHandshakeIsAHandshakeFailure() throws Exception {
        server = ScriptedSmtpServer.builder().extensions("STARTTLS").start();
        server.answer("STARTTLS", Reply.of("220 2.0.0 go ahead").thenHangUp());

        HostFailed failed = hostFailed(deliver(decision(TlsPolicy.MAY), "jane@customer.example"));

        assertThat(failed.tlsHandshake()).isTrue();
        assertThat(failed.failure().enhancedStatus()).isEqualTo("4.7.5");
    }

    private MxConversation.Result deliver(MxTlsDecision decision, String... recipients) throws Exception {
        List<MailAddress> addresses = new ArrayList<>();
        for (String recipient : recipients) {
            addresses.add(new MailAddress(recipient));
        }
        return new MxConversation(settings()).deliver(MX, loopback(), decision, true, addresses, new Envelope(MESSAGE));
    }

    private MxConversation.Settings settings() {
        return settings(server.port());
    }

    private static MxConversation.Settings settings(int port) {
        return new MxConversation.Settings(port, "relay.helpdesk.example", TIMEOUT, TIMEOUT, TRUST.unverifiedSocketFactory(),
            MxConversationTest::problem);
    }

    /** What OutboundTransport checks: a chain to a trusted CA that names the host. */
    private static Optional<String> problem(List<X509Certificate> chain, String host) {
        try {
            TRUST.trustManager().checkServerTrusted(chain.toArray(X509Certificate[]::new), "UNKNOWN");
        } catch (CertificateException e) {
            return Optional.of("untrusted certificate: " + e.getMessage());
        }
        return OutboundTrust.certificateMatches(chain.get(0), host) ? Optional.empty() : Optional.of("certificate does not name " + host);
    }

    private static MxTlsDecision decision(TlsPolicy policy) {
        return new MxTlsDecision(MX, policy, true, "tls policy " + policy.configurationName(), false);
    }

    private static MxTlsDecision reportOnly(TlsPolicy policy) {
        return new MxTlsDecision(MX, policy, true, "mta-sts testing", true);
    }

    private static InetAddress loopback() throws IOException {
        return InetAddress.getByName("127.0.0.1");
    }

    private static Answered answered(MxConversation.Result result) {
        assertThat(result).isInstanceOf(Answered.class);
        return (Answered) result;
    }

    private static HostFailed hostFailed(MxConversation.Result result) {
        assertThat(result).isInstanceOf(HostFailed.class);
        return (HostFailed) result;
    }

    /** The message, and a return path per recipient made of its local part, as VERP tokens are per recipient. */
    private static class Envelope implements OutboundEnvelope {
        private final byte[] message;

        Envelope(String message) {
            this.message = message.getBytes(StandardCharsets.UTF_8);
        }

        @Override
        public long size() {
            return message.length;
        }

        @Override
        public SmtpConnection.MessageContent content() {
            return output -> output.write(message);
        }

        @Override
        public String returnPath(MailAddress recipient) {
            return "bounces+" + recipient.getLocalPart() + "@bounce.helpdesk.example";
        }
    }
}
