package org.helpdeskmail.smtp;

import java.util.List;
import java.util.stream.Stream;

import org.apache.james.protocols.lib.handler.HandlersPackage;
import org.apache.james.protocols.smtp.core.ReceivedDataLineFilter;
import org.apache.james.smtpserver.AddDefaultAttributesMessageHook;
import org.apache.james.smtpserver.CoreCmdHandlerLoader;

/**
 * James's core SMTP handlers with our {@link ReceivedHeader} and {@link SessionAttributes} in place of
 * the two that look the client up through the JVM's resolver on the I/O thread. The core package of
 * the submission listeners:
 *
 * <pre>{@code
 * <handlerchain coreHandlersPackage="org.helpdeskmail.smtp.SubmissionCoreHandlers" ...>
 * }</pre>
 */
public class SubmissionCoreHandlers implements HandlersPackage {
    private static final List<String> HANDLERS = replaceClientLookups(new CoreCmdHandlerLoader().getHandlers().stream());

    static List<String> replaceClientLookups(Stream<String> handlers) {
        return handlers
            .map(name -> name.equals(ReceivedDataLineFilter.class.getName()) ? ReceivedHeader.class.getName() : name)
            .map(name -> name.equals(AddDefaultAttributesMessageHook.class.getName()) ? SessionAttributes.class.getName() : name)
            .toList();
    }

    @Override
    public List<String> getHandlers() {
        return HANDLERS;
    }
}
