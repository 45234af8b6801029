package org.helpdeskmail.smtp;

import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

import org.apache.james.core.MailAddress;
import org.apache.james.protocols.api.ProtocolSession.State;
import org.apache.james.protocols.smtp.SMTPSession;
import org.apache.james.protocols.smtp.core.ReceivedDataLineFilter;

/**
 * The Received header (RFC 5321 4.4) as Postfix writes it: the client's HELO, then its
 * forward-confirmed name from our DNS (or "unknown") and its address, the protocol with RFC 3848's
 * S for TLS and A for AUTH, and the session id. James's own header names the client by a reverse
 * lookup through the JVM's resolver, made on the I/O thread, and unconfirmed ("from localhost").
 * Part of our core handler packages ({@link MxCoreHandlers}, {@link SubmissionCoreHandlers}).
 *
 * <pre>
 * Received: from mail.example.org (mail.example.org [203.0.113.5])
 *           by mx.helpdesk.example (helpdesk-mail) with ESMTPS id 5b3e...
 *           for &lt;support@acme.helpdesk.example&gt;; Fri, 4 Dec 2026 21:00:00 +0000 (UTC)
 * </pre>
 */
public class ReceivedHeader extends ReceivedDataLineFilter {
    private static final DateTimeFormatter DATE = DateTimeFormatter.ofPattern("EEE, d MMM yyyy HH:mm:ss Z (zzz)", Locale.US);

    @Override
    protected Collection<Header> headers(SMTPSession session) {
        String helo = session.getAttachment(SMTPSession.CURRENT_HELO_NAME, State.Connection).orElse("unknown");
        String name = ClientNameLookup.reverseDnsIfKnown(session).map(ReverseDns::confirmedNameOrUnknown).orElse("unknown");
        String address = session.getRemoteAddress().getAddress().getHostAddress();
        Header header = new Header("Received", "from " + helo + " (" + name + " [" + address + "])");
        String by = "by " + session.getConfiguration().getHelloName() + " (helpdesk-mail) with " + protocol(session)
            + " id " + session.getSessionID();
        List<MailAddress> recipients = session.getAttachment(SMTPSession.RCPT_LIST, State.Transaction).orElse(List.of());
        String date = DATE.format(ZonedDateTime.now());
        // Only a single recipient is named: more would hand a list of addresses to every one of them.
        if (recipients.size() == 1) {
            header.add(by);
            header.add("for <" + recipients.get(0).asString() + ">; " + date);
        } else {
            header.add(by + "; " + date);
        }
        return List.of(header);
    }

    private static String protocol(SMTPSession session) {
        Optional<String> mode = session.getAttachment(SMTPSession.CURRENT_HELO_MODE, State.Connection);
        if (mode.isEmpty() || !mode.get().equals("EHLO")) {
            return "SMTP";
        }
        return "ESMTP" + (session.isTLSStarted() ? "S" : "") + (session.getUsername() != null ? "A" : "");
    }
}
