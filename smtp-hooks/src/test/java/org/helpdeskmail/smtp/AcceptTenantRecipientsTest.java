package org.helpdeskmail.smtp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.Mockito.mock;

import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

import org.apache.james.core.MailAddress;
import org.apache.james.core.MaybeSender;
import org.apache.james.protocols.smtp.SMTPSession;
import org.apache.james.protocols.smtp.hook.HookResult;
import org.helpdeskmail.clients.HelpdeskDomains;
import org.helpdeskmail.clients.TenantLookup;
import org.junit.jupiter.api.Test;

class AcceptTenantRecipientsTest {
    private final AcceptTenantRecipients hook = new AcceptTenantRecipients(new HelpdeskDomains(List.of("jitbit.com")),
        new TenantLookup(Optional.empty(), Duration.ofMinutes(1), Clock.systemUTC()));

    private HookResult rcpt(String address) throws Exception {
        return hook.doRcpt(mock(SMTPSession.class), MaybeSender.nullSender(), new MailAddress(address));
    }

    @Test
    void acceptsTenantMailboxes() throws Exception {
        assertThat(rcpt("support@acme.jitbit.com")).isEqualTo(HookResult.OK);
    }

    @Test
    void leavesEverythingElseToTheNextHooks() throws Exception {
        assertThat(rcpt("support@jitbit.com")).isEqualTo(HookResult.DECLINED);
        assertThat(rcpt("support@acme.other.example")).isEqualTo(HookResult.DECLINED);
    }
}
