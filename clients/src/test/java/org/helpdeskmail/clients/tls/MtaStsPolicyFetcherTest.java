package org.helpdeskmail.clients.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.helpdeskmail.clients.tls.LoopbackPolicyHosts.policy;

import java.net.UnknownHostException;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.helpdeskmail.clients.tls.MtaStsPolicy.Mode;
import org.helpdeskmail.testing.tls.MtaStsPolicyServer;
import org.helpdeskmail.testing.tls.MtaStsPolicyServer.PolicyResponse;
import org.helpdeskmail.testing.tls.TestCertificateAuthority;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class MtaStsPolicyFetcherTest {
    private static final TestCertificateAuthority CA = TestCertificateAuthority.create("fetcher test CA");
    private static final String POLICY = policy("enforce", "mx.example.com", 86400);

    private final MtaStsPolicyServer server = MtaStsPolicyServer.start(CA, "example.com", "other.example");
    private final MtaStsPolicyFetcher fetcher = LoopbackPolicyHosts.fetcher(CA, server);

    @AfterEach
    void stop() {
        server.close();
    }

    @Test
    void fetchesAPolicyOverHttpsWithACertificateOfTheTrustedCa() {
        server.policy("example.com", POLICY);

        assertThat(fetcher.fetch("example.com", "id1"))
                .contains(new MtaStsPolicy(Mode.ENFORCE, List.of("mx.example.com"), Duration.ofDays(1), "id1"));
        assertThat(server.requests("example.com")).isEqualTo(1);
    }

    @Test
    void aSelfSignedCertificateGivesNoPolicyAndNoRequest() {
        try (MtaStsPolicyServer impostor = MtaStsPolicyServer.start(TestCertificateAuthority.selfSigned("mta-sts.example.com"))) {
            impostor.policy("example.com", POLICY);

            assertThat(LoopbackPolicyHosts.fetcher(CA, impostor).fetch("example.com", "id1")).isEmpty();
            assertThat(impostor.requests("example.com")).isZero();
        }
    }

    @Test
    void aCertificateForAnotherHostGivesNoPolicy() {
        try (MtaStsPolicyServer elsewhere = MtaStsPolicyServer.start(CA, "other.example")) {
            elsewhere.policy("example.com", POLICY);

            assertThat(LoopbackPolicyHosts.fetcher(CA, elsewhere).fetch("example.com", "id1")).isEmpty();
            assertThat(elsewhere.requests("example.com")).isZero();
        }
    }

    @Test
    void withoutTheTestCaInTheTrustThereIsNoPolicy() {
        server.policy("example.com", POLICY);
        OutboundTrust jdkOnly = OutboundTrust.jdkDefault();
        MtaStsPolicyFetcher untrusting = new MtaStsPolicyFetcher(jdkOnly.trustManager(), jdkOnly.verifyingSocketFactory(),
                LoopbackPolicyHosts.DNS, server.port(), LoopbackPolicyHosts.TIMEOUT);

        assertThat(untrusting.fetch("example.com", "id1")).isEmpty();
    }

    @Test
    void aRedirectIsNotFollowed() {
        server.policy("other.example", POLICY);
        server.respond("example.com", PolicyResponse.redirect(
                "https://mta-sts.other.example:" + server.port() + MtaStsPolicyServer.POLICY_PATH));

        assertThat(fetcher.fetch("example.com", "id1")).isEmpty();
        assertThat(server.requests("example.com")).isEqualTo(1);
        assertThat(server.requests("other.example")).isZero();
    }

    @Test
    void statusesOtherThan200GiveNoPolicy() {
        server.respond("example.com", PolicyResponse.status(404));
        assertThat(fetcher.fetch("example.com", "id1")).isEmpty();

        server.respond("example.com", PolicyResponse.status(500));
        assertThat(fetcher.fetch("example.com", "id1")).isEmpty();

        server.respond("example.com", new PolicyResponse(203, "text/plain", POLICY, Map.of()));
        assertThat(fetcher.fetch("example.com", "id1")).isEmpty();
        assertThat(server.requests("example.com")).isEqualTo(3);
    }

    @Test
    void aBodyThatIsNotTextPlainGivesNoPolicy() {
        server.respond("example.com", new PolicyResponse(200, "text/html", POLICY, Map.of()));

        assertThat(fetcher.fetch("example.com", "id1")).isEmpty();
        assertThat(server.requests("example.com")).isEqualTo(1);
    }

    @Test
    void aBodyOver64KilobytesGivesNoPolicyAndOneJustUnderDoes() {
        String padding = "x_pad: " + "p".repeat(100) + "\n";
        int fits = (MtaStsPolicyFetcher.MAX_BODY_BYTES - POLICY.length()) / padding.length();
        String justUnder = POLICY + padding.repeat(fits);
        String over = justUnder + padding;

        server.policy("example.com", justUnder);
        assertThat(fetcher.fetch("example.com", "id1")).isPresent();

        server.policy("example.com", over);
        assertThat(over.length()).isGreaterThan(MtaStsPolicyFetcher.MAX_BODY_BYTES);
        assertThat(fetcher.fetch("example.com", "id1")).isEmpty();
    }

    @Test
    void anInvalidPolicyGivesNoPolicy() {
        server.policy("example.com", "version: STSv1\nmode: enforce\nmax_age: 86400\n");

        assertThat(fetcher.fetchText("example.com")).isPresent();
        assertThat(fetcher.fetch("example.com", "id1")).isEmpty();
    }

    @Test
    void aHostThatDoesNotResolveGivesNoPolicy() {
        MtaStsPolicyFetcher noDns = new MtaStsPolicyFetcher(OutboundTrust.jdkDefault().trustManager(),
                OutboundTrust.jdkDefault().verifyingSocketFactory(),
                hostname -> {
                    throw new UnknownHostException(hostname);
                }, server.port(), LoopbackPolicyHosts.TIMEOUT);

        assertThat(noDns.fetch("example.com", "id1")).isEmpty();
        assertThat(server.requests("example.com")).isZero();
    }
}
