package org.helpdeskmail.smtp;

import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

import org.apache.james.protocols.lib.handler.HandlersPackage;
import org.apache.james.protocols.smtp.core.esmtp.AuthCmdHandler;
import org.apache.james.smtpserver.CoreCmdHandlerLoader;
import org.apache.james.smtpserver.SenderAuthIdentifyVerificationHook;
import org.apache.james.smtpserver.UsersRepositoryAuthHook;

/**
 * The core package of the MX listener: {@link SubmissionCoreHandlers} without any AUTH (James's AUTH
 * command and its users-repository hook), with {@link AuthRefused} answering AUTH instead.
 *
 * <pre>{@code
 * <handlerchain coreHandlersPackage="org.helpdeskmail.smtp.MxCoreHandlers" ...>
 * }</pre>
 */
public class MxCoreHandlers implements HandlersPackage {
    private static final Set<String> AUTHENTICATION = Set.of(AuthCmdHandler.class.getName(), UsersRepositoryAuthHook.class.getName(),
        SenderAuthIdentifyVerificationHook.class.getName());
    private static final List<String> HANDLERS = Stream.concat(Stream.of(AuthRefused.class.getName()),
        SubmissionCoreHandlers.replaceClientLookups(new CoreCmdHandlerLoader().getHandlers().stream().filter(name -> !AUTHENTICATION.contains(name)))
            .stream()).toList();

    @Override
    public List<String> getHandlers() {
        return HANDLERS;
    }
}
