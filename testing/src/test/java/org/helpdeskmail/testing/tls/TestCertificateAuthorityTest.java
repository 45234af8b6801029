package org.helpdeskmail.testing.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyFactory;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TestCertificateAuthorityTest {
    private static final TestCertificateAuthority CA = TestCertificateAuthority.create("helpdesk test CA");

    @Test
    void aClientTrustingTheCaCompletesAHandshakeWithAnIssuedCertificate() throws Exception {
        IssuedCertificate server = CA.issue("mx.example.com", "127.0.0.1");

        List<X509Certificate> seen = handshake(server.sslContext(), CA.trustingSslContext());

        assertThat(seen.get(0).getSubjectAlternativeNames())
                .extracting(entry -> (Object) entry.get(1))
                .containsExactly((Object) "mx.example.com", "127.0.0.1");
        assertThat(seen.get(0).getIssuerX500Principal()).isEqualTo(CA.certificate().getSubjectX500Principal());
    }

    @Test
    void aSelfSignedCertificateIsRefusedByAClientTrustingTheCa() {
        IssuedCertificate wrong = TestCertificateAuthority.selfSigned("mx.example.com");

        assertThat(wrong.chain()).hasSize(1);
        assertThatThrownBy(() -> handshake(wrong.sslContext(), CA.trustingSslContext()))
                .isInstanceOf(SSLHandshakeException.class);
    }

    @Test
    void anotherCasCertificateIsRefused() {
        IssuedCertificate foreign = TestCertificateAuthority.create("another CA").issue("mx.example.com");

        assertThatThrownBy(() -> handshake(foreign.sslContext(), CA.trustingSslContext()))
                .isInstanceOf(SSLHandshakeException.class);
    }

    @Test
    void anExpiredCertificateIsRefused() {
        IssuedCertificate expired = CA.issueExpired("mx.example.com");

        assertThatThrownBy(() -> handshake(expired.sslContext(), CA.trustingSslContext()))
                .isInstanceOf(SSLHandshakeException.class);
    }

    @Test
    void pemFilesReadBackAsTheSameKeyAndChain(@TempDir Path directory) throws Exception {
        IssuedCertificate issued = CA.issue("mx.example.com");
        Path key = directory.resolve("key.pem");
        Path chain = directory.resolve("chain.pem");
        Path trust = directory.resolve("ca.pem");

        issued.writePem(key, chain);
        CA.trustPem(trust);

        String keyText = Files.readString(key);
        assertThat(keyText).startsWith("-----BEGIN PRIVATE KEY-----");
        byte[] der = Base64.getMimeDecoder().decode(keyText.replaceAll("-----[A-Z ]+-----", ""));
        assertThat(KeyFactory.getInstance("RSA").generatePrivate(new PKCS8EncodedKeySpec(der)))
                .isEqualTo(issued.keyPair().getPrivate());
        assertThat(readCertificates(chain)).containsExactlyElementsOf(issued.chain());
        assertThat(readCertificates(trust)).containsExactly(CA.certificate());
    }

    private static List<X509Certificate> readCertificates(Path file) throws Exception {
        try (InputStream in = Files.newInputStream(file)) {
            return CertificateFactory.getInstance("X.509").generateCertificates(in).stream()
                    .map(X509Certificate.class::cast)
                    .toList();
        }
    }

    /** A real handshake over loopback; returns the chain the client saw. */
    private static List<X509Certificate> handshake(SSLContext serverContext, SSLContext clientContext) throws Exception {
        try (SSLServerSocket listener = (SSLServerSocket) serverContext.getServerSocketFactory()
                .createServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            CompletableFuture<Void> accepted = CompletableFuture.runAsync(() -> {
                try (SSLSocket peer = (SSLSocket) listener.accept()) {
                    peer.startHandshake();
                    peer.getOutputStream().write('x');
                    peer.getOutputStream().flush();
                } catch (IOException ignored) {
                    // the client's refusal shows on the client side
                }
            });
            try (SSLSocket client = (SSLSocket) clientContext.getSocketFactory().createSocket()) {
                client.connect(new InetSocketAddress("127.0.0.1", listener.getLocalPort()), 5_000);
                client.setSoTimeout(5_000);
                client.startHandshake();
                assertThat(client.getInputStream().read()).isEqualTo('x');
                return List.of((X509Certificate[]) client.getSession().getPeerCertificates());
            } finally {
                accepted.get(10, TimeUnit.SECONDS);
            }
        }
    }
}
