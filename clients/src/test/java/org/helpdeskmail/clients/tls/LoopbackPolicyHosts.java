package org.helpdeskmail.clients.tls;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.List;

import org.helpdeskmail.testing.tls.MtaStsPolicyServer;
import org.helpdeskmail.testing.tls.TestCertificateAuthority;

import okhttp3.Dns;

/** Test wiring: every {@code mta-sts.*} name resolves to 127.0.0.1, where an {@link MtaStsPolicyServer} listens. */
final class LoopbackPolicyHosts {
    static final Duration TIMEOUT = Duration.ofSeconds(5);

    /** Only policy hosts resolve, to loopback; anything else is unknown, so no test reaches a real host. */
    static final Dns DNS = hostname -> {
        if (!hostname.startsWith("mta-sts.")) {
            throw new UnknownHostException(hostname + " is not a policy host of the tests");
        }
        return List.of(InetAddress.getByAddress(hostname, new byte[] {127, 0, 0, 1}));
    };

    private LoopbackPolicyHosts() {
    }

    /** A fetcher trusting the JDK's CAs and {@code authority}, for policy hosts on {@code server}'s port. */
    static MtaStsPolicyFetcher fetcher(TestCertificateAuthority authority, MtaStsPolicyServer server) {
        OutboundTrust trust = OutboundTrust.withCertificates(List.of(authority.certificate()));
        return new MtaStsPolicyFetcher(trust.trustManager(), trust.verifyingSocketFactory(), DNS, server.port(), TIMEOUT);
    }

    static String policy(String mode, String mx, long maxAgeSeconds) {
        return "version: STSv1\r\nmode: " + mode + "\r\nmx: " + mx + "\r\nmax_age: " + maxAgeSeconds + "\r\n";
    }
}
