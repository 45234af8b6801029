package org.helpdeskmail.smtp;

import javax.inject.Inject;

import org.apache.james.core.MailAddress;
import org.apache.james.core.MaybeSender;
import org.apache.james.domainlist.api.DomainList;
import org.apache.james.domainlist.api.DomainListException;
import org.apache.james.protocols.smtp.SMTPSession;
import org.apache.james.protocols.smtp.hook.HookResult;
import org.apache.james.protocols.smtp.hook.HookReturnCode;
import org.apache.james.protocols.smtp.hook.RcptHook;
import org.helpdeskmail.clients.HelpdeskDomains;
import org.helpdeskmail.clients.outbound.BounceAddresses;

/**
 * Refuses, at RCPT time, every recipient that would make an unauthenticated session relay mail:
 * a domain this server does not serve (neither in James's domain list nor a tenant of a helpdesk
 * domain), and the old tricks that smuggle a foreign address into a
 * local-looking one (percent hack {@code user%foreign@ours}, UUCP bang paths {@code foreign!user@ours},
 * quoted local parts holding an {@code @}). Source routes ({@code @ours:user@foreign}) are stripped
 * by James before hooks run, so they reach this check as the foreign address they really are.
 * Authenticated sessions are left to the other hooks.
 *
 * <pre>{@code
 * <handler class="org.helpdeskmail.smtp.OpenRelayGuard"/>
 * }</pre>
 */
public class OpenRelayGuard implements RcptHook {
    private static final String RELAY_TRICK_CHARACTERS = "%!@";
    private static final HookResult DOMAIN_LIST_UNAVAILABLE = HookResult.builder()
        .hookReturnCode(HookReturnCode.denySoft())
        .smtpReturnCode("451")
        .smtpDescription("4.3.0 Temporary failure: the domain list is unavailable, try again later")
        .build();

    private final DomainList domainList;
    private final HelpdeskDomains helpdeskDomains;
    private final BounceAddresses bounceAddresses;

    @Inject
    public OpenRelayGuard(DomainList domainList, HelpdeskDomains helpdeskDomains, BounceAddresses bounceAddresses) {
        this.domainList = domainList;
        this.helpdeskDomains = helpdeskDomains;
        this.bounceAddresses = bounceAddresses;
    }

    @Override
    public HookResult doRcpt(SMTPSession session, MaybeSender sender, MailAddress recipient) {
        if (session.getUsername() != null) {
            return HookResult.DECLINED;
        }
        if (containsRelayTrick(recipient.getLocalPart())) {
            return relayingDenied("the local part of <" + recipient.asString() + "> routes to another host");
        }
        if (helpdeskDomains.tenantMailbox(recipient.getLocalPart(), recipient.getDomain().asString()).isPresent()
            || bounceAddresses.isReturnPath(recipient)) {
            return HookResult.DECLINED;
        }
        try {
            if (!domainList.containsDomain(recipient.getDomain())) {
                return relayingDenied(recipient.getDomain().asString() + " is not a domain of this server");
            }
        } catch (DomainListException e) {
            // Refusing outright would bounce good mail on a database hiccup: the peer retries a 451.
            return DOMAIN_LIST_UNAVAILABLE;
        }
        return HookResult.DECLINED;
    }

    private static boolean containsRelayTrick(String localPart) {
        return localPart.chars().anyMatch(character -> RELAY_TRICK_CHARACTERS.indexOf(character) >= 0);
    }

    private static HookResult relayingDenied(String reason) {
        return HookResult.builder()
            .hookReturnCode(HookReturnCode.deny())
            .smtpReturnCode("550")
            .smtpDescription("5.7.1 Relaying denied: " + reason)
            .build();
    }
}
