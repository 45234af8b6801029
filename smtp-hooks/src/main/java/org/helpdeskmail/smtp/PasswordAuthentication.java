package org.helpdeskmail.smtp;

import java.time.Clock;
import java.time.Duration;

import javax.inject.Inject;

import org.apache.commons.configuration2.Configuration;
import org.apache.commons.configuration2.ex.ConfigurationException;

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
 * <p>A password the repository accepted is remembered, as an HMAC, for {@code verifiedFor} (see
 * {@link VerifiedCredentials}): the app's next sessions skip the slow password hash.
 *
 * <p>A users repository that fails (James logs it and reports nothing more) is answered 535 too:
 * James's hook gives no way to tell it from a wrong password. {@link AuthFailureLockout}, earlier in
 * the chain, counts this hook's refusals like James's.
 *
 * <pre>{@code
 * <handler class="org.helpdeskmail.smtp.PasswordAuthentication">
 *     <verifiedFor>5 minutes</verifiedFor>
 * </handler>
 * }</pre>
 */
public class PasswordAuthentication extends UsersRepositoryAuthHook {
    static final HookResult CREDENTIALS_INVALID = HookResult.builder()
        .hookReturnCode(HookReturnCode.deny())
        .smtpReturnCode(SMTPRetCode.AUTH_FAILED)
        .smtpDescription("5.7.8 Authentication credentials invalid")
        .build();

    private static final HookResult AUTHENTICATED = HookResult.builder()
        .hookReturnCode(HookReturnCode.ok())
        .smtpDescription("Authentication Successful")
        .build();
    private static final Duration DEFAULT_VERIFIED_FOR = Duration.ofMinutes(5);

    private final Clock clock;
    private VerifiedCredentials verified;

    @Inject
    public PasswordAuthentication(UsersRepository users, Authorizator authorizator, Clock clock) {
        super(users, authorizator);
        this.clock = clock;
        this.verified = new VerifiedCredentials(DEFAULT_VERIFIED_FOR, clock);
    }

    @Override
    public void init(Configuration configuration) throws ConfigurationException {
        verified = new VerifiedCredentials(DurationElement.read(configuration, getClass().getSimpleName(), "verifiedFor",
            DEFAULT_VERIFIED_FOR, "5 minutes"), clock);
    }

    @Override
    public HookResult doAuth(SMTPSession session, Username username, String password) {
        if (verified.matches(username, password)) {
            session.setUsername(username);
            session.setRelayingAllowed(true);
            return AUTHENTICATED;
        }
        HookResult result = super.doAuth(session, username, password);
        if (result.getResult().getAction() == HookReturnCode.Action.OK) {
            verified.remember(username, password);
            return result;
        }
        verified.forget(username);
        return CREDENTIALS_INVALID;
    }
}
