package org.helpdeskmail.clients;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

import org.junit.jupiter.api.Test;

class HelpdeskDomainsTest {
    private final HelpdeskDomains domains = new HelpdeskDomains(List.of("jitbit.com", "Helpdesk.Example"));

    @Test
    void recognisesTenantMailboxesOfEveryHelpdeskDomain() {
        assertThat(domains.tenantMailbox("support", "acme.jitbit.com"))
            .contains(new HelpdeskDomains.TenantMailbox("acme", "jitbit.com", "support"));
        assertThat(domains.tenantMailbox("Billing", "ACME-2.helpdesk.example"))
            .contains(new HelpdeskDomains.TenantMailbox("acme-2", "helpdesk.example", "Billing"));
    }

    @Test
    void refusesWhatIsNotASingleLabelTenantOfAHelpdeskDomain() {
        assertThat(domains.tenantMailbox("support", "jitbit.com")).isEmpty();
        assertThat(domains.tenantMailbox("support", "a.b.jitbit.com")).isEmpty();
        assertThat(domains.tenantMailbox("support", "-acme.jitbit.com")).isEmpty();
        assertThat(domains.tenantMailbox("support", "acme_x.jitbit.com")).isEmpty();
        assertThat(domains.tenantMailbox("support", "acmejitbit.com")).isEmpty();
        assertThat(domains.tenantMailbox("support", "acme.jitbit.com.evil.example")).isEmpty();
    }
}
