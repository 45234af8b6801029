package org.helpdeskmail.smtp;

import javax.inject.Inject;

import org.apache.james.core.MailAddress;
import org.apache.james.core.MaybeSender;
import org.apache.james.protocols.smtp.SMTPSession;
import org.apache.james.protocols.smtp.hook.HookResult;
import org.apache.james.protocols.smtp.hook.RcptHook;
import org.helpdeskmail.clients.HelpdeskDomains;

/**
 * Accepts {@code <mailbox>@<tenant>.<helpdesk-domain>} for every helpdesk domain without the tenant
 * being registered in James: answering OK here is what keeps James's own relay check from refusing
 * a domain it does not know. Runs after {@link OpenRelayGuard}, which has already refused relay
 * tricks hidden in such addresses.
 *
 * <pre>{@code
 * <handler class="org.helpdeskmail.smtp.AcceptTenantRecipients"/>
 * }</pre>
 */
public class AcceptTenantRecipients implements RcptHook {
    private final HelpdeskDomains helpdeskDomains;

    @Inject
    public AcceptTenantRecipients(HelpdeskDomains helpdeskDomains) {
        this.helpdeskDomains = helpdeskDomains;
    }

    @Override
    public HookResult doRcpt(SMTPSession session, MaybeSender sender, MailAddress recipient) {
        if (helpdeskDomains.tenantMailbox(recipient.getLocalPart(), recipient.getDomain().asString()).isPresent()) {
            return HookResult.OK;
        }
        return HookResult.DECLINED;
    }
}
