package org.helpdeskmail.smtp;

import java.util.Optional;

import javax.inject.Inject;

import org.apache.james.core.MailAddress;
import org.apache.james.core.MaybeSender;
import org.apache.james.protocols.smtp.SMTPSession;
import org.apache.james.protocols.smtp.hook.HookResult;
import org.apache.james.protocols.smtp.hook.HookReturnCode;
import org.apache.james.protocols.smtp.hook.RcptHook;
import org.helpdeskmail.clients.HelpdeskDomains;
import org.helpdeskmail.clients.TenantLookup;

/**
 * Accepts {@code <mailbox>@<tenant>.<helpdesk-domain>} for every helpdesk domain without the tenant
 * being registered in James: answering OK here is what keeps James's own relay check from refusing
 * a domain it does not know. A tenant the helpdesk app says does not exist (tenant lookup of
 * helpdesk.properties) is refused with 550 5.1.1. Runs after {@link OpenRelayGuard}, which has
 * already refused relay tricks hidden in such addresses.
 *
 * <pre>{@code
 * <handler class="org.helpdeskmail.smtp.AcceptTenantRecipients"/>
 * }</pre>
 */
public class AcceptTenantRecipients implements RcptHook {
    private final HelpdeskDomains helpdeskDomains;
    private final TenantLookup tenantLookup;

    @Inject
    public AcceptTenantRecipients(HelpdeskDomains helpdeskDomains, TenantLookup tenantLookup) {
        this.helpdeskDomains = helpdeskDomains;
        this.tenantLookup = tenantLookup;
    }

    @Override
    public HookResult doRcpt(SMTPSession session, MaybeSender sender, MailAddress recipient) {
        Optional<HelpdeskDomains.TenantMailbox> mailbox = helpdeskDomains.tenantMailbox(recipient.getLocalPart(), recipient.getDomain().asString());
        if (mailbox.isEmpty()) {
            return HookResult.DECLINED;
        }
        if (!tenantLookup.mayExist(mailbox.get().tenant())) {
            return HookResult.builder()
                .hookReturnCode(HookReturnCode.deny())
                .smtpReturnCode("550")
                .smtpDescription("5.1.1 <" + recipient.asString() + ">: no such helpdesk")
                .build();
        }
        return HookResult.OK;
    }
}
