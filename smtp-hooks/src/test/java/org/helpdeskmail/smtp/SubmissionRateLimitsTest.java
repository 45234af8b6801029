package org.helpdeskmail.smtp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.times;
import static org.mockito.Mockito.verify;
import static org.mockito.Mockito.when;

import java.time.Duration;
import java.util.Map;

import org.apache.commons.configuration2.BaseHierarchicalConfiguration;
import org.apache.commons.configuration2.ex.ConfigurationException;
import org.apache.james.core.MailAddress;
import org.apache.james.core.MaybeSender;
import org.apache.james.core.Username;
import org.apache.james.metrics.api.Metric;
import org.apache.james.metrics.api.MetricFactory;
import org.apache.james.protocols.smtp.SMTPSession;
import org.apache.james.protocols.smtp.hook.HookResult;
import org.apache.james.protocols.smtp.hook.HookReturnCode;
import org.helpdeskmail.testing.ManualClock;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class SubmissionRateLimitsTest {
    private final ManualClock clock = new ManualClock();
    private final MetricFactory metricFactory = mock(MetricFactory.class);
    private final Metric throttled = mock(Metric.class);

    @BeforeEach
    void metrics() {
        when(metricFactory.generate(SubmissionRateLimits.METRIC)).thenReturn(throttled);
    }

    private SubmissionRateLimits configured(Map<String, String> elements) throws ConfigurationException {
        BaseHierarchicalConfiguration configuration = new BaseHierarchicalConfiguration();
        elements.forEach(configuration::addProperty);
        SubmissionRateLimits limits = new SubmissionRateLimits(metricFactory, clock);
        limits.init(configuration);
        return limits;
    }

    private static SMTPSession authenticatedAs(String user) {
        SMTPSession session = mock(SMTPSession.class);
        when(session.getUsername()).thenReturn(Username.of(user));
        return session;
    }

    private static MaybeSender sender() throws Exception {
        return MaybeSender.of(new MailAddress("noreply@helpdesk.example"));
    }

    private static MailAddress recipient() throws Exception {
        return new MailAddress("customer@customer.example");
    }

    private static void assertSoftRefusal(HookResult result, String... mentions) {
        assertThat(result.getResult()).isEqualTo(HookReturnCode.denySoft());
        assertThat(result.getSmtpRetCode()).isEqualTo("451");
        assertThat(result.getSmtpDescription()).startsWith("4.7.1 ").contains(mentions);
    }

    @Test
    void refusesMessagesOverThePerUserLimitUntilTheBucketRefills() throws Exception {
        SubmissionRateLimits limits = configured(Map.of("messagesPerMinute", "3"));
        SMTPSession session = authenticatedAs("app@helpdesk.example");
        for (int i = 0; i < 3; i++) {
            assertThat(limits.doMail(session, sender())).isEqualTo(HookResult.DECLINED);
        }

        assertSoftRefusal(limits.doMail(session, sender()), "app@helpdesk.example", "messages", "3 a minute");
        verify(throttled, times(1)).increment();

        clock.advance(Duration.ofSeconds(20));
        assertThat(limits.doMail(session, sender())).as("one token back after a third of a minute").isEqualTo(HookResult.DECLINED);
        assertSoftRefusal(limits.doMail(session, sender()), "messages");
    }

    @Test
    void countsPerUserWhateverTheSession() throws Exception {
        SubmissionRateLimits limits = configured(Map.of("messagesPerMinute", "2"));
        limits.doMail(authenticatedAs("app@helpdesk.example"), sender());
        limits.doMail(authenticatedAs("APP@helpdesk.example"), sender());

        assertSoftRefusal(limits.doMail(authenticatedAs("app@helpdesk.example"), sender()), "app@helpdesk.example");
        assertThat(limits.doMail(authenticatedAs("other@helpdesk.example"), sender())).isEqualTo(HookResult.DECLINED);
    }

    @Test
    void refusesRecipientsOverThePerUserLimitOneByOne() throws Exception {
        SubmissionRateLimits limits = configured(Map.of("recipientsPerMinute", "2"));
        SMTPSession session = authenticatedAs("app@helpdesk.example");
        assertThat(limits.doRcpt(session, sender(), recipient())).isEqualTo(HookResult.DECLINED);
        assertThat(limits.doRcpt(session, sender(), recipient())).isEqualTo(HookResult.DECLINED);

        assertSoftRefusal(limits.doRcpt(session, sender(), recipient()), "recipients", "2 a minute");
        assertThat(limits.doMail(session, sender())).as("messages have their own limit").isEqualTo(HookResult.DECLINED);
    }

    @Test
    void leavesUnauthenticatedSessionsToTheOtherHooks() throws Exception {
        SubmissionRateLimits limits = configured(Map.of("messagesPerMinute", "1", "recipientsPerMinute", "1"));
        SMTPSession anonymous = mock(SMTPSession.class);

        for (int i = 0; i < 5; i++) {
            assertThat(limits.doMail(anonymous, sender())).isEqualTo(HookResult.DECLINED);
            assertThat(limits.doRcpt(anonymous, sender(), recipient())).isEqualTo(HookResult.DECLINED);
        }
    }

    @Test
    void hasDefaultsAboveTheAppsPeak() throws Exception {
        SubmissionRateLimits limits = configured(Map.of());
        SMTPSession session = authenticatedAs("app@helpdesk.example");
        for (int i = 0; i < SubmissionRateLimits.DEFAULT_MESSAGES_PER_MINUTE; i++) {
            assertThat(limits.doMail(session, sender())).isEqualTo(HookResult.DECLINED);
        }

        assertSoftRefusal(limits.doMail(session, sender()), String.valueOf(SubmissionRateLimits.DEFAULT_MESSAGES_PER_MINUTE));
    }

    @Test
    void failsConfigurationNamingTheElement() {
        assertThatThrownBy(() -> configured(Map.of("messagesPerMinute", "many")))
            .isInstanceOf(ConfigurationException.class).hasMessageContaining("<messagesPerMinute>").hasMessageContaining("many");
        assertThatThrownBy(() -> configured(Map.of("recipientsPerMinute", "0"))).hasMessageContaining("<recipientsPerMinute>");
    }
}
