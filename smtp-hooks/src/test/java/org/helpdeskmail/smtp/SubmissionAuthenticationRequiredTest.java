package org.helpdeskmail.smtp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.when;

import org.apache.james.core.MailAddress;
import org.apache.james.core.MaybeSender;
import org.apache.james.core.Username;
import org.apache.james.protocols.smtp.SMTPSession;
import org.apache.james.protocols.smtp.hook.HookResult;
import org.junit.jupiter.api.Test;

class SubmissionAuthenticationRequiredTest {
    private final SubmissionAuthenticationRequired hook = new SubmissionAuthenticationRequired();

    @Test
    void refusesUnauthenticatedSessionsWith530() throws Exception {
        HookResult result = hook.doRcpt(mock(SMTPSession.class), MaybeSender.nullSender(), new MailAddress("a@ours.example"));

        assertThat(result.getSmtpRetCode()).isEqualTo("530");
        assertThat(result.getSmtpDescription()).startsWith("5.7.0 ");
    }

    @Test
    void acceptsAuthenticatedSessions() throws Exception {
        SMTPSession session = mock(SMTPSession.class);
        when(session.getUsername()).thenReturn(Username.of("app@ours.example"));

        assertThat(hook.doRcpt(session, MaybeSender.nullSender(), new MailAddress("a@foreign.example"))).isEqualTo(HookResult.DECLINED);
    }
}
