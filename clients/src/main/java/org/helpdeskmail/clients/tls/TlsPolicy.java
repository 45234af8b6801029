package org.helpdeskmail.clients.tls;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * How delivery to one MX host uses TLS, after the levels of Postfix's {@code smtp_tls_security_level}.
 *
 * <p>{@link #MAY} is opportunistic security (RFC 7435): STARTTLS whenever the server offers it,
 * any certificate accepted, and when the handshake itself fails the delivery is retried on a new
 * connection in clear, as Postfix does. Refusing to deliver would make a broken TLS setup on the
 * receiving side worse than no TLS at all, which is what opportunistic security rules out; a
 * passive observer learns nothing more than without STARTTLS, and an active attacker can strip
 * STARTTLS anyway. Domains that need more get {@link #ENCRYPT} or {@link #VERIFY} from the policy
 * table or from MTA-STS.
 */
public enum TlsPolicy {
    /** Never STARTTLS, even when offered. */
    NONE,
    /** STARTTLS when offered, certificate not checked; clear when not offered or when the handshake fails. */
    MAY,
    /** TLS required (no STARTTLS or a failed handshake defers); certificate not checked. */
    ENCRYPT,
    /** TLS required, and the certificate chains to a trusted CA and names the MX host. */
    VERIFY;

    /** Whether STARTTLS is issued when the server offers it. */
    public boolean usesStartTls() {
        return this != NONE;
    }

    /** Whether the delivery must not go on in clear (no STARTTLS offered, or TLS failed). */
    public boolean requiresTls() {
        return this == ENCRYPT || this == VERIFY;
    }

    /** Whether the certificate chain and the MX host name are verified. */
    public boolean verifiesCertificate() {
        return this == VERIFY;
    }

    /** Whether a failed TLS handshake is followed by a new attempt in clear on a new connection. */
    public boolean retriesInClearAfterHandshakeFailure() {
        return this == MAY;
    }

    /** The name as written in configuration: {@code none}, {@code may}, {@code encrypt}, {@code verify}. */
    public String configurationName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /**
     * The level named {@code name}, ignoring case.
     *
     * @throws IllegalArgumentException naming the value and the accepted ones
     */
    public static TlsPolicy parse(String name) {
        for (TlsPolicy policy : values()) {
            if (policy.configurationName().equalsIgnoreCase(name.strip())) {
                return policy;
            }
        }
        throw new IllegalArgumentException("unknown TLS policy '" + name + "' (expected one of "
                + Arrays.stream(values()).map(TlsPolicy::configurationName).collect(Collectors.joining(", ")) + ")");
    }
}
