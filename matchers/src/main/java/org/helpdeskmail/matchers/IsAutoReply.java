package org.helpdeskmail.matchers;

import java.util.Arrays;
import java.util.Collection;
import java.util.List;

import javax.mail.MessagingException;
import javax.mail.internet.MimeMessage;

import org.apache.james.core.MailAddress;
import org.apache.mailet.Mail;
import org.apache.mailet.base.GenericMatcher;
import org.helpdeskmail.clients.AutoReplyDetector;

/**
 * Matches mail a machine sent: RFC 3834 Auto-Submitted, X-Autoreply, X-Autorespond,
 * X-Auto-Response-Suppress, Precedence bulk/junk/list, and mail with a null sender.
 *
 * <pre>{@code
 * <mailet match="org.helpdeskmail.matchers.IsAutoReply" class="...">
 * }</pre>
 */
public class IsAutoReply extends GenericMatcher {

    @Override
    public Collection<MailAddress> match(Mail mail) throws MessagingException {
        MimeMessage message = mail.getMessage();
        boolean autoReply = AutoReplyDetector.isAutoReply(name -> headerValues(message, name), mail.getMaybeSender().isNullSender());
        return autoReply ? mail.getRecipients() : List.of();
    }

    private static List<String> headerValues(MimeMessage message, String name) {
        try {
            String[] values = message.getHeader(name);
            return values == null ? List.of() : Arrays.asList(values);
        } catch (MessagingException e) {
            throw new IllegalStateException("cannot read header " + name, e);
        }
    }
}
