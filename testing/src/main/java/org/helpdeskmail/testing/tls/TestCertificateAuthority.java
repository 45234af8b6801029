package org.helpdeskmail.testing.tls;

import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.Date;
import java.util.List;
import java.util.regex.Pattern;

import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;

import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.CertIOException;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * A certificate authority for tests: it issues server certificates for the DNS names a test
 * chooses, so that real TLS peers (receiving SMTP servers, the MTA-STS policy host) present a
 * chain that the code under test verifies against this CA and nothing else.
 *
 * <pre>{@code
 * TestCertificateAuthority ca = TestCertificateAuthority.create("test CA");
 * IssuedCertificate mx = ca.issue("mx.example.com");
 * SSLContext server = mx.sslContext();           // the receiving peer's side
 * SSLContext client = ca.trustingSslContext();   // trusts this CA only
 * ca.trustPem(dir.resolve("ca.pem"));            // e.g. outbound.trustedCertificates
 * IssuedCertificate wrong = TestCertificateAuthority.selfSigned("mx.example.com");
 * }</pre>
 *
 * <p>Keys are RSA 2048, signatures SHA256withRSA: what every TLS stack and PEM reader accepts (the
 * JDK, James's PEM loader, OpenSSL in Postfix). Certificates are valid from an hour ago (clock skew
 * between processes) for {@link #VALIDITY}, by the wall clock, since TLS peers check that clock.
 *
 * <p>Uses BouncyCastle's builders with the JDK's providers; no provider is registered globally.
 */
public final class TestCertificateAuthority {
    /** How long issued certificates are valid: longer than any test run. */
    public static final Duration VALIDITY = Duration.ofDays(7);

    private static final Duration BACKDATING = Duration.ofHours(1);
    private static final String SIGNATURE_ALGORITHM = "SHA256withRSA";
    private static final int KEY_BITS = 2048;
    private static final Pattern IPV4_LITERAL = Pattern.compile("\\d{1,3}(\\.\\d{1,3}){3}");
    private static final char[] KEY_STORE_PASSWORD = "test".toCharArray();

    private final KeyPair keyPair;
    private final X509Certificate certificate;
    private final SecureRandom random;

    private TestCertificateAuthority(KeyPair keyPair, X509Certificate certificate, SecureRandom random) {
        this.keyPair = keyPair;
        this.certificate = certificate;
        this.random = random;
    }

    /** A new CA with its own key; {@code name} becomes the CN of its self-signed certificate. */
    public static TestCertificateAuthority create(String name) {
        SecureRandom random = new SecureRandom();
        KeyPair keyPair = generateKeyPair(random);
        X509v3CertificateBuilder builder = selfIssued(name, keyPair, random);
        try {
            JcaX509ExtensionUtils extensions = new JcaX509ExtensionUtils();
            builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(0));
            builder.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
            builder.addExtension(Extension.subjectKeyIdentifier, false,
                    extensions.createSubjectKeyIdentifier(keyPair.getPublic()));
        } catch (CertIOException | GeneralSecurityException e) {
            throw new IllegalStateException("cannot build the CA certificate of " + name, e);
        }
        return new TestCertificateAuthority(keyPair, sign(builder, keyPair.getPrivate()), random);
    }

    /**
     * A certificate for these names signed by this CA; the first name is also the subject CN.
     * IPv4 literals such as {@code 127.0.0.1} become IP address entries, the rest DNS names
     * (wildcards such as {@code *.example.com} included).
     */
    public IssuedCertificate issue(String... names) {
        Instant now = Instant.now();
        return issue(now.minus(BACKDATING), now.plus(VALIDITY), names);
    }

    /** As {@link #issue}, but expired since yesterday: for "certificate not valid" tests. */
    public IssuedCertificate issueExpired(String... names) {
        Instant now = Instant.now();
        return issue(now.minus(Duration.ofDays(30)), now.minus(Duration.ofDays(1)), names);
    }

    /**
     * A certificate for these names that no CA signed (its own issuer): the "wrong certificate" a
     * verifying client must refuse even though the names match.
     */
    public static IssuedCertificate selfSigned(String... names) {
        requireNames(names);
        SecureRandom random = new SecureRandom();
        KeyPair keyPair = generateKeyPair(random);
        X509v3CertificateBuilder builder = selfIssued(names[0], keyPair, random);
        addServerExtensions(builder, keyPair.getPublic(), names);
        return new IssuedCertificate(keyPair, List.of(sign(builder, keyPair.getPrivate())));
    }

    /** The CA's own certificate, the trust anchor. */
    public X509Certificate certificate() {
        return certificate;
    }

    /** The CA certificate as PEM text. */
    public String trustPemText() {
        return pemOf(certificate);
    }

    /** Writes the CA certificate as PEM, for configurations that take a trusted-certificates file. */
    public void trustPem(Path file) {
        try {
            Files.writeString(file, trustPemText(), StandardCharsets.US_ASCII);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }

    /** A trust manager that trusts certificates issued by this CA and no other. */
    public X509TrustManager trustManager() {
        try {
            KeyStore trustStore = KeyStore.getInstance("PKCS12");
            trustStore.load(null, KEY_STORE_PASSWORD);
            trustStore.setCertificateEntry("ca", certificate);
            TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            factory.init(trustStore);
            return Arrays.stream(factory.getTrustManagers())
                    .filter(X509TrustManager.class::isInstance)
                    .map(X509TrustManager.class::cast)
                    .findFirst()
                    .orElseThrow(() -> new IllegalStateException("the JDK gave no X509TrustManager"));
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalStateException("cannot build a trust store for the test CA", e);
        }
    }

    /** A client-side context that trusts this CA only (host names are the caller's to check). */
    public SSLContext trustingSslContext() {
        try {
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, new javax.net.ssl.TrustManager[] {trustManager()}, random);
            return context;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot create a TLS client context", e);
        }
    }

    private IssuedCertificate issue(Instant notBefore, Instant notAfter, String... names) {
        requireNames(names);
        KeyPair leafKeys = generateKeyPair(random);
        X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(certificate, serial(random),
                Date.from(notBefore), Date.from(notAfter), commonName(names[0]), leafKeys.getPublic());
        try {
            builder.addExtension(Extension.authorityKeyIdentifier, false,
                    new JcaX509ExtensionUtils().createAuthorityKeyIdentifier(certificate));
        } catch (CertIOException | GeneralSecurityException e) {
            throw new IllegalStateException("cannot reference the CA in a certificate for " + names[0], e);
        }
        addServerExtensions(builder, leafKeys.getPublic(), names);
        return new IssuedCertificate(leafKeys, List.of(sign(builder, keyPair.getPrivate()), certificate));
    }

    /** A certificate of {@code keyPair} issued by its own subject, valid from now. */
    private static X509v3CertificateBuilder selfIssued(String commonName, KeyPair keyPair, SecureRandom random) {
        X500Name subject = commonName(commonName);
        Instant now = Instant.now();
        return new JcaX509v3CertificateBuilder(subject, serial(random),
                Date.from(now.minus(BACKDATING)), Date.from(now.plus(VALIDITY)), subject, keyPair.getPublic());
    }

    private static void addServerExtensions(X509v3CertificateBuilder builder, PublicKey publicKey, String... names) {
        GeneralName[] alternativeNames = Arrays.stream(names)
                .map(name -> IPV4_LITERAL.matcher(name).matches()
                        ? new GeneralName(GeneralName.iPAddress, name)
                        : new GeneralName(GeneralName.dNSName, name))
                .toArray(GeneralName[]::new);
        try {
            builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
            builder.addExtension(Extension.keyUsage, true,
                    new KeyUsage(KeyUsage.digitalSignature | KeyUsage.keyEncipherment));
            builder.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(
                    new KeyPurposeId[] {KeyPurposeId.id_kp_serverAuth, KeyPurposeId.id_kp_clientAuth}));
            builder.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(alternativeNames));
            builder.addExtension(Extension.subjectKeyIdentifier, false,
                    new JcaX509ExtensionUtils().createSubjectKeyIdentifier(publicKey));
        } catch (CertIOException | GeneralSecurityException e) {
            throw new IllegalStateException("cannot build a certificate for " + names[0], e);
        }
    }

    private static void requireNames(String... names) {
        if (names.length == 0) {
            throw new IllegalArgumentException("a server certificate needs at least one name");
        }
    }

    private static X509Certificate sign(X509v3CertificateBuilder builder, PrivateKey signingKey) {
        try {
            return new JcaX509CertificateConverter()
                    .getCertificate(builder.build(new JcaContentSignerBuilder(SIGNATURE_ALGORITHM).build(signingKey)));
        } catch (OperatorCreationException | GeneralSecurityException e) {
            throw new IllegalStateException("cannot sign a test certificate", e);
        }
    }

    private static KeyPair generateKeyPair(SecureRandom random) {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
            generator.initialize(KEY_BITS, random);
            return generator.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("the JDK cannot generate RSA keys", e);
        }
    }

    private static X500Name commonName(String name) {
        return new X500NameBuilder(BCStyle.INSTANCE).addRDN(BCStyle.CN, name).build();
    }

    /** RFC 5280 §4.1.2.2: positive, unique per issuer, at most 20 octets. */
    private static BigInteger serial(SecureRandom random) {
        return new BigInteger(128, random);
    }

    static String pemOf(Object object) {
        StringWriter text = new StringWriter();
        try (JcaPEMWriter writer = new JcaPEMWriter(text)) {
            writer.writeObject(object);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write PEM", e);
        }
        return text.toString();
    }
}
