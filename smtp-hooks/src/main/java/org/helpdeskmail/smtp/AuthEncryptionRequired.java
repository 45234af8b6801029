package org.helpdeskmail.smtp;

import java.util.Collection;
import java.util.List;

import org.apache.james.protocols.api.Request;
import org.apache.james.protocols.api.Response;
import org.apache.james.protocols.api.handler.CommandHandler;
import org.apache.james.protocols.smtp.SMTPResponse;
import org.apache.james.protocols.smtp.SMTPRetCode;
import org.apache.james.protocols.smtp.SMTPSession;

/**
 * Refuses the AUTH command until the connection is encrypted (STARTTLS done, or a listener with
 * implicit TLS): {@code 538 5.7.11 Encryption required for requested authentication mechanism}
 * (RFC 4954 section 6). The password never crosses the network in clear, and the refusal comes
 * before it is sent, even with AUTH LOGIN (whose password follows in a later line).
 *
 * <p>James 3.8.1's {@code <auth><requireSSL>true</requireSSL>} only stops announcing AUTH in EHLO
 * before STARTTLS; its AUTH command handler still takes the credentials of a client that sends AUTH
 * anyway. This handler runs before James's (our handlers come first in the chain) and, once the
 * connection is encrypted, answers nothing, so that James's handler takes over.
 *
 * <pre>{@code
 * <handler class="org.helpdeskmail.smtp.AuthEncryptionRequired"/>
 * }</pre>
 */
public class AuthEncryptionRequired implements CommandHandler<SMTPSession> {
    static final Response ENCRYPTION_REQUIRED = new SMTPResponse(SMTPRetCode.AUTH_ENCRYPTION_REQUIRED,
        "5.7.11 Encryption required for requested authentication mechanism: issue STARTTLS first").immutable();

    @Override
    public Response onCommand(SMTPSession session, Request request) {
        if (session.isTLSStarted()) {
            return null;
        }
        return ENCRYPTION_REQUIRED;
    }

    @Override
    public Collection<String> getImplCommands() {
        return List.of("AUTH");
    }
}
