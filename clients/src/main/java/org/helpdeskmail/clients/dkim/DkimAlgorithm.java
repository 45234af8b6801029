package org.helpdeskmail.clients.dkim;

import java.util.Arrays;
import java.util.Locale;

/** The two key types DKIM signers use today: RSA (RFC 6376, RFC 8301) and Ed25519 (RFC 8463). */
public enum DkimAlgorithm {
    RSA("rsa", "rsa-sha256"),
    ED25519("ed25519", "ed25519-sha256");

    private final String keyType;
    private final String signatureAlgorithm;

    DkimAlgorithm(String keyType, String signatureAlgorithm) {
        this.keyType = keyType;
        this.signatureAlgorithm = signatureAlgorithm;
    }

    /** The {@code k=} of the DNS key record. */
    public String keyType() {
        return keyType;
    }

    /** The {@code a=} of the DKIM-Signature. */
    public String signatureAlgorithm() {
        return signatureAlgorithm;
    }

    /** {@code rsa} or {@code ed25519}, any case. */
    public static DkimAlgorithm parse(String value) {
        return Arrays.stream(values())
            .filter(algorithm -> algorithm.keyType.equals(value.trim().toLowerCase(Locale.ROOT)))
            .findFirst()
            .orElseThrow(() -> new IllegalArgumentException("'" + value + "' is not a DKIM key type (rsa or ed25519)"));
    }
}
