package org.helpdeskmail.smtp;

import org.apache.commons.configuration2.Configuration;
import org.apache.commons.configuration2.ex.ConfigurationException;
import org.apache.james.protocols.api.ProtocolSession.State;
import org.apache.james.protocols.api.Response;
import org.apache.james.protocols.api.handler.LineHandler;
import org.apache.james.protocols.smtp.MailEnvelope;
import org.apache.james.protocols.smtp.SMTPSession;
import org.apache.james.protocols.smtp.core.DataLineFilter;
import org.apache.james.protocols.smtp.hook.HookResult;
import org.apache.james.protocols.smtp.hook.HookReturnCode;
import org.apache.james.protocols.smtp.hook.MessageHook;
import org.apache.james.protocols.api.ProtocolSession;

/**
 * Refuses a message whose header section (everything before the first empty line, as the client sent
 * it) is larger than {@code maxHeaderSize} bytes: {@code 552 5.3.4} at the end of DATA, once, with
 * the session still in step. Body lines may be of any length (the framer keeps long lines whole);
 * a header of a megabyte is an attack on every parser behind us, not mail. Postfix's
 * {@code header_size_limit} is 102400 bytes per header, the excess silently discarded; here the
 * whole header section has that budget and nothing is cut from a message we accept.
 *
 * <pre>{@code
 * <handler class="org.helpdeskmail.smtp.HeaderSizeLimit">
 *     <maxHeaderSize>102400</maxHeaderSize>
 * </handler>
 * }</pre>
 */
public class HeaderSizeLimit implements DataLineFilter, MessageHook {
    static final int DEFAULT_MAX_HEADER_SIZE = 102_400;
    private static final ProtocolSession.AttachmentKey<HeaderCount> COUNT = ProtocolSession.AttachmentKey.of("helpdesk.header-size", HeaderCount.class);

    /** Header bytes seen so far in this transaction; done once the empty line has come. */
    private static final class HeaderCount {
        private long bytes;
        private boolean done;
    }

    private int maxHeaderSize = DEFAULT_MAX_HEADER_SIZE;

    @Override
    public void init(Configuration configuration) throws ConfigurationException {
        maxHeaderSize = configuration.getInt("maxHeaderSize", DEFAULT_MAX_HEADER_SIZE);
        if (maxHeaderSize < 1024) {
            throw new ConfigurationException("HeaderSizeLimit: <maxHeaderSize> must be at least 1024 bytes, was " + maxHeaderSize);
        }
    }

    @Override
    public Response onLine(SMTPSession session, byte[] line, LineHandler<SMTPSession> next) {
        HeaderCount count = session.getAttachment(COUNT, State.Transaction).orElseGet(() -> {
            HeaderCount fresh = new HeaderCount();
            session.setAttachment(COUNT, fresh, State.Transaction);
            return fresh;
        });
        if (!count.done) {
            if (line.length == 2 && line[0] == '\r' && line[1] == '\n') {
                count.done = true;
            } else {
                count.bytes += line.length;
            }
        }
        return next.onLine(session, line);
    }

    @Override
    public HookResult onMessage(SMTPSession session, MailEnvelope mail) {
        long bytes = session.getAttachment(COUNT, State.Transaction).map(count -> count.bytes).orElse(0L);
        if (bytes > maxHeaderSize) {
            return HookResult.builder()
                .hookReturnCode(HookReturnCode.deny())
                .smtpReturnCode("552")
                .smtpDescription("5.3.4 Message header size exceeds the limit of " + maxHeaderSize + " bytes")
                .build();
        }
        return HookResult.DECLINED;
    }
}
