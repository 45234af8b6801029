package org.helpdeskmail.smtp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.ArgumentMatchers.anyString;
import static org.mockito.Mockito.doAnswer;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.never;
import static org.mockito.Mockito.times;
import static org.mockito.Mockito.verify;
import static org.mockito.Mockito.verifyNoInteractions;
import static org.mockito.Mockito.when;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

import org.apache.commons.configuration2.BaseHierarchicalConfiguration;
import org.apache.commons.configuration2.ex.ConfigurationException;
import org.apache.james.core.MailAddress;
import org.apache.james.core.MaybeSender;
import org.apache.james.core.Username;
import org.apache.james.dnsservice.api.DNSService;
import org.apache.james.metrics.api.Metric;
import org.apache.james.metrics.api.MetricFactory;
import org.apache.james.protocols.api.ProtocolSession;
import org.apache.james.protocols.smtp.SMTPSession;
import org.apache.james.protocols.smtp.hook.HookResult;
import org.apache.james.protocols.smtp.hook.HookReturnCode;
import org.helpdeskmail.clients.GreylistStore;
import org.helpdeskmail.clients.GreylistStore.Triplet;
import org.helpdeskmail.testing.ManualClock;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

import com.google.common.net.InetAddresses;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;

class GreylistingTest {
    private static final String CLIENT = "198.51.100.7";
    private static final String SENDER = "someone@example.org";
    private static final String RECIPIENT = "support@acme.helpdesk.example";
    private static final Triplet TRIPLET = new Triplet("198.51.100.0/24", SENDER, RECIPIENT);

    /** The store's contract on a map; {@code failure} set makes every operation fail with it. */
    static final class InMemoryGreylistStore implements GreylistStore {
        final Map<Triplet, Entry> entries = new ConcurrentHashMap<>();
        volatile Exception failure;
        int sweeps;

        private void failIfAsked() throws StoreException {
            if (failure instanceof RuntimeException runtime) {
                throw runtime;
            }
            if (failure != null) {
                throw new StoreException("store is down", failure);
            }
        }

        @Override
        public Optional<Entry> find(Triplet triplet) throws StoreException {
            failIfAsked();
            return Optional.ofNullable(entries.get(triplet));
        }

        @Override
        public Entry recordFirstAttempt(Triplet triplet, Instant now) throws StoreException {
            failIfAsked();
            return entries.computeIfAbsent(triplet, ignored -> new Entry(now, now, false));
        }

        @Override
        public void restart(Triplet triplet, Instant now) throws StoreException {
            failIfAsked();
            entries.put(triplet, new Entry(now, now, false));
        }

        @Override
        public boolean markAllowed(Triplet triplet, Instant now) throws StoreException {
            failIfAsked();
            return entries.computeIfPresent(triplet, (ignored, entry) -> new Entry(entry.firstSeen(), now, true)) != null;
        }

        @Override
        public int deleteExpired(Instant now, Duration window, Duration autoAllow) throws StoreException {
            failIfAsked();
            sweeps++;
            int before = entries.size();
            entries.values().removeIf(entry -> entry.allowed()
                ? entry.lastSeen().isBefore(now.minus(autoAllow))
                : entry.firstSeen().isBefore(now.minus(window)));
            return before - entries.size();
        }
    }

    private final ManualClock clock = new ManualClock();
    private final InMemoryGreylistStore store = new InMemoryGreylistStore();
    private final DNSService dns = mock(DNSService.class);
    private final MetricFactory metricFactory = mock(MetricFactory.class);
    private final Metric greylisted = mock(Metric.class);
    private ListAppender<ILoggingEvent> logs;
    private Logger logger;
    private Level previousLevel;

    @BeforeEach
    void setUp() throws Exception {
        when(metricFactory.generate(Greylisting.METRIC)).thenReturn(greylisted);
        // By default no client has reverse DNS: DNSJavaService answers the address itself then.
        when(dns.getHostName(any())).thenAnswer(invocation -> ((InetAddress) invocation.getArgument(0)).getHostAddress());
        when(dns.getAllByName(anyString())).thenThrow(new UnknownHostException());
        logger = (Logger) LoggerFactory.getLogger(Greylisting.class);
        logs = new ListAppender<>();
        logs.start();
        logger.addAppender(logs);
        previousLevel = logger.getLevel();
        logger.setLevel(Level.INFO);
    }

    @AfterEach
    void releaseLogs() {
        logger.detachAppender(logs);
        logger.setLevel(previousLevel);
    }

    private Greylisting configured(String... keysAndValues) throws ConfigurationException {
        BaseHierarchicalConfiguration configuration = new BaseHierarchicalConfiguration();
        for (int i = 0; i < keysAndValues.length; i += 2) {
            configuration.addProperty(keysAndValues[i], keysAndValues[i + 1]);
        }
        Greylisting greylisting = new Greylisting(store, dns, clock, metricFactory);
        greylisting.init(configuration);
        return greylisting;
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

    private static SMTPSession listedIn(SMTPSession session, String... zones) {
        List<DnsblCheck.Listing> listings = Arrays.stream(zones).map(zone -> new DnsblCheck.Listing(zone, "")).toList();
        session.setAttachment(DnsblCheck.VERDICT, new DnsblCheck.DnsblVerdict(CLIENT, listings), ProtocolSession.State.Connection);
        return session;
    }

    private void forwardConfirmed(String ip, String name) throws Exception {
        InetAddress address = InetAddresses.forString(ip);
        when(dns.getHostName(address)).thenReturn(name);
        doAnswer(invocation -> List.of(address)).when(dns).getAllByName(name);
    }

    private static HookResult rcpt(Greylisting greylisting, SMTPSession session) throws Exception {
        return rcpt(greylisting, session, SENDER, RECIPIENT);
    }

    private static HookResult rcpt(Greylisting greylisting, SMTPSession session, String sender, String recipient) throws Exception {
        MaybeSender maybeSender = sender.isEmpty() ? MaybeSender.nullSender() : MaybeSender.of(new MailAddress(sender));
        return greylisting.doRcpt(session, maybeSender, new MailAddress(recipient));
    }

    private static void assertGreylisted(HookResult result, String wait) {
        assertThat(result.getResult()).isEqualTo(HookReturnCode.denySoft());
        assertThat(result.getSmtpRetCode()).isEqualTo("451");
        assertThat(result.getSmtpDescription()).isEqualTo("4.7.1 Greylisted, please try again in " + wait);
    }

    @Test
    void refusesTheFirstAttemptWith451SayingWhenToRetry() throws Exception {
        Greylisting greylisting = configured("mode", "all");

        assertGreylisted(rcpt(greylisting, sessionFrom(CLIENT)), "5 minutes");

        assertThat(store.entries).containsEntry(TRIPLET, new GreylistStore.Entry(clock.instant(), clock.instant(), false));
        verify(greylisted, times(1)).increment();
    }

    @Test
    void refusesAnEarlyRetryWithTheTimeLeftWithoutRestartingTheWait() throws Exception {
        Greylisting greylisting = configured("mode", "all");
        Instant first = clock.instant();
        rcpt(greylisting, sessionFrom(CLIENT));

        clock.advance(Duration.ofSeconds(100));
        assertGreylisted(rcpt(greylisting, sessionFrom(CLIENT)), "3 minutes 20 seconds");

        assertThat(store.entries.get(TRIPLET).firstSeen()).isEqualTo(first);
        verify(greylisted, times(2)).increment();
    }

    @Test
    void acceptsARetryAfterTheDelayAndAllowsTheTriplet() throws Exception {
        Greylisting greylisting = configured("mode", "all", "delay", "5 minutes");
        Instant first = clock.instant();
        rcpt(greylisting, sessionFrom(CLIENT));

        clock.advance(Duration.ofMinutes(5));
        assertThat(rcpt(greylisting, sessionFrom(CLIENT))).as("exactly at the delay").isEqualTo(HookResult.DECLINED);

        assertThat(store.entries.get(TRIPLET)).isEqualTo(new GreylistStore.Entry(first, clock.instant(), true));
        verify(greylisted, times(1)).increment();
    }

    @Test
    void acceptsLaterMailOfAnAllowedTripletAndKeepsItsLastUseCurrent() throws Exception {
        Greylisting greylisting = configured("mode", "all");
        rcpt(greylisting, sessionFrom(CLIENT));
        clock.advance(Duration.ofMinutes(10));
        rcpt(greylisting, sessionFrom(CLIENT));
        Instant allowedAt = clock.instant();

        clock.advance(Duration.ofMinutes(20));
        assertThat(rcpt(greylisting, sessionFrom(CLIENT))).isEqualTo(HookResult.DECLINED);
        assertThat(store.entries.get(TRIPLET).lastSeen()).as("not written again within the hour").isEqualTo(allowedAt);

        clock.advance(Duration.ofDays(30));
        assertThat(rcpt(greylisting, sessionFrom(CLIENT))).isEqualTo(HookResult.DECLINED);
        assertThat(store.entries.get(TRIPLET).lastSeen()).isEqualTo(clock.instant());

        clock.advance(Duration.ofDays(30));
        assertThat(rcpt(greylisting, sessionFrom(CLIENT))).as("within 36 days of the last use").isEqualTo(HookResult.DECLINED);
        verify(greylisted, times(1)).increment();
    }

    @Test
    void startsOverWhenTheRetryComesAfterTheWindow() throws Exception {
        Greylisting greylisting = configured("mode", "all", "window", "4 hours");
        rcpt(greylisting, sessionFrom(CLIENT));

        clock.advance(Duration.ofHours(4).plusSeconds(1));
        assertGreylisted(rcpt(greylisting, sessionFrom(CLIENT)), "5 minutes");
        assertThat(store.entries.get(TRIPLET)).isEqualTo(new GreylistStore.Entry(clock.instant(), clock.instant(), false));

        clock.advance(Duration.ofMinutes(5));
        assertThat(rcpt(greylisting, sessionFrom(CLIENT))).isEqualTo(HookResult.DECLINED);
    }

    @Test
    void acceptsARetryAtTheEndOfTheWindow() throws Exception {
        Greylisting greylisting = configured("mode", "all", "window", "4 hours");
        rcpt(greylisting, sessionFrom(CLIENT));

        clock.advance(Duration.ofHours(4));

        assertThat(rcpt(greylisting, sessionFrom(CLIENT))).isEqualTo(HookResult.DECLINED);
    }

    @Test
    void startsOverWhenAnAllowedTripletWentUnusedForTheAutoAllowLifetime() throws Exception {
        Greylisting greylisting = configured("mode", "all", "autoAllow", "36 days");
        rcpt(greylisting, sessionFrom(CLIENT));
        clock.advance(Duration.ofMinutes(5));
        rcpt(greylisting, sessionFrom(CLIENT));

        clock.advance(Duration.ofDays(36).plusSeconds(1));

        assertGreylisted(rcpt(greylisting, sessionFrom(CLIENT)), "5 minutes");
        assertThat(store.entries.get(TRIPLET).allowed()).isFalse();
    }

    @Test
    void greylistsPerRecipientSenderAndClientNetwork() throws Exception {
        Greylisting greylisting = configured("mode", "all");
        rcpt(greylisting, sessionFrom(CLIENT));
        clock.advance(Duration.ofMinutes(5));

        assertThat(rcpt(greylisting, sessionFrom("198.51.100.200"), "SomeOne@Example.org", "SUPPORT@acme.helpdesk.example"))
            .as("same /24, other case").isEqualTo(HookResult.DECLINED);
        assertGreylisted(rcpt(greylisting, sessionFrom("198.51.101.7")), "5 minutes");
        assertGreylisted(rcpt(greylisting, sessionFrom(CLIENT), "other@example.org", RECIPIENT), "5 minutes");
        assertGreylisted(rcpt(greylisting, sessionFrom(CLIENT), SENDER, "billing@acme.helpdesk.example"), "5 minutes");
    }

    @Test
    void keysAnIpv6ClientByItsSlash64() throws Exception {
        Greylisting greylisting = configured("mode", "all");
        rcpt(greylisting, sessionFrom("2001:db8:1:2::10"));
        clock.advance(Duration.ofMinutes(5));

        assertThat(rcpt(greylisting, sessionFrom("2001:db8:1:2:ffff::99"))).isEqualTo(HookResult.DECLINED);
        assertThat(store.entries).containsOnlyKeys(new Triplet("2001:db8:1:2::/64", SENDER, RECIPIENT));
    }

    @Test
    void greylistsBouncesLikeOtherMail() throws Exception {
        Greylisting greylisting = configured("mode", "all");

        assertGreylisted(rcpt(greylisting, sessionFrom(CLIENT), "", RECIPIENT), "5 minutes");

        assertThat(store.entries).containsOnlyKeys(new Triplet("198.51.100.0/24", Triplet.NULL_SENDER, RECIPIENT));
    }

    @Test
    void neverGreylistsTheAllowListNorAuthenticatedSessions() throws Exception {
        Greylisting greylisting = configured("mode", "all", "allowList", "10.0.0.0/8", "allowList", "192.0.2.0/24, 2001:db8::/32");
        SMTPSession authenticated = sessionFrom(CLIENT);
        when(authenticated.getUsername()).thenReturn(Username.of("app@notify.example.com"));

        for (String ip : new String[] {"10.1.2.3", "192.0.2.55", "2001:db8::5"}) {
            assertThat(rcpt(greylisting, sessionFrom(ip))).as(ip).isEqualTo(HookResult.DECLINED);
        }
        assertThat(rcpt(greylisting, authenticated)).isEqualTo(HookResult.DECLINED);

        assertThat(store.entries).isEmpty();
        verify(greylisted, never()).increment();
    }

    @Test
    void selectiveModeLetsForwardConfirmedClientsThrough() throws Exception {
        forwardConfirmed(CLIENT, "mail.example.org.");
        Greylisting greylisting = configured("mode", "selective");
        SMTPSession session = sessionFrom(CLIENT);

        assertThat(rcpt(greylisting, session)).isEqualTo(HookResult.DECLINED);
        assertThat(rcpt(greylisting, session, SENDER, "billing@acme.helpdesk.example")).isEqualTo(HookResult.DECLINED);

        assertThat(store.entries).isEmpty();
        verify(dns, times(1)).getHostName(InetAddresses.forString(CLIENT));
        verify(dns, times(1)).getAllByName("mail.example.org.");
    }

    @Test
    void selectiveModeGreylistsClientsWithoutReverseDns() throws Exception {
        Greylisting greylisting = configured("mode", "selective");
        SMTPSession session = sessionFrom(CLIENT);

        assertGreylisted(rcpt(greylisting, session), "5 minutes");
        assertGreylisted(rcpt(greylisting, session, SENDER, "billing@acme.helpdesk.example"), "5 minutes");

        assertThat(session.getAttachment(ClientNameLookup.REVERSE_DNS, ProtocolSession.State.Connection)).contains(ReverseDns.NONE);
        verify(dns, times(1)).getHostName(any());
        verify(dns, never()).getAllByName(anyString());
    }

    @Test
    void selectiveModeGreylistsClientsWhosePtrNameDoesNotResolveBack() throws Exception {
        InetAddress client = InetAddresses.forString(CLIENT);
        when(dns.getHostName(client)).thenReturn("dynamic-7.isp.example.");
        doAnswer(invocation -> List.of(InetAddresses.forString("203.0.113.9"))).when(dns).getAllByName("dynamic-7.isp.example.");
        Greylisting greylisting = configured();

        assertGreylisted(rcpt(greylisting, sessionFrom(CLIENT)), "5 minutes");

        assertThat(logs.list).anySatisfy(event -> assertThat(event.getFormattedMessage())
            .contains("reverse DNS dynamic-7.isp.example. does not resolve back").contains("first attempt"));
    }

    @Test
    void checksForwardConfirmationAgainstEveryAddressOfThePtrName() throws Exception {
        InetAddress client = InetAddresses.forString(CLIENT);
        when(dns.getHostName(client)).thenReturn("mx.example.org");
        doAnswer(invocation -> List.of(InetAddresses.forString("203.0.113.9"), client)).when(dns).getAllByName("mx.example.org");
        Greylisting greylisting = configured();

        assertThat(ReverseDns.lookUp(dns, client)).isEqualTo(new ReverseDns("mx.example.org", true));
    }

    @Test
    void treatsDnsFailuresAsNoForwardConfirmation() throws Exception {
        InetAddress client = InetAddresses.forString(CLIENT);
        Greylisting greylisting = configured();
        when(dns.getHostName(client)).thenThrow(new IllegalStateException("resolver broken"));
        assertThat(ReverseDns.lookUp(dns, client)).isEqualTo(ReverseDns.NONE);

        when(dns.getHostName(InetAddresses.forString("198.51.100.8"))).thenReturn("gone.example.org");
        assertThat(ReverseDns.lookUp(dns, InetAddresses.forString("198.51.100.8")))
            .as("the PTR name has no address").isEqualTo(new ReverseDns("gone.example.org", false));
    }

    @Test
    void selectiveModeGreylistsDnsblListedClientsEvenWithForwardConfirmedDns() throws Exception {
        forwardConfirmed(CLIENT, "mail.example.org.");
        Greylisting greylisting = configured("dnsblWeight", "1");

        assertGreylisted(rcpt(greylisting, listedIn(sessionFrom(CLIENT), "bl.example")), "5 minutes");

        verifyNoInteractions(dns);
    }

    @Test
    void selectiveModeComparesTheDnsblWeightWithTheThreshold() throws Exception {
        forwardConfirmed(CLIENT, "mail.example.org.");
        Greylisting greylisting = configured("dnsblWeight", "2");

        assertThat(rcpt(greylisting, listedIn(sessionFrom(CLIENT), "bl.example"))).as("weight 1 < 2").isEqualTo(HookResult.DECLINED);
        assertGreylisted(rcpt(greylisting, listedIn(sessionFrom(CLIENT), "bl.example", "zen.spamhaus.org")), "5 minutes");
    }

    @Test
    void allModeGreylistsForwardConfirmedClientsWithoutLookingThemUp() throws Exception {
        forwardConfirmed(CLIENT, "mail.example.org.");
        Greylisting greylisting = configured("mode", "ALL");

        assertGreylisted(rcpt(greylisting, sessionFrom(CLIENT)), "5 minutes");

        verifyNoInteractions(dns);
    }

    @Test
    void offModeGreylistsNothing() throws Exception {
        Greylisting greylisting = configured("mode", "off");

        assertThat(rcpt(greylisting, listedIn(sessionFrom(CLIENT), "bl.example"))).isEqualTo(HookResult.DECLINED);

        assertThat(store.entries).isEmpty();
        assertThat(store.sweeps).isZero();
        verifyNoInteractions(dns);
    }

    @Test
    void acceptsWhenTheStoreFailsAndWarnsAtMostOnceAMinute() throws Exception {
        Greylisting greylisting = configured("mode", "all");
        store.failure = new SQLException("connection refused", "08001");

        assertThat(rcpt(greylisting, sessionFrom(CLIENT))).isEqualTo(HookResult.DECLINED);
        assertThat(rcpt(greylisting, sessionFrom(CLIENT))).isEqualTo(HookResult.DECLINED);
        clock.advance(Duration.ofMinutes(1));
        assertThat(rcpt(greylisting, sessionFrom(CLIENT))).isEqualTo(HookResult.DECLINED);

        verify(greylisted, never()).increment();
        assertThat(logs.list.stream().filter(event -> event.getLevel() == Level.WARN)
            .filter(event -> event.getFormattedMessage().contains("Greylisting failed"))).hasSize(2);
    }

    @Test
    void acceptsWhenTheStoreThrowsUnexpectedly() throws Exception {
        Greylisting greylisting = configured("mode", "all");
        store.failure = new IllegalStateException("bug");

        assertThat(rcpt(greylisting, sessionFrom(CLIENT))).isEqualTo(HookResult.DECLINED);
    }

    @Test
    void deletesExpiredEntriesAtMostOnceAnHour() throws Exception {
        Greylisting greylisting = configured("mode", "all");
        store.entries.put(new Triplet("203.0.113.0/24", "old@example.org", RECIPIENT),
            new GreylistStore.Entry(clock.instant().minus(Duration.ofDays(1)), clock.instant().minus(Duration.ofDays(1)), false));

        rcpt(greylisting, sessionFrom(CLIENT));
        assertThat(store.sweeps).isEqualTo(1);
        assertThat(store.entries).containsOnlyKeys(TRIPLET);

        clock.advance(Duration.ofMinutes(59));
        rcpt(greylisting, sessionFrom(CLIENT));
        assertThat(store.sweeps).isEqualTo(1);

        clock.advance(Duration.ofMinutes(1));
        rcpt(greylisting, sessionFrom(CLIENT));
        assertThat(store.sweeps).isEqualTo(2);
    }

    @Test
    void defaultsToSelectiveWithFiveMinutesFourHoursAndThirtySixDays() throws Exception {
        Greylisting greylisting = configured();
        SMTPSession session = sessionFrom(CLIENT);
        rcpt(greylisting, session);

        clock.advance(Duration.ofMinutes(5).minusSeconds(1));
        assertGreylisted(rcpt(greylisting, session), "1 second");
        clock.advance(Duration.ofSeconds(1));
        assertThat(rcpt(greylisting, session)).isEqualTo(HookResult.DECLINED);
    }

    @Test
    void namesTheBadElementOfABadConfiguration() {
        assertThatThrownBy(() -> configured("mode", "sometimes")).isInstanceOf(ConfigurationException.class)
            .hasMessageContaining("<mode>").hasMessageContaining("sometimes");
        assertThatThrownBy(() -> configured("delay", "300")).isInstanceOf(ConfigurationException.class)
            .hasMessageContaining("<delay>").hasMessageContaining("needs a unit");
        assertThatThrownBy(() -> configured("window", "soon")).hasMessageContaining("<window>").hasMessageContaining("soon");
        assertThatThrownBy(() -> configured("autoAllow", "5 fortnights")).hasMessageContaining("<autoAllow>");
        assertThatThrownBy(() -> configured("autoAllow", "0 days")).hasMessageContaining("<autoAllow>").hasMessageContaining("zero");
        assertThatThrownBy(() -> configured("delay", "-5 minutes")).hasMessageContaining("<delay>");
        assertThatThrownBy(() -> configured("delay", "5 hours")).hasMessageContaining("<window>").hasMessageContaining("<delay>");
        assertThatThrownBy(() -> configured("dnsblWeight", "0")).hasMessageContaining("<dnsblWeight>");
        assertThatThrownBy(() -> configured("dnsblWeight", "many")).hasMessageContaining("<dnsblWeight>").hasMessageContaining("many");
        assertThatThrownBy(() -> configured("allowList", "10.0.0.0/8, office")).hasMessageContaining("<allowList>").hasMessageContaining("office");
    }

    @Test
    void writesDurationsForPeople() {
        assertThat(Greylisting.humanReadable(Duration.ofMinutes(5))).isEqualTo("5 minutes");
        assertThat(Greylisting.humanReadable(Duration.ofSeconds(200))).isEqualTo("3 minutes 20 seconds");
        assertThat(Greylisting.humanReadable(Duration.ofMinutes(90))).isEqualTo("1 hour 30 minutes");
        assertThat(Greylisting.humanReadable(Duration.ofDays(36))).isEqualTo("36 days");
        assertThat(Greylisting.humanReadable(Duration.ofMillis(1))).as("rounded up").isEqualTo("1 second");
        assertThat(Greylisting.humanReadable(Duration.ZERO)).isEqualTo("0 seconds");
    }
}
