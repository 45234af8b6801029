package org.helpdeskmail.smtp;

import javax.inject.Inject;

import org.apache.james.core.Username;
import org.apache.james.mailbox.Authorizator;
import org.apache.james.protocols.smtp.SMTPRetCode;
import org.apache.james.protocols.smtp.SMTPSession;
import org.apache.james.protocols.smtp.hook.HookResult;
import org.apache.james.protocols.smtp.hook.HookReturnCode;
import org.apache.james.smtpserver.UsersRepositoryAuthHook;
import org.apache.james.user.api.UsersRepository;

/**
 * AUTH PLAIN and LOGIN checked against James's users repository, by James's own
 * {@link UsersRepositoryAuthHook}, with the reply RFC 4954 section 6 gives a failure:
 * {@code 535 5.7.8 Authentication credentials invalid}. James alone answers a bare
 * {@code 535 Authentication Failed}, without an enhanced status code, although the listener announces
 * ENHANCEDSTATUSCODES.
 *
 * <p>A users repository that fails (James logs it and reports nothing more) is answered 535 too:
 * James's hook gives no way to tell it from a wrong password. {@link AuthFailureLockout}, earlier in
 * the chain, counts this hook's refusals like James's.
 *
 * <pre>{@code
 * <handler class="org.helpdeskmail.smtp.PasswordAuthentication"/>
 * }</pre>
 */
public class PasswordAuthentication extends UsersRepositoryAuthHook {
    static final HookResult CREDENTIALS_INVALID = HookResult.builder()
        .hookReturnCode(HookReturnCode.deny())
        .smtpReturnCode(SMTPRetCode.AUTH_FAILED)
        .smtpDescription("5.7.8 Authentication credentials invalid")
        .build();

    @Inject
    public PasswordAuthentication(UsersRepository users, Authorizator authorizator) {
        super(users, authorizator);
    }

    @Override
    public HookResult doAuth(SMTPSession session, Username username, String password) {
        HookResult result = super.doAuth(session, username, password);
        if (result.getResult().getAction() == HookReturnCode.Action.OK) {
            return result;
        }
        return CREDENTIALS_INVALID;
    }
}
