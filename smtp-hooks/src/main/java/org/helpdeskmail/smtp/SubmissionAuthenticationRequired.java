package org.helpdeskmail.smtp;

import org.apache.james.core.MailAddress;
import org.apache.james.core.MaybeSender;
import org.apache.james.protocols.smtp.SMTPSession;
import org.apache.james.protocols.smtp.hook.HookResult;
import org.apache.james.protocols.smtp.hook.HookReturnCode;
import org.apache.james.protocols.smtp.hook.RcptHook;

/**
 * Makes the submission listener a message submission agent only (RFC 6409): without SMTP AUTH no
 * recipient is accepted, not even a local one, which James would otherwise take on any port.
 * Runs after {@link OpenRelayGuard}, so foreign recipients have already been answered 550 5.7.1.
 *
 * <pre>{@code
 * <handler class="org.helpdeskmail.smtp.SubmissionAuthenticationRequired"/>
 * }</pre>
 */
public class SubmissionAuthenticationRequired implements RcptHook {
    static final HookResult AUTHENTICATION_REQUIRED = HookResult.builder()
        .hookReturnCode(HookReturnCode.deny())
        .smtpReturnCode("530")
        .smtpDescription("5.7.0 Authentication required: this port is for message submission")
        .build();

    @Override
    public HookResult doRcpt(SMTPSession session, MaybeSender sender, MailAddress recipient) {
        if (session.getUsername() == null) {
            return AUTHENTICATION_REQUIRED;
        }
        return HookResult.DECLINED;
    }
}
