package org.helpdeskmail.clients.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.helpdeskmail.clients.tls.LoopbackPolicyHosts.policy;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

import org.helpdeskmail.testing.ManualClock;
import org.helpdeskmail.testing.tls.MtaStsPolicyServer;
import org.helpdeskmail.testing.tls.TestCertificateAuthority;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class DeliveryTlsPlannerTest {
    private static final TestCertificateAuthority CA = TestCertificateAuthority.create("planner test CA");
    private static final List<String> MX = List.of("mx1.example.com", "mx.bad.example");

    private final MtaStsPolicyServer server = MtaStsPolicyServer.start(CA, "example.com");
    private final Map<String, List<String>> txt = new ConcurrentHashMap<>();
    private final AtomicInteger txtLookups = new AtomicInteger();
    private final MtaStsResolver resolver = new MtaStsResolver(name -> {
        txtLookups.incrementAndGet();
        return txt.getOrDefault(name, List.of());
    }, LoopbackPolicyHosts.fetcher(CA, server), new ManualClock());

    @AfterEach
    void stop() {
        server.close();
    }

    @Test
    void withoutPolicyEveryMxGetsTheDefault() {
        DeliveryTlsPlan plan = planner(TlsPolicyTable.empty()).plan("example.com", MX);

        assertThat(plan.source()).isEqualTo(DeliveryTlsPlanner.SOURCE_DEFAULT);
        assertThat(plan.usable()).extracting(MxTlsDecision::mxHost).containsExactlyElementsOf(MX);
        assertThat(plan.decisions()).allSatisfy(decision -> {
            assertThat(decision.enforcedPolicy()).isEqualTo(TlsPolicy.MAY);
            assertThat(decision.reason()).isEqualTo("no mta-sts policy");
        });
        assertThat(plan.mtaStsTesting()).isFalse();
    }

    @Test
    void enforceVerifiesMatchingMxHostsAndRefusesTheOthers() {
        publish("enforce");

        DeliveryTlsPlan plan = planner(TlsPolicyTable.empty()).plan("example.com", MX);

        assertThat(plan.source()).isEqualTo(DeliveryTlsPlanner.SOURCE_MTA_STS);
        assertThat(plan.usable()).singleElement().satisfies(decision -> {
            assertThat(decision.mxHost()).isEqualTo("mx1.example.com");
            assertThat(decision.enforcedPolicy()).isEqualTo(TlsPolicy.VERIFY);
        });
        MxTlsDecision refused = plan.decisions().get(1);
        assertThat(refused.usable()).isFalse();
        assertThat(refused.reason()).isEqualTo("mta-sts enforce: mx.bad.example not in policy [*.example.com] (id id1)");
        assertThat(plan.describe()).contains("mx.bad.example verify unusable");
        assertThat(plan.mtaStsTesting()).isFalse();
    }

    @Test
    void enforceWithNoMatchingMxLeavesNothingToTry() {
        publish("enforce");

        assertThat(planner(TlsPolicyTable.empty()).plan("example.com", List.of("mx.bad.example")).usable()).isEmpty();
    }

    @Test
    void testingModeDeliversEverywhereButChecksAsEnforceWould() {
        publish("testing");

        DeliveryTlsPlan plan = planner(TlsPolicyTable.empty()).plan("example.com", MX);

        assertThat(plan.mtaStsTesting()).isTrue();
        assertThat(plan.usable()).hasSize(2).allSatisfy(decision -> {
            assertThat(decision.reportOnly()).isTrue();
            assertThat(decision.policy()).isEqualTo(TlsPolicy.VERIFY);
            assertThat(decision.enforcedPolicy()).isEqualTo(TlsPolicy.MAY);
        });
        assertThat(plan.decisions().get(1).reason()).startsWith("mta-sts testing: mx.bad.example not in policy");
    }

    @Test
    void modeNoneIsLikeNoPolicy() {
        txt.put("_mta-sts.example.com", List.of("v=STSv1; id=id1;"));
        server.policy("example.com", "version: STSv1\nmode: none\nmax_age: 86400\n");

        DeliveryTlsPlan plan = planner(TlsPolicyTable.empty()).plan("example.com", MX);

        assertThat(plan.source()).isEqualTo(DeliveryTlsPlanner.SOURCE_DEFAULT);
        assertThat(plan.usable()).hasSize(2).allSatisfy(decision -> assertThat(decision.reason()).isEqualTo("mta-sts mode none"));
    }

    @Test
    void theTableOverridesMtaStsWithoutLookingItUp() {
        publish("enforce");
        TlsPolicyTable table = TlsPolicyTable.parse("example.com encrypt");

        DeliveryTlsPlan plan = new DeliveryTlsPlanner(table, resolver, TlsPolicy.MAY).plan("example.com", MX);

        assertThat(plan.source()).isEqualTo(DeliveryTlsPlanner.SOURCE_TABLE);
        assertThat(plan.usable()).hasSize(2).allSatisfy(decision -> {
            assertThat(decision.enforcedPolicy()).isEqualTo(TlsPolicy.ENCRYPT);
            assertThat(decision.reason()).isEqualTo("tls policy table: encrypt");
        });
        assertThat(txtLookups).hasValue(0);
        assertThat(server.requests("example.com")).isZero();
    }

    @Test
    void theDefaultPolicyIsTheCallers() {
        assertThat(new DeliveryTlsPlanner(TlsPolicyTable.empty(), resolver, TlsPolicy.ENCRYPT)
                .plan("example.org", List.of("mx.example.org")).usable())
                .extracting(MxTlsDecision::enforcedPolicy).containsExactly(TlsPolicy.ENCRYPT);
    }

    private DeliveryTlsPlanner planner(TlsPolicyTable table) {
        return new DeliveryTlsPlanner(table, resolver, TlsPolicy.MAY);
    }

    private void publish(String mode) {
        txt.put("_mta-sts.example.com", List.of("v=STSv1; id=id1;"));
        server.policy("example.com", policy(mode, "*.example.com", 86400));
    }
}
