package org.helpdeskmail.smtp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.when;

import org.apache.james.protocols.api.BaseRequest;
import org.apache.james.protocols.api.Response;
import org.apache.james.protocols.smtp.SMTPSession;
import org.junit.jupiter.api.Test;

class AuthEncryptionRequiredTest {
    private final AuthEncryptionRequired handler = new AuthEncryptionRequired();

    private static SMTPSession session(boolean encrypted) {
        SMTPSession session = mock(SMTPSession.class);
        when(session.isTLSStarted()).thenReturn(encrypted);
        return session;
    }

    @Test
    void refusesAuthBeforeTlsWith538() {
        Response response = handler.onCommand(session(false), new BaseRequest("AUTH", "LOGIN"));

        assertThat(response.getRetCode()).isEqualTo("538");
        assertThat(response.getLines().get(0).toString()).startsWith("538 5.7.11 Encryption required");
    }

    @Test
    void leavesAuthOverTlsToJames() {
        assertThat(handler.onCommand(session(true), new BaseRequest("AUTH", "PLAIN"))).isNull();
    }

    @Test
    void handlesTheAuthCommandOnly() {
        assertThat(handler.getImplCommands()).containsExactly("AUTH");
    }
}
