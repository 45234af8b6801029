package org.helpdeskmail.smtp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.when;

import java.util.List;

import org.apache.james.core.Domain;
import org.apache.james.core.MailAddress;
import org.apache.james.core.MaybeSender;
import org.apache.james.core.Username;
import org.apache.james.domainlist.api.DomainList;
import org.apache.james.domainlist.api.DomainListException;
import org.apache.james.protocols.smtp.SMTPSession;
import org.apache.james.protocols.smtp.hook.HookResult;
import org.apache.james.protocols.smtp.hook.HookReturnCode;
import org.helpdeskmail.clients.HelpdeskDomains;
import org.helpdeskmail.clients.outbound.BounceAddresses;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class OpenRelayGuardTest {
    private DomainList domainList;
    private SMTPSession session;
    private OpenRelayGuard guard;

    @BeforeEach
    void setUp() throws Exception {
        domainList = mock(DomainList.class);
        when(domainList.containsDomain(Domain.of("ours.example"))).thenReturn(true);
        session = mock(SMTPSession.class);
        guard = new OpenRelayGuard(domainList, new HelpdeskDomains(List.of("helpdesk.example")),
            new BounceAddresses("bounces.example", BounceAddresses.DEFAULT_PREFIX));
    }

    private HookResult rcpt(String address) throws Exception {
        return guard.doRcpt(session, MaybeSender.nullSender(), new MailAddress(address));
    }

    @Test
    void acceptsLocalRecipients() throws Exception {
        assertThat(rcpt("support@ours.example")).isEqualTo(HookResult.DECLINED);
    }

    @Test
    void leavesTenantsOfHelpdeskDomainsToTheTenantHook() throws Exception {
        assertThat(rcpt("support@acme.helpdesk.example")).isEqualTo(HookResult.DECLINED);
        assertThat(rcpt("support%evil.example@acme.helpdesk.example").getSmtpRetCode()).isEqualTo("550");
        assertThat(rcpt("support@a.b.helpdesk.example").getSmtpRetCode()).isEqualTo("550");
    }

    @Test
    void letsBouncesComeBackToReturnPathsOfADomainThatIsNotLocal() throws Exception {
        assertThat(rcpt("bounces+abc123@bounces.example")).isEqualTo(HookResult.DECLINED);
        assertThat(rcpt("someone@bounces.example").getSmtpRetCode()).isEqualTo("550");
    }

    @Test
    void refusesForeignDomainWith550571() throws Exception {
        HookResult result = rcpt("victim@foreign.example");

        assertThat(result.getResult()).isEqualTo(HookReturnCode.deny());
        assertThat(result.getSmtpRetCode()).isEqualTo("550");
        assertThat(result.getSmtpDescription()).startsWith("5.7.1 ").contains("foreign.example");
    }

    @Test
    void refusesPercentHackBangPathAndQuotedAt() throws Exception {
        for (String trick : new String[] {"victim%foreign.example@ours.example", "foreign.example!victim@ours.example",
            "\"victim@foreign.example\"@ours.example"}) {
            HookResult result = rcpt(trick);
            assertThat(result.getSmtpRetCode()).as(trick).isEqualTo("550");
            assertThat(result.getSmtpDescription()).as(trick).startsWith("5.7.1 ");
        }
    }

    @Test
    void leavesAuthenticatedSessionsToOtherHooks() throws Exception {
        when(session.getUsername()).thenReturn(Username.of("app@ours.example"));

        assertThat(rcpt("victim@foreign.example")).isEqualTo(HookResult.DECLINED);
    }

    @Test
    void answersTemporaryFailureWhenTheDomainListFails() throws Exception {
        when(domainList.containsDomain(Domain.of("other.example"))).thenThrow(new DomainListException("down"));

        HookResult result = rcpt("someone@other.example");

        assertThat(result.getResult()).isEqualTo(HookReturnCode.denySoft());
        assertThat(result.getSmtpRetCode()).isEqualTo("451");
    }
}
