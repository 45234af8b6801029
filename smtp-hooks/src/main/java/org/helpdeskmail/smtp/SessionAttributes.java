package org.helpdeskmail.smtp;

import org.apache.james.protocols.api.ProtocolSession;
import org.apache.james.protocols.smtp.SMTPSession;
import org.apache.james.protocols.smtp.hook.HookResult;
import org.apache.james.server.core.MailImpl;
import org.apache.james.smtpserver.AddDefaultAttributesMessageHook;
import org.apache.james.smtpserver.JamesMessageHook;
import org.apache.mailet.Attribute;
import org.apache.mailet.AttributeValue;
import org.apache.mailet.Mail;

/**
 * What the session knows, put on the accepted mail for the mailets: client address and name, session
 * id, HELO, authenticated user. Replaces James's AddDefaultAttributesMessageHook, which names the
 * client by a blocking lookup through the JVM's resolver on the I/O thread; the name here is the
 * forward-confirmed one of {@link ClientNameLookup}, else the address. Part of our core handler
 * packages.
 */
public class SessionAttributes implements JamesMessageHook {

    @Override
    public HookResult onMessage(SMTPSession session, Mail mail) {
        String address = session.getRemoteAddress().getAddress().getHostAddress();
        if (mail instanceof MailImpl) {
            MailImpl mailImpl = (MailImpl) mail;
            mailImpl.setRemoteAddr(address);
            mailImpl.setRemoteHost(ClientNameLookup.reverseDnsIfKnown(session).filter(ReverseDns::confirmed)
                .map(ReverseDns::confirmedNameOrUnknown).orElse(address));
        }
        mail.setAttribute(new Attribute(Mail.SMTP_SESSION_ID, AttributeValue.of(session.getSessionID())));
        session.getAttachment(SMTPSession.CURRENT_HELO_NAME, ProtocolSession.State.Connection)
            .ifPresent(helo -> mail.setAttribute(new Attribute(Mail.SMTP_HELO, AttributeValue.of(helo))));
        if (session.getUsername() != null) {
            mail.setAttribute(new Attribute(Mail.SMTP_AUTH_USER, AttributeValue.of(session.getUsername().asString())));
        }
        if (session.isRelayingAllowed()) {
            mail.setAttribute(Attribute.convertToAttribute(AddDefaultAttributesMessageHook.SMTP_AUTH_NETWORK_NAME, true));
        }
        return HookResult.DECLINED;
    }
}
