package org.helpdeskmail.smtp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.never;
import static org.mockito.Mockito.times;
import static org.mockito.Mockito.verify;
import static org.mockito.Mockito.when;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Map;

import org.apache.commons.configuration2.BaseHierarchicalConfiguration;
import org.apache.commons.configuration2.ex.ConfigurationException;
import org.apache.james.core.MailAddress;
import org.apache.james.core.MaybeSender;
import org.apache.james.core.Username;
import org.apache.james.metrics.api.Metric;
import org.apache.james.metrics.api.MetricFactory;
import org.apache.james.protocols.api.Response;
import org.apache.james.protocols.smtp.SMTPSession;
import org.apache.james.protocols.smtp.hook.HookResult;
import org.apache.james.protocols.smtp.hook.HookReturnCode;
import org.helpdeskmail.testing.ManualClock;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class ThrottlingTest {

    private final ManualClock clock = new ManualClock();
    private final MetricFactory metricFactory = mock(MetricFactory.class);
    private final Metric throttled = mock(Metric.class);

    @BeforeEach
    void metrics() {
        when(metricFactory.generate(Throttling.METRIC)).thenReturn(throttled);
    }

    private Throttling configured(Map<String, String> elements, String... allowList) throws ConfigurationException {
        BaseHierarchicalConfiguration configuration = new BaseHierarchicalConfiguration();
        elements.forEach(configuration::addProperty);
        for (String networks : allowList) {
            configuration.addProperty("allowList", networks);
        }
        Throttling throttling = new Throttling(metricFactory, clock);
        throttling.init(configuration);
        return throttling;
    }

    private static SMTPSession sessionFrom(String ip) {
        SMTPSession session = mock(SMTPSession.class);
        when(session.getRemoteAddress()).thenReturn(new InetSocketAddress(ip, 40000));
        return session;
    }

    private static SMTPSession authenticatedSessionFrom(String ip) {
        SMTPSession session = sessionFrom(ip);
        when(session.getUsername()).thenReturn(Username.of("app@notify.example.com"));
        return session;
    }

    private static MaybeSender sender(String address) throws Exception {
        return MaybeSender.of(new MailAddress(address));
    }

    private static MailAddress recipient() throws Exception {
        return new MailAddress("support@acme.helpdesk.example");
    }

    private static void assertSoftRefusal(HookResult result, String... mentions) {
        assertThat(result.getResult()).isEqualTo(HookReturnCode.denySoft());
        assertThat(result.getSmtpRetCode()).isEqualTo("451");
        assertThat(result.getSmtpDescription()).startsWith("4.7.1 ").contains(mentions);
    }

    @Test
    void closesConnectionsOverThePerMinuteLimitWith421() throws Exception {
        Throttling throttling = configured(Map.of("connectionsPerMinute", "2"));

        assertThat(throttling.onConnect(sessionFrom("198.51.100.7"))).isNull();
        assertThat(throttling.onConnect(sessionFrom("198.51.100.7"))).isNull();
        Response refused = throttling.onConnect(sessionFrom("198.51.100.7"));

        assertThat(refused.getRetCode()).isEqualTo("421");
        assertThat(refused.getLines().get(0).toString())
            .startsWith("421 4.7.0 ").contains("connections").contains("198.51.100.7").contains("2 per minute");
        assertThat(refused.isEndSession()).isTrue();
        assertThat(throttling.onConnect(sessionFrom("198.51.100.8"))).as("another client").isNull();
        verify(throttled, times(1)).increment();
    }

    @Test
    void letsConnectionsInAgainAsTheBucketRefills() throws Exception {
        Throttling throttling = configured(Map.of("connectionsPerMinute", "2"));
        throttling.onConnect(sessionFrom("198.51.100.7"));
        throttling.onConnect(sessionFrom("198.51.100.7"));

        clock.advance(Duration.ofSeconds(29));
        assertThat(throttling.onConnect(sessionFrom("198.51.100.7"))).isNotNull();
        clock.advance(Duration.ofSeconds(1));
        assertThat(throttling.onConnect(sessionFrom("198.51.100.7"))).isNull();
    }

    @Test
    void limitsConnectionsOfAuthenticatingClientsToo() throws Exception {
        Throttling throttling = configured(Map.of("connectionsPerMinute", "1"));

        assertThat(throttling.onConnect(authenticatedSessionFrom("10.1.2.3"))).isNull();
        assertThat(throttling.onConnect(authenticatedSessionFrom("10.1.2.3"))).isNotNull();
    }

    @Test
    void defersMessagesOverThePerClientLimitWith451() throws Exception {
        Throttling throttling = configured(Map.of("messagesPerMinute", "2"));
        SMTPSession session = sessionFrom("198.51.100.7");

        assertThat(throttling.doMail(session, sender("a@example.org"))).isEqualTo(HookResult.DECLINED);
        assertThat(throttling.doMail(session, sender("b@example.org"))).isEqualTo(HookResult.DECLINED);
        HookResult refused = throttling.doMail(session, sender("c@example.org"));

        assertSoftRefusal(refused, "Too many messages from 198.51.100.7", "2 per minute");
        assertThat(throttling.doMail(sessionFrom("198.51.100.8"), sender("c@example.org"))).isEqualTo(HookResult.DECLINED);
        verify(throttled, times(1)).increment();
    }

    @Test
    void defersRecipientsOverThePerClientLimitWith451() throws Exception {
        Throttling throttling = configured(Map.of("recipientsPerMinute", "3"));
        SMTPSession session = sessionFrom("198.51.100.7");
        for (int i = 0; i < 3; i++) {
            assertThat(throttling.doRcpt(session, sender("a@example.org"), recipient())).isEqualTo(HookResult.DECLINED);
        }

        assertSoftRefusal(throttling.doRcpt(session, sender("a@example.org"), recipient()),
            "Too many recipients from 198.51.100.7", "3 per minute");
    }

    @Test
    void defersMessagesOverThePerSenderLimitWhateverTheClient() throws Exception {
        Throttling throttling = configured(Map.of("messagesPerSenderPerMinute", "2"));

        assertThat(throttling.doMail(sessionFrom("198.51.100.1"), sender("news@example.org"))).isEqualTo(HookResult.DECLINED);
        assertThat(throttling.doMail(sessionFrom("198.51.100.2"), sender("NEWS@example.org"))).isEqualTo(HookResult.DECLINED);
        HookResult refused = throttling.doMail(sessionFrom("198.51.100.3"), sender("news@example.org"));

        assertSoftRefusal(refused, "Too many messages from sender <news@example.org>", "2 per minute");
        assertThat(throttling.doMail(sessionFrom("198.51.100.3"), sender("other@example.org"))).isEqualTo(HookResult.DECLINED);
    }

    @Test
    void countsAllBouncesUnderTheNullSender() throws Exception {
        Throttling throttling = configured(Map.of("messagesPerSenderPerMinute", "1"));

        assertThat(throttling.doMail(sessionFrom("198.51.100.1"), MaybeSender.nullSender())).isEqualTo(HookResult.DECLINED);

        assertSoftRefusal(throttling.doMail(sessionFrom("198.51.100.2"), MaybeSender.nullSender()), "sender <>");
    }

    @Test
    void aMessageRefusedForItsClientDoesNotUseItsSendersAllowance() throws Exception {
        Throttling throttling = configured(Map.of("messagesPerMinute", "1", "messagesPerSenderPerMinute", "1"));
        throttling.doMail(sessionFrom("198.51.100.1"), sender("x@example.org"));

        assertSoftRefusal(throttling.doMail(sessionFrom("198.51.100.1"), sender("y@example.org")), "198.51.100.1");

        assertThat(throttling.doMail(sessionFrom("198.51.100.2"), sender("y@example.org"))).isEqualTo(HookResult.DECLINED);
    }

    @Test
    void neverThrottlesTheAllowList() throws Exception {
        Throttling throttling = configured(Map.of("connectionsPerMinute", "1", "messagesPerMinute", "1",
            "recipientsPerMinute", "1", "messagesPerSenderPerMinute", "1"), "10.0.0.0/8", "192.0.2.0/24");

        for (String ip : new String[] {"10.9.8.7", "192.0.2.55"}) {
            for (int i = 0; i < 5; i++) {
                assertThat(throttling.onConnect(sessionFrom(ip))).isNull();
                assertThat(throttling.doMail(sessionFrom(ip), sender("a@example.org"))).isEqualTo(HookResult.DECLINED);
                assertThat(throttling.doRcpt(sessionFrom(ip), sender("a@example.org"), recipient())).isEqualTo(HookResult.DECLINED);
            }
        }
        assertThat(throttling.onConnect(sessionFrom("198.51.100.1"))).isNull();
        assertThat(throttling.onConnect(sessionFrom("198.51.100.1"))).as("outside the allow-list").isNotNull();
        verify(throttled, times(1)).increment();
    }

    @Test
    void doesNotLimitMessagesNorRecipientsOfAuthenticatedSessions() throws Exception {
        Throttling throttling = configured(Map.of("messagesPerMinute", "1", "recipientsPerMinute", "1", "messagesPerSenderPerMinute", "1"));
        SMTPSession app = authenticatedSessionFrom("10.1.2.3");

        for (int i = 0; i < 20; i++) {
            assertThat(throttling.doMail(app, sender("notify@notify.example.com"))).isEqualTo(HookResult.DECLINED);
            assertThat(throttling.doRcpt(app, sender("notify@notify.example.com"), recipient())).isEqualTo(HookResult.DECLINED);
        }
        SMTPSession anonymous = sessionFrom("10.1.2.3");
        assertThat(throttling.doMail(anonymous, sender("someone@example.org"))).as("authenticated mail used no token").isEqualTo(HookResult.DECLINED);
        assertThat(throttling.doMail(anonymous, sender("someone@example.org"))).isNotEqualTo(HookResult.DECLINED);
        verify(throttled, times(1)).increment();
    }

    @Test
    void countsAnIpv6ClientPerSlash64() throws Exception {
        Throttling throttling = configured(Map.of("messagesPerMinute", "1"));

        assertThat(throttling.doMail(sessionFrom("2001:db8:1:2::10"), sender("a@example.org"))).isEqualTo(HookResult.DECLINED);
        assertSoftRefusal(throttling.doMail(sessionFrom("2001:db8:1:2:ffff::99"), sender("a@example.org")),
            "Too many messages from 2001:db8:1:2::/64");
        assertThat(throttling.doMail(sessionFrom("2001:db8:1:3::10"), sender("a@example.org"))).isEqualTo(HookResult.DECLINED);
    }

    @Test
    void keysClientsByAddressOrIpv6Network() throws Exception {
        assertThat(Throttling.clientKey(InetAddress.getByName("203.0.113.9"))).isEqualTo("203.0.113.9");
        assertThat(Throttling.clientKey(InetAddress.getByName("::ffff:203.0.113.9"))).isEqualTo("203.0.113.9");
        assertThat(Throttling.clientKey(InetAddress.getByName("2001:db8::1"))).isEqualTo("2001:db8::/64");
    }

    @Test
    void enforcesNothingWithoutLimits() throws Exception {
        Throttling throttling = configured(Map.of());
        SMTPSession session = sessionFrom("198.51.100.7");

        for (int i = 0; i < 1_000; i++) {
            assertThat(throttling.onConnect(session)).isNull();
            assertThat(throttling.doMail(session, sender("a@example.org"))).isEqualTo(HookResult.DECLINED);
            assertThat(throttling.doRcpt(session, sender("a@example.org"), recipient())).isEqualTo(HookResult.DECLINED);
        }
        verify(throttled, never()).increment();
    }

    @Test
    void failsConfigurationNamingTheElement() {
        assertThatThrownBy(() -> configured(Map.of("messagesPerMinute", "lots")))
            .isInstanceOf(ConfigurationException.class).hasMessageContaining("<messagesPerMinute>").hasMessageContaining("lots");
        assertThatThrownBy(() -> configured(Map.of("connectionsPerMinute", "0"))).hasMessageContaining("<connectionsPerMinute>");
        assertThatThrownBy(() -> configured(Map.of("recipientsPerMinute", "-3"))).hasMessageContaining("<recipientsPerMinute>");
        assertThatThrownBy(() -> configured(Map.of("messagesPerSenderPerMinute", "1.5"))).hasMessageContaining("<messagesPerSenderPerMinute>");
        assertThatThrownBy(() -> configured(Map.of(), "10.0.0.0/8, office")).hasMessageContaining("<allowList>").hasMessageContaining("office");
    }
}
