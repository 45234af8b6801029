package org.helpdeskmail.matchers;

import javax.inject.Inject;

import org.apache.james.core.MailAddress;
import org.apache.mailet.base.GenericRecipientMatcher;
import org.helpdeskmail.clients.HelpdeskDomains;

/**
 * Matches the recipients that are mailboxes of a helpdesk tenant,
 * {@code <mailbox>@<tenant>.<helpdesk-domain>}, for the domains of helpdesk.properties.
 *
 * <pre>{@code
 * <mailet match="org.helpdeskmail.matchers.IsTenantRecipient" class="ToProcessor">
 *     <processor>inbound</processor>
 * </mailet>
 * }</pre>
 */
public class IsTenantRecipient extends GenericRecipientMatcher {
    private final HelpdeskDomains helpdeskDomains;

    @Inject
    public IsTenantRecipient(HelpdeskDomains helpdeskDomains) {
        this.helpdeskDomains = helpdeskDomains;
    }

    @Override
    public boolean matchRecipient(MailAddress recipient) {
        return helpdeskDomains.tenantMailbox(recipient.getLocalPart(), recipient.getDomain().asString()).isPresent();
    }
}
