package org.helpdeskmail.clients.tls;

import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Optional;

import javax.naming.InvalidNameException;
import javax.naming.ldap.LdapName;
import javax.naming.ldap.Rdn;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;
import javax.net.ssl.X509TrustManager;

/**
 * What outbound TLS trusts: the JDK's default CAs plus, optionally, the certificates of a PEM file
 * (configuration {@value #TRUSTED_CERTIFICATES}: a private CA, or the tests' CA). Used for SMTP
 * STARTTLS to MX hosts and for HTTPS to MTA-STS policy hosts.
 *
 * <pre>{@code
 * OutboundTrust trust = OutboundTrust.load(Optional.of(Path.of("conf/outbound-ca.pem")));
 * SSLSocket tls = trust.startTls(plainSocket, "mx.example.com", TlsPolicy.VERIFY); // after "220 ready"
 * }</pre>
 *
 * <p>Host names are checked by {@link #verifyHostName} against the MX host name (RFC 7672 §3.2.3,
 * RFC 8461 §4.1): the certificate's DNS names, or its CN when it has none; a wildcard only as the
 * whole left-most label, standing for exactly one label.
 */
public final class OutboundTrust {
    /** The configuration key naming the PEM file of extra trusted certificates. */
    public static final String TRUSTED_CERTIFICATES = "outbound.trustedCertificates";

    private static final int DNS_NAME = 2;

    private final X509TrustManager trustManager;
    private final SSLContext verifyingContext;
    private final SSLContext unverifiedContext;

    private OutboundTrust(X509TrustManager trustManager) {
        this.trustManager = trustManager;
        this.verifyingContext = context(trustManager);
        this.unverifiedContext = context(new AcceptAnyCertificate());
    }

    /** The JDK's default CAs only. */
    public static OutboundTrust jdkDefault() {
        return withCertificates(List.of());
    }

    /**
     * The JDK's default CAs plus every certificate of {@code pemFile} (one or more PEM
     * certificates), when given.
     *
     * @throws IllegalArgumentException naming {@value #TRUSTED_CERTIFICATES} and the file when it
     *     cannot be read or holds no certificate
     */
    public static OutboundTrust load(Optional<Path> pemFile) {
        if (pemFile.isEmpty()) {
            return jdkDefault();
        }
        Path file = pemFile.get();
        try (InputStream in = Files.newInputStream(file)) {
            List<X509Certificate> certificates = CertificateFactory.getInstance("X.509")
                    .generateCertificates(in).stream()
                    .map(X509Certificate.class::cast)
                    .toList();
            if (certificates.isEmpty()) {
                throw new IllegalArgumentException(TRUSTED_CERTIFICATES + ": " + file + " holds no PEM certificate");
            }
            return withCertificates(certificates);
        } catch (IOException | CertificateException e) {
            throw new IllegalArgumentException(TRUSTED_CERTIFICATES + ": cannot read certificates from " + file + ": " + e.getMessage(), e);
        }
    }

    /** The JDK's default CAs plus these certificates as trust anchors. */
    public static OutboundTrust withCertificates(Collection<X509Certificate> extraAnchors) {
        try {
            KeyStore anchors = KeyStore.getInstance("PKCS12");
            anchors.load(null, null);
            List<X509Certificate> all = new ArrayList<>(Arrays.asList(x509TrustManager(null).getAcceptedIssuers()));
            all.addAll(extraAnchors);
            for (int index = 0; index < all.size(); index++) {
                anchors.setCertificateEntry("anchor-" + index, all.get(index));
            }
            return new OutboundTrust(x509TrustManager(anchors));
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalStateException("cannot build the outbound trust store", e);
        }
    }

    /** Checks chains against the trusted CAs. */
    public X509TrustManager trustManager() {
        return trustManager;
    }

    /** TLS sockets whose handshake fails unless the chain leads to a trusted CA (host name: see {@link #verifyHostName}). */
    public SSLSocketFactory verifyingSocketFactory() {
        return verifyingContext.getSocketFactory();
    }

    /** TLS sockets that accept any certificate: {@link TlsPolicy#MAY} and {@link TlsPolicy#ENCRYPT}. */
    public SSLSocketFactory unverifiedSocketFactory() {
        return unverifiedContext.getSocketFactory();
    }

    /**
     * Layers TLS over a connected SMTP socket after the server's {@code 220} to STARTTLS, and
     * completes the handshake; under {@link TlsPolicy#VERIFY} also checks the chain and that the
     * certificate names {@code mxHost}. The TLS socket closes {@code plain} when closed. On failure
     * the connection is closed and the exception says why.
     *
     * @throws javax.net.ssl.SSLHandshakeException the handshake failed (under VERIFY: untrusted chain)
     * @throws SSLPeerUnverifiedException under VERIFY, the certificate does not name {@code mxHost}
     * @throws IllegalArgumentException for {@link TlsPolicy#NONE}, which never starts TLS
     */
    public SSLSocket startTls(Socket plain, String mxHost, TlsPolicy policy) throws IOException {
        if (!policy.usesStartTls()) {
            throw new IllegalArgumentException("TLS policy none never starts TLS (mx " + mxHost + ")");
        }
        SSLSocketFactory factory = policy.verifiesCertificate() ? verifyingSocketFactory() : unverifiedSocketFactory();
        SSLSocket tls = (SSLSocket) factory.createSocket(plain, HostNames.normalize(mxHost), plain.getPort(), true);
        try {
            tls.setUseClientMode(true);
            tls.startHandshake();
            if (policy.verifiesCertificate()) {
                verifyHostName(tls.getSession(), mxHost);
            }
            return tls;
        } catch (IOException | RuntimeException e) {
            tls.close();
            throw e;
        }
    }

    /**
     * Checks that the peer certificate of a completed handshake names {@code host}.
     *
     * @throws SSLPeerUnverifiedException naming the host and the names the certificate has
     */
    public static void verifyHostName(SSLSession session, String host) throws SSLPeerUnverifiedException {
        X509Certificate certificate = (X509Certificate) session.getPeerCertificates()[0];
        List<String> names = certificateNames(certificate);
        if (names.stream().noneMatch(name -> HostNames.matches(name, host))) {
            throw new SSLPeerUnverifiedException("certificate of " + host + " is for " + names + ", not " + host);
        }
    }

    /** Whether {@code certificate} names {@code host} under the rules of {@link #verifyHostName}. */
    public static boolean certificateMatches(X509Certificate certificate, String host) {
        return certificateNames(certificate).stream().anyMatch(name -> HostNames.matches(name, host));
    }

    /** The DNS names of the subject alternative names, or the subject CNs when there is none (RFC 6125 §6.4.4). */
    static List<String> certificateNames(X509Certificate certificate) {
        List<String> dnsNames = new ArrayList<>();
        try {
            Collection<List<?>> alternatives = certificate.getSubjectAlternativeNames();
            if (alternatives != null) {
                for (List<?> alternative : alternatives) {
                    if (((Integer) alternative.get(0)) == DNS_NAME) {
                        dnsNames.add((String) alternative.get(1));
                    }
                }
            }
        } catch (CertificateParsingException e) {
            return List.of();
        }
        if (!dnsNames.isEmpty()) {
            return dnsNames;
        }
        try {
            return new LdapName(certificate.getSubjectX500Principal().getName()).getRdns().stream()
                    .filter(rdn -> rdn.getType().equalsIgnoreCase("CN"))
                    .map(Rdn::getValue)
                    .map(String::valueOf)
                    .toList();
        } catch (InvalidNameException e) {
            return List.of();
        }
    }

    private static X509TrustManager x509TrustManager(KeyStore anchors) throws GeneralSecurityException {
        TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        factory.init(anchors);
        for (TrustManager manager : factory.getTrustManagers()) {
            if (manager instanceof X509TrustManager x509) {
                return x509;
            }
        }
        throw new IllegalStateException("the JDK gave no X509TrustManager");
    }

    private static SSLContext context(TrustManager trustManager) {
        try {
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, new TrustManager[] {trustManager}, null);
            return context;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot create a TLS client context", e);
        }
    }

    /**
     * Opportunistic TLS (RFC 7435): encryption without authentication. Extended, so the JDK does not
     * wrap it with checks of its own.
     */
    private static final class AcceptAnyCertificate extends X509ExtendedTrustManager {
        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) {
            throw new UnsupportedOperationException("client side only");
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) {
            throw new UnsupportedOperationException("client side only");
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) {
            throw new UnsupportedOperationException("client side only");
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) {
            // any certificate: the connection is encrypted, not authenticated
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) {
            // any certificate: the connection is encrypted, not authenticated
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) {
            // any certificate: the connection is encrypted, not authenticated
        }

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return new X509Certificate[0];
        }
    }
}
