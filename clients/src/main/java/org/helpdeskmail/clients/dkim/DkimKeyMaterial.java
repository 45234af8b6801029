package org.helpdeskmail.clients.dkim;

import java.io.IOException;
import java.io.StringReader;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.interfaces.RSAPrivateCrtKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.RSAPublicKeySpec;
import java.util.Base64;

import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.ASN1OctetString;
import org.bouncycastle.asn1.DERNull;
import org.bouncycastle.asn1.edec.EdECObjectIdentifiers;
import org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.asn1.pkcs.RSAPrivateKey;
import org.bouncycastle.asn1.x509.AlgorithmIdentifier;
import org.bouncycastle.crypto.params.Ed25519PrivateKeyParameters;
import org.bouncycastle.util.io.pem.PemObject;
import org.bouncycastle.util.io.pem.PemReader;

/**
 * A DKIM private key and what is derived from it: generated, read from PEM (PKCS#8
 * {@code PRIVATE KEY} as OpenSSL writes it, or PKCS#1 {@code RSA PRIVATE KEY} as opendkim-genkey
 * does), written as PKCS#8 PEM, and the {@code p=} value of its DNS record.
 *
 * @param publicKey base64 {@code p=} value (see {@link DkimKey#publicKey()})
 */
public record DkimKeyMaterial(DkimAlgorithm algorithm, PrivateKey privateKey, String publicKey, int bits) {
    /** RFC 8301 §3.2: verifiers must not accept shorter RSA keys. */
    static final int MINIMUM_RSA_BITS = 1024;
    static final int GENERATED_RSA_BITS = 2048;
    private static final int ED25519_BITS = 256;

    /** A new key: RSA 2048 bits, or Ed25519. */
    public static DkimKeyMaterial generate(DkimAlgorithm algorithm) {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance(algorithm == DkimAlgorithm.RSA ? "RSA" : "Ed25519");
            if (algorithm == DkimAlgorithm.RSA) {
                generator.initialize(GENERATED_RSA_BITS);
            }
            KeyPair pair = generator.generateKeyPair();
            return fromPrivateKeyInfo(PrivateKeyInfo.getInstance(pair.getPrivate().getEncoded()));
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalStateException("cannot generate a " + algorithm.keyType() + " key", e);
        }
    }

    /**
     * Reads the first private key of PEM text.
     *
     * @throws IllegalArgumentException naming what is wrong: no key, an encrypted key, another key type, a short RSA key
     */
    public static DkimKeyMaterial fromPem(String pem) {
        PemObject object;
        try (PemReader reader = new PemReader(new StringReader(pem))) {
            object = reader.readPemObject();
        } catch (IOException | RuntimeException e) {
            throw new IllegalArgumentException("not PEM text: " + e.getMessage());
        }
        if (object == null) {
            throw new IllegalArgumentException("no PEM private key (-----BEGIN PRIVATE KEY----- or -----BEGIN RSA PRIVATE KEY-----)");
        }
        try {
            return switch (object.getType()) {
                case "PRIVATE KEY" -> fromPrivateKeyInfo(PrivateKeyInfo.getInstance(object.getContent()));
                case "RSA PRIVATE KEY" -> fromPrivateKeyInfo(new PrivateKeyInfo(
                    new AlgorithmIdentifier(PKCSObjectIdentifiers.rsaEncryption, DERNull.INSTANCE), RSAPrivateKey.getInstance(object.getContent())));
                case "ENCRYPTED PRIVATE KEY" -> throw new IllegalArgumentException("the private key is encrypted: give it unencrypted "
                    + "(openssl pkcs8 -topk8 -nocrypt)");
                default -> throw new IllegalArgumentException("PEM block '" + object.getType() + "' is not a private key");
            };
        } catch (GeneralSecurityException | IOException | IllegalStateException e) {
            throw new IllegalArgumentException("not a usable private key: " + e.getMessage());
        }
    }

    private static DkimKeyMaterial fromPrivateKeyInfo(PrivateKeyInfo info) throws GeneralSecurityException, IOException {
        ASN1ObjectIdentifier type = info.getPrivateKeyAlgorithm().getAlgorithm();
        PKCS8EncodedKeySpec encoded = new PKCS8EncodedKeySpec(info.getEncoded());
        if (type.equals(PKCSObjectIdentifiers.rsaEncryption)) {
            KeyFactory factory = KeyFactory.getInstance("RSA");
            RSAPrivateCrtKey key = (RSAPrivateCrtKey) factory.generatePrivate(encoded);
            int bits = key.getModulus().bitLength();
            if (bits < MINIMUM_RSA_BITS) {
                throw new IllegalArgumentException("the RSA key has " + bits + " bits; DKIM needs at least " + MINIMUM_RSA_BITS
                    + " (RFC 8301), 2048 recommended");
            }
            PublicKey publicKey = factory.generatePublic(new RSAPublicKeySpec(key.getModulus(), key.getPublicExponent()));
            return new DkimKeyMaterial(DkimAlgorithm.RSA, key, Base64.getEncoder().encodeToString(publicKey.getEncoded()), bits);
        }
        if (type.equals(EdECObjectIdentifiers.id_Ed25519)) {
            PrivateKey key = KeyFactory.getInstance("Ed25519").generatePrivate(encoded);
            // The JDK cannot derive an Ed25519 public key; BouncyCastle can, from the 32-byte seed.
            byte[] seed = ASN1OctetString.getInstance(info.parsePrivateKey()).getOctets();
            byte[] rawPublicKey = new Ed25519PrivateKeyParameters(seed, 0).generatePublicKey().getEncoded();
            return new DkimKeyMaterial(DkimAlgorithm.ED25519, key, Base64.getEncoder().encodeToString(rawPublicKey), ED25519_BITS);
        }
        throw new IllegalArgumentException("the key is neither RSA nor Ed25519 (algorithm " + type.getId() + ")");
    }

    /** PKCS#8 PEM, the form the store writes. */
    public String toPem() {
        return "-----BEGIN PRIVATE KEY-----\n"
            + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(privateKey.getEncoded())
            + "\n-----END PRIVATE KEY-----\n";
    }

    DkimKey toKey(String domain, String selector, boolean active) {
        return new DkimKey(domain, selector, algorithm, privateKey, publicKey, bits, active);
    }

    @Override
    public String toString() {
        return "DkimKeyMaterial[" + algorithm.keyType() + " " + bits + "]";
    }
}
