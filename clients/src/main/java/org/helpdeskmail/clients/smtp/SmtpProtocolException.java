package org.helpdeskmail.clients.smtp;

import java.io.IOException;

/** The server said something that is not an SMTP reply: the connection cannot be trusted any more. */
public class SmtpProtocolException extends IOException {
    public SmtpProtocolException(String message) {
        super(message);
    }
}
