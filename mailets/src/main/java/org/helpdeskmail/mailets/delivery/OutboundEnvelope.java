package org.helpdeskmail.mailets.delivery;

import java.io.IOException;

import org.apache.james.core.MailAddress;
import org.helpdeskmail.clients.smtp.SmtpConnection;

/** The message as sent to every recipient, and the return path each one gets. */
public interface OutboundEnvelope {
    long size();

    SmtpConnection.MessageContent content();

    /** The recipient's VERP return path; empty for the null sender. */
    String returnPath(MailAddress recipient) throws IOException;
}
