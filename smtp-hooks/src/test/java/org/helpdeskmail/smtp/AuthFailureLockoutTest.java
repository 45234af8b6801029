package org.helpdeskmail.smtp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.ArgumentMatchers.anyString;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.times;
import static org.mockito.Mockito.verify;
import static org.mockito.Mockito.when;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;

import org.apache.commons.configuration2.BaseHierarchicalConfiguration;
import org.apache.commons.configuration2.ex.ConfigurationException;
import org.apache.james.core.Username;
import org.apache.james.mailbox.Authorizator;
import org.apache.james.protocols.api.BaseRequest;
import org.apache.james.protocols.api.Response;
import org.apache.james.protocols.smtp.SMTPConfiguration;
import org.apache.james.protocols.smtp.SMTPSession;
import org.apache.james.protocols.smtp.core.esmtp.AuthCmdHandler;
import org.apache.james.protocols.smtp.hook.AuthHook;
import org.apache.james.protocols.smtp.hook.HookResult;
import org.apache.james.protocols.smtp.hook.HookResultHook;
import org.apache.james.smtpserver.UsersRepositoryAuthHook;
import org.apache.james.user.api.UsersRepository;
import org.helpdeskmail.testing.ManualClock;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Runs the hook inside James 3.8.1's own {@link AuthCmdHandler}, wired as the server wires it
 * (configured AuthHooks before the core {@link UsersRepositoryAuthHook}), so that what is tested is
 * how James reports an authentication's outcome, not a guess of it.
 */
class AuthFailureLockoutTest {
    private static final String USER = "app@notify.example.com";
    private static final String PASSWORD = "a long password";

    private final ManualClock clock = new ManualClock();
    private final UsersRepository users = mock(UsersRepository.class);
    private AuthFailureLockout lockout;
    private AuthCmdHandler authCommand;

    @BeforeEach
    void wireLikeJames() throws Exception {
        when(users.test(any(Username.class), anyString())).thenReturn(false);
        when(users.test(Username.of(USER), PASSWORD)).thenReturn(true);
        lockout = configured(Map.of());
    }

    private AuthFailureLockout configured(Map<String, String> elements) throws Exception {
        BaseHierarchicalConfiguration configuration = new BaseHierarchicalConfiguration();
        elements.forEach(configuration::addProperty);
        AuthFailureLockout hook = new AuthFailureLockout(clock);
        hook.init(configuration);
        authCommand = new AuthCmdHandler();
        authCommand.wireExtensions(AuthHook.class, List.of(hook, new UsersRepositoryAuthHook(users, mock(Authorizator.class))));
        authCommand.wireExtensions(HookResultHook.class, List.of(hook));
        return hook;
    }

    private static SMTPSession sessionFrom(String ip) {
        SMTPSession session = mock(SMTPSession.class);
        when(session.getRemoteAddress()).thenReturn(new InetSocketAddress(ip, 40000));
        SMTPConfiguration configuration = mock(SMTPConfiguration.class);
        when(configuration.isPlainAuthEnabled()).thenReturn(true);
        when(session.getConfiguration()).thenReturn(configuration);
        return session;
    }

    private Response authPlain(String ip, String password) {
        String initialResponse = Base64.getEncoder().encodeToString(("\0" + USER + "\0" + password).getBytes(StandardCharsets.UTF_8));
        return authCommand.onCommand(sessionFrom(ip), new BaseRequest("AUTH", "PLAIN " + initialResponse));
    }

    private void failTimes(String ip, int times) {
        for (int i = 0; i < times; i++) {
            assertThat(authPlain(ip, "guess " + i).getRetCode()).isEqualTo("535");
        }
    }

    @Test
    void locksTheAddressOutAfterFiveFailuresWithoutCheckingThePassword() throws Exception {
        failTimes("10.1.2.3", 5);

        Response refused = authPlain("10.1.2.3", PASSWORD);

        assertThat(refused.getRetCode()).isEqualTo("454");
        assertThat(refused.getLines().get(0).toString()).isEqualTo("454 4.7.0 Too many failed authentications, try again later");
        verify(users, times(5)).test(any(Username.class), anyString());
    }

    @Test
    void fourFailuresAreNotALockOut() {
        failTimes("10.1.2.3", 4);

        assertThat(authPlain("10.1.2.3", PASSWORD).getRetCode()).isEqualTo("235");
    }

    @Test
    void locksOutOnlyTheGuessingAddress() {
        failTimes("10.1.2.3", 5);

        assertThat(authPlain("10.1.2.4", PASSWORD).getRetCode()).isEqualTo("235");
    }

    @Test
    void successesAreNotFailures() {
        for (int i = 0; i < 20; i++) {
            assertThat(authPlain("10.1.2.3", PASSWORD).getRetCode()).isEqualTo("235");
        }
        failTimes("10.1.2.3", 4);

        assertThat(authPlain("10.1.2.3", PASSWORD).getRetCode()).isEqualTo("235");
    }

    @Test
    void liftsTheLockOutAfterFifteenMinutes() {
        failTimes("10.1.2.3", 5);

        clock.advance(Duration.ofMinutes(15).minusSeconds(1));
        assertThat(authPlain("10.1.2.3", PASSWORD).getRetCode()).isEqualTo("454");
        clock.advance(Duration.ofSeconds(1));
        assertThat(authPlain("10.1.2.3", PASSWORD).getRetCode()).isEqualTo("235");
    }

    @Test
    void startsCountingAfreshAfterALockOut() {
        failTimes("10.1.2.3", 5);
        clock.advance(Duration.ofMinutes(15));

        failTimes("10.1.2.3", 4);

        assertThat(authPlain("10.1.2.3", PASSWORD).getRetCode()).isEqualTo("235");
    }

    @Test
    void countsOnlyTheFailuresWithinTheWindow() {
        failTimes("10.1.2.3", 4);
        clock.advance(Duration.ofMinutes(10));
        failTimes("10.1.2.3", 4);
        assertThat(authPlain("10.1.2.3", PASSWORD).getRetCode()).as("the first four are 10 minutes old").isEqualTo("235");

        clock.advance(Duration.ofMinutes(9));
        failTimes("10.1.2.3", 1);

        assertThat(authPlain("10.1.2.3", PASSWORD).getRetCode()).isEqualTo("454");
    }

    @Test
    void ignoresTemporaryFailuresAndOtherHooks() throws Exception {
        SMTPSession session = sessionFrom("10.1.2.3");
        UsersRepositoryAuthHook authenticator = mock(UsersRepositoryAuthHook.class);
        for (int i = 0; i < 10; i++) {
            assertThat(lockout.onHookResult(session, HookResult.DENYSOFT, 1, authenticator)).isEqualTo(HookResult.DENYSOFT);
            assertThat(lockout.onHookResult(session, HookResult.DECLINED, 1, lockout)).isEqualTo(HookResult.DECLINED);
            assertThat(lockout.onHookResult(session, HookResult.DENY, 1, mock(OpenRelayGuard.class))).isEqualTo(HookResult.DENY);
        }
        assertThat(lockout.isLockedOut(session)).isFalse();

        for (int i = 0; i < 5; i++) {
            lockout.onHookResult(session, HookResult.DENY, 1, authenticator);
        }
        assertThat(lockout.isLockedOut(session)).as("DENY from the authenticator is a failure").isTrue();
    }

    @Test
    void takesItsLimitsFromTheConfiguration() throws Exception {
        configured(Map.of("maxFailures", "2", "window", "1 minute", "lockout", "30 seconds"));

        failTimes("10.1.2.3", 2);
        assertThat(authPlain("10.1.2.3", PASSWORD).getRetCode()).isEqualTo("454");
        clock.advance(Duration.ofSeconds(30));
        assertThat(authPlain("10.1.2.3", PASSWORD).getRetCode()).isEqualTo("235");
    }

    @Test
    void failsConfigurationNamingTheElement() {
        assertThatThrownBy(() -> configured(Map.of("maxFailures", "many")))
            .isInstanceOf(ConfigurationException.class).hasMessageContaining("<maxFailures>").hasMessageContaining("many");
        assertThatThrownBy(() -> configured(Map.of("maxFailures", "0"))).hasMessageContaining("<maxFailures>");
        assertThatThrownBy(() -> configured(Map.of("window", "soon"))).hasMessageContaining("<window>").hasMessageContaining("soon");
        assertThatThrownBy(() -> configured(Map.of("lockout", "15"))).hasMessageContaining("<lockout>").hasMessageContaining("unit");
        assertThatThrownBy(() -> configured(Map.of("lockout", "0 minutes"))).hasMessageContaining("<lockout>");
    }
}
