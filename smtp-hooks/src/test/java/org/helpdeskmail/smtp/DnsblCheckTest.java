package org.helpdeskmail.smtp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.ArgumentMatchers.anyString;
import static org.mockito.Mockito.doAnswer;
import static org.mockito.Mockito.doThrow;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.never;
import static org.mockito.Mockito.spy;
import static org.mockito.Mockito.times;
import static org.mockito.Mockito.verify;
import static org.mockito.Mockito.when;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;

import org.apache.commons.configuration2.BaseHierarchicalConfiguration;
import org.apache.james.core.MailAddress;
import org.apache.james.core.MaybeSender;
import org.apache.james.core.Username;
import org.apache.james.dnsservice.api.DNSService;
import org.apache.james.dnsservice.api.InMemoryDNSService;
import org.apache.james.protocols.api.ProtocolSession;
import org.apache.james.protocols.smtp.SMTPSession;
import org.apache.james.protocols.smtp.hook.HookResult;
import org.apache.james.protocols.smtp.hook.HookReturnCode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

import com.google.common.base.Ticker;
import com.google.common.net.InetAddresses;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;

class DnsblCheckTest {
    private static final String CLIENT = "192.0.2.1";
    private static final String CLIENT_IN_ZEN = "1.2.0.192.zen.spamhaus.org.";
    private static final String CLIENT_IN_BL = "1.2.0.192.bl.example.";

    private final AtomicLong nanos = new AtomicLong();
    private final Ticker ticker = new Ticker() {
        @Override
        public long read() {
            return nanos.get();
        }
    };
    private final InMemoryDNSService records = new InMemoryDNSService();
    private DNSService dns;
    private ListAppender<ILoggingEvent> logs;
    private Logger logger;

    @BeforeEach
    void captureLogs() {
        logger = (Logger) LoggerFactory.getLogger(DnsblCheck.class);
        logs = new ListAppender<>();
        logs.start();
        logger.addAppender(logs);
    }

    @AfterEach
    void releaseLogs() {
        logger.detachAppender(logs);
    }

    private void register(String name, List<String> txt, String... addresses) {
        records.registerRecord(name, Arrays.stream(addresses).map(InetAddresses::forString).collect(Collectors.toList()), List.of(), txt);
    }

    private DnsblCheck configured(String... keysAndValues) throws Exception {
        BaseHierarchicalConfiguration configuration = new BaseHierarchicalConfiguration();
        for (int i = 0; i < keysAndValues.length; i += 2) {
            configuration.addProperty(keysAndValues[i], keysAndValues[i + 1]);
        }
        dns = spy(records);
        DnsblCheck check = new DnsblCheck(dns, ticker);
        check.init(configuration);
        return check;
    }

    /** A session that keeps its connection-state attachments, as James's does. */
    private static SMTPSession sessionFrom(String ip) {
        SMTPSession session = mock(SMTPSession.class);
        when(session.getRemoteAddress()).thenReturn(new InetSocketAddress(InetAddresses.forString(ip), 40000));
        when(session.getSessionID()).thenReturn("session-1");
        Map<Object, Object> connectionState = new HashMap<>();
        doAnswer(invocation -> Optional.ofNullable(connectionState.put(invocation.getArgument(0), invocation.getArgument(1))))
            .when(session).setAttachment(any(), any(), any());
        doAnswer(invocation -> invocation.getArgument(1) == ProtocolSession.State.Connection
            ? Optional.ofNullable(connectionState.get(invocation.getArgument(0)))
            : Optional.empty())
            .when(session).getAttachment(any(), any());
        return session;
    }

    private static HookResult rcpt(DnsblCheck check, SMTPSession session) throws Exception {
        return check.doRcpt(session, MaybeSender.getMailSender("sender@sender.example"), new MailAddress("support@acme.helpdesk.example"));
    }

    private long warnings(String containing) {
        return logs.list.stream().filter(event -> event.getLevel() == Level.WARN && event.getFormattedMessage().contains(containing)).count();
    }

    @Test
    void refusesListedClientWith554NamingTheZoneAndItsExplanation() throws Exception {
        register(CLIENT_IN_ZEN, List.of("\"https://check.spamhaus.org/listed/?searchterm=192.0.2.1\""), "127.0.0.2");
        SMTPSession session = sessionFrom(CLIENT);

        HookResult result = rcpt(configured(), session);

        assertThat(result.getResult()).isEqualTo(HookReturnCode.deny());
        assertThat(result.getSmtpRetCode()).isEqualTo("554");
        assertThat(result.getSmtpDescription())
            .isEqualTo("5.7.1 192.0.2.1 is listed in zen.spamhaus.org: https://check.spamhaus.org/listed/?searchterm=192.0.2.1");
        assertThat(DnsblCheck.listedBy(session)).contains("zen.spamhaus.org");
        assertThat(DnsblCheck.weight(session)).isEqualTo(1);
    }

    @Test
    void refusesWithoutExplanationWhenTheZoneHasNoTxtRecord() throws Exception {
        // InMemoryDNSService throws for a TXT lookup of an unknown name: the listing must stand anyway.
        register(CLIENT_IN_BL, List.of(), "127.0.0.11");

        HookResult result = rcpt(configured("zones", "bl.example"), sessionFrom(CLIENT));

        assertThat(result.getSmtpRetCode()).isEqualTo("554");
        assertThat(result.getSmtpDescription()).isEqualTo("5.7.1 192.0.2.1 is listed in bl.example");
    }

    @Test
    void weightCountsTheZonesThatListTheClient() throws Exception {
        register(CLIENT_IN_BL, List.of(), "127.0.0.2");
        register("1.2.0.192.other.example.", List.of(), "127.0.0.4");
        SMTPSession session = sessionFrom(CLIENT);

        HookResult result = rcpt(configured("zones", "zen.spamhaus.org, bl.example, other.example"), session);

        assertThat(result.getSmtpDescription()).startsWith("5.7.1 192.0.2.1 is listed in bl.example");
        assertThat(DnsblCheck.weight(session)).isEqualTo(2);
        assertThat(DnsblCheck.listedBy(session)).contains("bl.example");
        assertThat(DnsblCheck.verdict(session).orElseThrow().listings())
            .extracting(DnsblCheck.Listing::zone).containsExactly("bl.example", "other.example");
    }

    @Test
    void acceptsClientThatNoZoneLists() throws Exception {
        SMTPSession session = sessionFrom(CLIENT);

        assertThat(rcpt(configured("zones", "zen.spamhaus.org bl.example"), session)).isEqualTo(HookResult.DECLINED);
        assertThat(DnsblCheck.listedBy(session)).isEmpty();
        assertThat(DnsblCheck.weight(session)).isZero();
        assertThat(DnsblCheck.verdict(session)).hasValueSatisfying(verdict -> assertThat(verdict.listed()).isFalse());
        verify(dns).getAllByName(CLIENT_IN_ZEN);
        verify(dns).getAllByName(CLIENT_IN_BL);
    }

    @Test
    void ignoresARefusedQueryAndWarnsOncePerZonePerMinute() throws Exception {
        register(CLIENT_IN_ZEN, List.of(), "127.255.255.254");
        DnsblCheck check = configured("cacheSeconds", "0");

        assertThat(rcpt(check, sessionFrom(CLIENT))).isEqualTo(HookResult.DECLINED);
        assertThat(rcpt(check, sessionFrom(CLIENT))).isEqualTo(HookResult.DECLINED);
        assertThat(warnings("zen.spamhaus.org refuses our queries")).isEqualTo(1);

        nanos.addAndGet(TimeUnit.SECONDS.toNanos(61));
        SMTPSession later = sessionFrom(CLIENT);
        assertThat(rcpt(check, later)).isEqualTo(HookResult.DECLINED);

        assertThat(warnings("zen.spamhaus.org refuses our queries")).isEqualTo(2);
        assertThat(DnsblCheck.listedBy(later)).isEmpty();
        verify(dns, times(3)).getAllByName(CLIENT_IN_ZEN);
    }

    @Test
    void ignoresAnAnswerOutsideTheListingCodes() throws Exception {
        register(CLIENT_IN_ZEN, List.of(), "127.0.0.1");

        assertThat(rcpt(configured(), sessionFrom(CLIENT))).isEqualTo(HookResult.DECLINED);
        assertThat(warnings("not a listing")).isEqualTo(1);
    }

    @Test
    void neverLooksUpAllowListedClients() throws Exception {
        register(CLIENT_IN_ZEN, List.of(), "127.0.0.2");
        SMTPSession session = sessionFrom(CLIENT);

        assertThat(rcpt(configured("allowList", "10.0.0.0/8, 192.0.2.0/24"), session)).isEqualTo(HookResult.DECLINED);
        verify(dns, never()).getAllByName(anyString());
        assertThat(DnsblCheck.verdict(session)).isEmpty();
    }

    @Test
    void looksUpLoopbackOnlyWhenConfigured() throws Exception {
        register("2.0.0.127.zen.spamhaus.org.", List.of(), "127.0.0.2");

        assertThat(rcpt(configured(), sessionFrom("127.0.0.2"))).isEqualTo(HookResult.DECLINED);
        verify(dns, never()).getAllByName(anyString());

        HookResult checked = rcpt(configured("checkLoopback", "true"), sessionFrom("127.0.0.2"));
        assertThat(checked.getSmtpRetCode()).isEqualTo("554");
        assertThat(checked.getSmtpDescription()).isEqualTo("5.7.1 127.0.0.2 is listed in zen.spamhaus.org");
    }

    @Test
    void skipsAuthenticatedSessions() throws Exception {
        register(CLIENT_IN_ZEN, List.of(), "127.0.0.2");
        SMTPSession session = sessionFrom(CLIENT);
        when(session.getUsername()).thenReturn(Username.of("app@notify.example"));

        assertThat(rcpt(configured(), session)).isEqualTo(HookResult.DECLINED);
        verify(dns, never()).getAllByName(anyString());
    }

    @Test
    void cachesTheAnswerPerAddressAndZoneForCacheSeconds() throws Exception {
        register(CLIENT_IN_ZEN, List.of(), "127.0.0.2");
        DnsblCheck check = configured("cacheSeconds", "300");

        assertThat(rcpt(check, sessionFrom(CLIENT)).getSmtpRetCode()).isEqualTo("554");
        nanos.addAndGet(TimeUnit.SECONDS.toNanos(299));
        assertThat(rcpt(check, sessionFrom(CLIENT)).getSmtpRetCode()).isEqualTo("554");
        verify(dns, times(1)).getAllByName(CLIENT_IN_ZEN);
        verify(dns, times(1)).findTXTRecords(CLIENT_IN_ZEN);

        nanos.addAndGet(TimeUnit.SECONDS.toNanos(2));
        records.dropRecord(CLIENT_IN_ZEN);
        assertThat(rcpt(check, sessionFrom(CLIENT))).isEqualTo(HookResult.DECLINED);
        verify(dns, times(2)).getAllByName(CLIENT_IN_ZEN);
    }

    @Test
    void answersLaterRecipientsOfTheConnectionFromItsVerdict() throws Exception {
        register(CLIENT_IN_ZEN, List.of(), "127.0.0.3");
        DnsblCheck check = configured("cacheSeconds", "0");
        SMTPSession session = sessionFrom(CLIENT);

        assertThat(rcpt(check, session).getSmtpRetCode()).isEqualTo("554");
        assertThat(rcpt(check, session).getSmtpRetCode()).isEqualTo("554");
        verify(dns, times(1)).getAllByName(CLIENT_IN_ZEN);
    }

    @Test
    void failsOpenWithoutCachingWhenTheDnsServiceThrows() throws Exception {
        DnsblCheck check = configured();
        doThrow(new IllegalStateException("resolver broken")).when(dns).getAllByName(CLIENT_IN_ZEN);

        assertThat(rcpt(check, sessionFrom(CLIENT))).isEqualTo(HookResult.DECLINED);
        assertThat(rcpt(check, sessionFrom(CLIENT))).isEqualTo(HookResult.DECLINED);

        verify(dns, times(2)).getAllByName(CLIENT_IN_ZEN);
        assertThat(warnings("DNSBL lookup " + CLIENT_IN_ZEN + " failed")).isEqualTo(2);
    }

    @Test
    void buildsReversedOctetAndNibbleQueryNames() throws Exception {
        assertThat(DnsblCheck.queryName(InetAddress.getByName("1.2.3.4"), "zen.spamhaus.org")).isEqualTo("4.3.2.1.zen.spamhaus.org.");
        assertThat(DnsblCheck.queryName(InetAddress.getByName("2001:db8::1"), "zen.spamhaus.org"))
            .isEqualTo("1.0.0.0." + "0.".repeat(20) + "8.b.d.0.1.0.0.2.zen.spamhaus.org.");
        assertThat(DnsblCheck.queryName(InetAddress.getByName("2001:db8:abcd:12::f0"), "bl.example"))
            .isEqualTo("0.f.0.0." + "0.".repeat(12) + "2.1.0.0.d.c.b.a.8.b.d.0.1.0.0.2.bl.example.");
    }

    @Test
    void looksUpIpv6ClientsByNibbles() throws Exception {
        register("1.0.0.0." + "0.".repeat(20) + "8.b.d.0.1.0.0.2.zen.spamhaus.org.", List.of(), "127.0.0.2");
        SMTPSession session = sessionFrom("2001:db8::1");

        HookResult result = rcpt(configured(), session);

        assertThat(result.getSmtpRetCode()).isEqualTo("554");
        assertThat(result.getSmtpDescription()).isEqualTo("5.7.1 2001:db8::1 is listed in zen.spamhaus.org");
    }

    @Test
    void makesTxtRecordsFitForAReplyLine() {
        assertThat(DnsblCheck.sanitize("\"Listed, see \" \"https://bl.example/?ip=192.0.2.1\"")).isEqualTo("Listed, see https://bl.example/?ip=192.0.2.1");
        assertThat(DnsblCheck.sanitize("bad\r\n250 fake")).isEqualTo("bad 250 fake");
        assertThat(DnsblCheck.sanitize("x".repeat(500))).hasSize(200);
    }

    @Test
    void failsConfigurationNamingTheElement() {
        assertThatThrownBy(() -> configured("zones", "zen.spamhaus.org, bad!zone.example")).hasMessageContaining("<zones>").hasMessageContaining("bad!zone.example");
        assertThatThrownBy(() -> configured("zones", "localhost")).hasMessageContaining("<zones>").hasMessageContaining("localhost");
        assertThatThrownBy(() -> configured("zones", " , ")).hasMessageContaining("<zones>");
        assertThatThrownBy(() -> configured("cacheSeconds", "five")).hasMessageContaining("<cacheSeconds>");
        assertThatThrownBy(() -> configured("cacheSeconds", "-1")).hasMessageContaining("<cacheSeconds>");
        assertThatThrownBy(() -> configured("allowList", "10.0.0.0/8, office")).hasMessageContaining("<allowList>").hasMessageContaining("office");
        assertThatThrownBy(() -> configured("checkLoopback", "maybe")).hasMessageContaining("<checkLoopback>");
    }
}
