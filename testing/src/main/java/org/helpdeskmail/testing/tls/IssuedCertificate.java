package org.helpdeskmail.testing.tls;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.stream.Collectors;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;

import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;

/**
 * A server certificate made by {@link TestCertificateAuthority}: its key pair and its chain, leaf
 * first (then the CA certificate, unless self-signed), in the forms TLS servers are configured with.
 */
public record IssuedCertificate(KeyPair keyPair, List<X509Certificate> chain) {
    private static final char[] KEY_STORE_PASSWORD = "test".toCharArray();

    public IssuedCertificate {
        chain = List.copyOf(chain);
        if (chain.isEmpty()) {
            throw new IllegalArgumentException("a certificate chain has at least the leaf");
        }
    }

    /** The leaf (end-entity) certificate. */
    public X509Certificate certificate() {
        return chain.get(0);
    }

    /** A server-side context presenting this certificate and chain (no client certificates asked). */
    public SSLContext sslContext() {
        try {
            KeyManagerFactory keyManagers = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            keyManagers.init(keyStore(), KEY_STORE_PASSWORD);
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(keyManagers.getKeyManagers(), null, null);
            return context;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot create a TLS server context for " + certificate().getSubjectX500Principal(), e);
        }
    }

    /** An in-memory PKCS#12 key store with the key and chain under alias {@code server}, password {@code test}. */
    public KeyStore keyStore() {
        try {
            KeyStore keyStore = KeyStore.getInstance("PKCS12");
            keyStore.load(null, KEY_STORE_PASSWORD);
            keyStore.setKeyEntry("server", keyPair.getPrivate(), KEY_STORE_PASSWORD, chain.toArray(Certificate[]::new));
            return keyStore;
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalStateException("cannot build a key store", e);
        }
    }

    /** The private key as PKCS#8 PEM ({@code BEGIN PRIVATE KEY}). */
    public String privateKeyPem() {
        try {
            return TestCertificateAuthority.pemOf(new JcaPKCS8Generator(keyPair.getPrivate(), null).generate());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot encode the private key", e);
        }
    }

    /** The chain as concatenated PEM certificates, leaf first. */
    public String chainPem() {
        return chain.stream().map(TestCertificateAuthority::pemOf).collect(Collectors.joining());
    }

    /** Writes the PKCS#8 private key and the PEM chain (leaf first), as TLS servers' key/certificate files. */
    public void writePem(Path keyFile, Path certificateFile) {
        try {
            Files.writeString(keyFile, privateKeyPem(), StandardCharsets.US_ASCII);
            Files.writeString(certificateFile, chainPem(), StandardCharsets.US_ASCII);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + keyFile + " or " + certificateFile, e);
        }
    }
}
