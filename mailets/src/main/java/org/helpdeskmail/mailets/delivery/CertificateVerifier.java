package org.helpdeskmail.mailets.delivery;

import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Optional;

/** Checks the chain an MX presented: trusted root, validity, host name. */
@FunctionalInterface
public interface CertificateVerifier {
    /** Why the chain is not acceptable for {@code host}; empty when it is. */
    Optional<String> problem(List<X509Certificate> chain, String host);
}
