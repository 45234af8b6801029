package org.helpdeskmail.clients.dkim;

import java.security.PrivateKey;

/**
 * One signing key of the store.
 *
 * @param publicKey the base64 {@code p=} value of the DNS record: a SubjectPublicKeyInfo for RSA,
 *                  the raw 32 bytes for Ed25519 (RFC 8463 §4.2)
 * @param bits      the RSA modulus length, 256 for Ed25519
 * @param active    whether this selector signs for its domain (one active key per algorithm)
 */
public record DkimKey(String domain, String selector, DkimAlgorithm algorithm, PrivateKey privateKey, String publicKey, int bits,
                      boolean active) {

    /** Where the public key is published: {@code <selector>._domainkey.<domain>}. */
    public String dnsName() {
        return selector + "._domainkey." + domain;
    }

    /** The TXT record to publish at {@link #dnsName()}. */
    public String dnsRecord() {
        return "v=DKIM1; k=" + algorithm.keyType() + "; p=" + publicKey;
    }

    DkimKey withActive(boolean isActive) {
        return new DkimKey(domain, selector, algorithm, privateKey, publicKey, bits, isActive);
    }

    @Override
    public String toString() {
        // Never print the private key.
        return "DkimKey[" + dnsName() + ", " + algorithm.keyType() + " " + bits + (active ? ", active" : "") + "]";
    }
}
