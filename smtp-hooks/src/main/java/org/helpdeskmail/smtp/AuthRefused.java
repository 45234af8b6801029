package org.helpdeskmail.smtp;

import java.util.Collection;
import java.util.Set;

import org.apache.james.protocols.api.Request;
import org.apache.james.protocols.api.Response;
import org.apache.james.protocols.api.handler.CommandHandler;
import org.apache.james.protocols.smtp.SMTPResponse;
import org.apache.james.protocols.smtp.SMTPSession;

/**
 * AUTH on the MX: always refused, before or after STARTTLS, whatever the mechanism. The MX takes mail
 * for our domains only; the app's credentials belong on the submission listener, behind its network
 * allow-list, TLS and lock-out. Part of {@link MxCoreHandlers}, which has no AUTH handler of James's,
 * so no session on the MX can ever be authenticated (and so relay).
 */
public class AuthRefused implements CommandHandler<SMTPSession> {
    private static final Response REFUSED =
        new SMTPResponse("502", "5.5.1 AUTH not available on this port: submit on the submission port").immutable();

    @Override
    public Response onCommand(SMTPSession session, Request request) {
        return REFUSED;
    }

    @Override
    public Collection<String> getImplCommands() {
        return Set.of("AUTH");
    }
}
