package org.helpdeskmail.smtp;

import java.util.stream.Collectors;

import org.apache.james.core.MailAddress;
import org.apache.james.protocols.api.ProtocolSession;
import org.apache.james.protocols.smtp.SMTPSession;
import org.apache.james.protocols.smtp.hook.HookResult;
import org.apache.james.smtpserver.JamesMessageHook;
import org.apache.mailet.Attribute;
import org.apache.mailet.AttributeName;
import org.apache.mailet.Mail;
import org.helpdeskmail.clients.MailAttributes;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One log line per accepted message, with the checks' verdicts, as key=value pairs an operator (or
 * the trace tool) can grep by mail name, session, sender or recipient. Runs last at end of DATA, once
 * every other hook has accepted the message.
 *
 * <pre>{@code
 * <handler class="org.helpdeskmail.smtp.InboundMailLog"/>
 * }</pre>
 */
public class InboundMailLog implements JamesMessageHook {
    private static final Logger LOGGER = LoggerFactory.getLogger("org.helpdeskmail.mail");

    @Override
    public HookResult onMessage(SMTPSession session, Mail mail) {
        if (LOGGER.isInfoEnabled()) {
            LOGGER.info("accepted mail={} session={} client={} name={} helo={} tls={} mailFrom={} rcptTo={} size={} spf={} dnsbl={} auth={}",
                mail.getName(),
                session.getSessionID(),
                session.getRemoteAddress().getAddress().getHostAddress(),
                ClientNameLookup.reverseDnsIfKnown(session).map(ReverseDns::confirmedNameOrUnknown).orElse("unknown"),
                session.getAttachment(SMTPSession.CURRENT_HELO_NAME, ProtocolSession.State.Connection).orElse("-"),
                attribute(mail, MailAttributes.TLS),
                mail.getMaybeSender().asString(),
                mail.getRecipients().stream().map(MailAddress::asString).collect(Collectors.joining(",")),
                size(mail),
                attribute(mail, MailAttributes.SPF_RESULT),
                DnsblCheck.listedBy(session).orElse("-"),
                attribute(mail, MailAttributes.AUTH));
        }
        return HookResult.DECLINED;
    }

    private static String attribute(Mail mail, AttributeName name) {
        return mail.getAttribute(name).map(Attribute::getValue).map(value -> String.valueOf(value.value())).orElse("-");
    }

    private static long size(Mail mail) {
        try {
            return mail.getMessageSize();
        } catch (Exception e) {
            return -1;
        }
    }
}
