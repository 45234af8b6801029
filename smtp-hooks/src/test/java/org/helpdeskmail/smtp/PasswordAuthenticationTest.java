package org.helpdeskmail.smtp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.ArgumentMatchers.anyString;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.times;
import static org.mockito.Mockito.verify;
import static org.mockito.Mockito.when;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.time.Duration;
import java.util.List;

import org.apache.james.core.Username;
import org.apache.james.mailbox.Authorizator;
import org.apache.james.protocols.api.BaseRequest;
import org.apache.james.protocols.api.Response;
import org.apache.james.protocols.smtp.SMTPConfiguration;
import org.apache.james.protocols.smtp.SMTPSession;
import org.apache.james.protocols.smtp.core.esmtp.AuthCmdHandler;
import org.apache.james.protocols.smtp.hook.AuthHook;
import org.apache.james.smtpserver.UsersRepositoryAuthHook;
import org.apache.james.user.api.UsersRepository;
import org.apache.james.user.api.UsersRepositoryException;
import org.helpdeskmail.testing.ManualClock;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Runs the hook inside James 3.8.1's own AUTH command, before the core hook, as the server wires it. */
class PasswordAuthenticationTest {
    private static final String USER = "app@notify.example.com";
    private static final String PASSWORD = "a long password";

    private final UsersRepository users = mock(UsersRepository.class);
    private final ManualClock clock = new ManualClock();
    private final AuthCmdHandler authCommand = new AuthCmdHandler();

    @BeforeEach
    void wireLikeJames() throws Exception {
        when(users.test(any(Username.class), anyString())).thenReturn(false);
        when(users.test(Username.of(USER), PASSWORD)).thenReturn(true);
        Authorizator authorizator = mock(Authorizator.class);
        authCommand.wireExtensions(AuthHook.class,
            List.of(new PasswordAuthentication(users, authorizator, clock), new UsersRepositoryAuthHook(users, authorizator)));
    }

    private static SMTPSession session() {
        SMTPSession session = mock(SMTPSession.class);
        when(session.getRemoteAddress()).thenReturn(new InetSocketAddress("10.1.2.3", 40000));
        SMTPConfiguration configuration = mock(SMTPConfiguration.class);
        when(configuration.isPlainAuthEnabled()).thenReturn(true);
        when(session.getConfiguration()).thenReturn(configuration);
        return session;
    }

    private static String base64(String value) {
        return Base64.getEncoder().encodeToString(value.getBytes(StandardCharsets.UTF_8));
    }

    private Response authPlain(String password) {
        return authCommand.onCommand(session(), new BaseRequest("AUTH", "PLAIN " + base64("\0" + USER + "\0" + password)));
    }

    @Test
    void acceptsTheRightPassword() {
        assertThat(authPlain(PASSWORD).getRetCode()).isEqualTo("235");
    }

    @Test
    void answersAWrongPasswordWith535AndTheEnhancedCode() {
        Response response = authPlain("guess");

        assertThat(response.getRetCode()).isEqualTo("535");
        assertThat(response.getLines().get(0).toString()).isEqualTo("535 5.7.8 Authentication credentials invalid");
    }

    @Test
    void answersAUsersRepositoryFailureWith535Too() throws Exception {
        when(users.test(Username.of(USER), PASSWORD)).thenThrow(new UsersRepositoryException("database down"));

        assertThat(authPlain(PASSWORD).getLines().get(0).toString()).startsWith("535 5.7.8 ");
    }

    @Test
    void aPasswordJustVerifiedIsNotHashedAgainUntilVerifiedForHasPassed() throws Exception {
        assertThat(authPlain(PASSWORD).getRetCode()).isEqualTo("235");
        assertThat(authPlain(PASSWORD).getRetCode()).isEqualTo("235");
        verify(users, times(1)).test(Username.of(USER), PASSWORD);

        clock.advance(Duration.ofMinutes(6));
        assertThat(authPlain(PASSWORD).getRetCode()).isEqualTo("235");
        verify(users, times(2)).test(Username.of(USER), PASSWORD);
    }

    @Test
    void aRememberedPasswordDoesNotLetAnotherOneIn() throws Exception {
        assertThat(authPlain(PASSWORD).getRetCode()).isEqualTo("235");

        assertThat(authPlain("guess").getRetCode()).isEqualTo("535");
        verify(users).test(Username.of(USER), "guess");
        // The failure forgets the remembered one: the repository decides again.
        assertThat(authPlain(PASSWORD).getRetCode()).isEqualTo("235");
        verify(users, times(2)).test(Username.of(USER), PASSWORD);
    }
}
