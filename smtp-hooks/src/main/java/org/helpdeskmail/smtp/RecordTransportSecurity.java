package org.helpdeskmail.smtp;

import org.apache.james.protocols.smtp.SMTPSession;
import org.apache.james.protocols.smtp.hook.HookResult;
import org.apache.james.smtpserver.JamesMessageHook;
import org.apache.mailet.Attribute;
import org.apache.mailet.AttributeValue;
import org.apache.mailet.Mail;
import org.helpdeskmail.clients.MailAttributes;

/**
 * Records on each mail whether it came over TLS ({@link org.helpdeskmail.clients.MailAttributes#TLS}), which James does not
 * keep, so that the webhook can tell the app.
 *
 * <pre>{@code
 * <handler class="org.helpdeskmail.smtp.RecordTransportSecurity"/>
 * }</pre>
 */
public class RecordTransportSecurity implements JamesMessageHook {
    @Override
    public HookResult onMessage(SMTPSession session, Mail mail) {
        mail.setAttribute(new Attribute(MailAttributes.TLS, AttributeValue.of(session.isTLSStarted())));
        return HookResult.DECLINED;
    }
}
