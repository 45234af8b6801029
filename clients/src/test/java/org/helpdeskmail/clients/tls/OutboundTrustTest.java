package org.helpdeskmail.clients.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;

import org.helpdeskmail.testing.tls.IssuedCertificate;
import org.helpdeskmail.testing.tls.TestCertificateAuthority;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OutboundTrustTest {
    private static final TestCertificateAuthority CA = TestCertificateAuthority.create("outbound test CA");

    @Test
    void verifyAcceptsAChainToTheConfiguredCaNamingTheMx(@TempDir Path directory) throws Exception {
        Path pem = directory.resolve("ca.pem");
        CA.trustPem(pem);
        OutboundTrust trust = OutboundTrust.load(Optional.of(pem));

        String seen = handshake(CA.issue("mx.example.com"), trust, "MX.example.com.", TlsPolicy.VERIFY);

        assertThat(seen).startsWith("TLSv1.");
    }

    @Test
    void verifyAcceptsAWildcardForOneLabel() throws Exception {
        OutboundTrust trust = OutboundTrust.withCertificates(List.of(CA.certificate()));

        assertThat(handshake(CA.issue("*.example.com"), trust, "mx1.example.com", TlsPolicy.VERIFY)).startsWith("TLSv1.");
        assertThatThrownBy(() -> handshake(CA.issue("*.example.com"), trust, "a.mx1.example.com", TlsPolicy.VERIFY))
                .isInstanceOf(SSLPeerUnverifiedException.class)
                .hasMessage("certificate of a.mx1.example.com is for [*.example.com], not a.mx1.example.com");
    }

    @Test
    void verifyRefusesACertificateForAnotherHost() {
        OutboundTrust trust = OutboundTrust.withCertificates(List.of(CA.certificate()));

        assertThatThrownBy(() -> handshake(CA.issue("mx.other.example"), trust, "mx.example.com", TlsPolicy.VERIFY))
                .isInstanceOf(SSLPeerUnverifiedException.class)
                .hasMessageContaining("[mx.other.example]");
    }

    @Test
    void verifyRefusesASelfSignedOrUntrustedCertificate() {
        OutboundTrust trust = OutboundTrust.withCertificates(List.of(CA.certificate()));

        assertThatThrownBy(() -> handshake(TestCertificateAuthority.selfSigned("mx.example.com"), trust, "mx.example.com", TlsPolicy.VERIFY))
                .isInstanceOf(SSLHandshakeException.class);
        assertThatThrownBy(() -> handshake(CA.issue("mx.example.com"), OutboundTrust.jdkDefault(), "mx.example.com", TlsPolicy.VERIFY))
                .isInstanceOf(SSLHandshakeException.class);
        assertThatThrownBy(() -> handshake(CA.issueExpired("mx.example.com"), trust, "mx.example.com", TlsPolicy.VERIFY))
                .isInstanceOf(SSLHandshakeException.class);
    }

    @Test
    void encryptAndMayAcceptAnyCertificate() throws Exception {
        OutboundTrust trust = OutboundTrust.jdkDefault();
        IssuedCertificate wrong = TestCertificateAuthority.selfSigned("somewhere.else");

        assertThat(handshake(wrong, trust, "mx.example.com", TlsPolicy.ENCRYPT)).startsWith("TLSv1.");
        assertThat(handshake(wrong, trust, "mx.example.com", TlsPolicy.MAY)).startsWith("TLSv1.");
    }

    @Test
    void noneNeverStartsTls() throws IOException {
        try (Socket unconnected = new Socket()) {
            assertThatThrownBy(() -> OutboundTrust.jdkDefault().startTls(unconnected, "mx.example.com", TlsPolicy.NONE))
                    .isInstanceOf(IllegalArgumentException.class);
        }
    }

    @Test
    void dnsNamesWhenThereAreSomeElseTheCommonName() {
        assertThat(OutboundTrust.certificateNames(CA.issue("mx.example.com", "mx2.example.com", "127.0.0.1").certificate()))
                .containsExactly("mx.example.com", "mx2.example.com");
        assertThat(OutboundTrust.certificateNames(CA.issue("127.0.0.1").certificate())).containsExactly("127.0.0.1");
        assertThat(OutboundTrust.certificateNames(CA.certificate())).containsExactly("outbound test CA");
        assertThat(OutboundTrust.certificateMatches(CA.issue("mx.example.com", "127.0.0.1").certificate(), "MX.EXAMPLE.COM")).isTrue();
        assertThat(OutboundTrust.certificateMatches(CA.issue("127.0.0.1").certificate(), "mx.example.com")).isFalse();
    }

    @Test
    void aTrustFileWithoutCertificatesIsAConfigurationError(@TempDir Path directory) throws IOException {
        Path empty = Files.writeString(directory.resolve("empty.pem"), "nothing here\n");
        Path missing = directory.resolve("missing.pem");

        assertThatThrownBy(() -> OutboundTrust.load(Optional.of(empty)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("outbound.trustedCertificates: ")
                .hasMessageContaining(empty.toString());
        assertThatThrownBy(() -> OutboundTrust.load(Optional.of(missing)))
                .hasMessageStartingWith("outbound.trustedCertificates: cannot read certificates from " + missing);
    }

    /** STARTTLS-style: a plain connection first, then TLS layered on it; returns the negotiated protocol and cipher. */
    private static String handshake(IssuedCertificate serverCertificate, OutboundTrust trust, String mxHost, TlsPolicy policy)
            throws Exception {
        try (SSLServerSocket listener = (SSLServerSocket) serverCertificate.sslContext().getServerSocketFactory()
                .createServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            CompletableFuture<Void> peer = CompletableFuture.runAsync(() -> {
                try (SSLSocket accepted = (SSLSocket) listener.accept()) {
                    accepted.setSoTimeout(5_000);
                    accepted.startHandshake();
                    accepted.getInputStream().read();
                } catch (IOException ignored) {
                    // a refused handshake shows on the client side
                }
            });
            Socket plain = new Socket();
            plain.connect(new InetSocketAddress("127.0.0.1", listener.getLocalPort()), 5_000);
            plain.setSoTimeout(5_000);
            try (SSLSocket tls = trust.startTls(plain, mxHost, policy)) {
                tls.getOutputStream().write('x');
                tls.getOutputStream().flush();
                return tls.getSession().getProtocol() + " " + tls.getSession().getCipherSuite();
            } finally {
                plain.close();
                peer.get(10, TimeUnit.SECONDS);
            }
        }
    }
}
