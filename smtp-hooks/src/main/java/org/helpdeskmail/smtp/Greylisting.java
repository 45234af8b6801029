package org.helpdeskmail.smtp;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;

import javax.inject.Inject;

import org.apache.commons.configuration2.Configuration;
import org.apache.commons.configuration2.ex.ConfigurationException;
import org.apache.james.core.MailAddress;
import org.apache.james.core.MaybeSender;
import org.apache.james.dnsservice.api.DNSService;
import org.apache.james.metrics.api.MetricFactory;
import org.apache.james.protocols.api.ProtocolSession;
import org.apache.james.protocols.smtp.SMTPSession;
import org.apache.james.protocols.smtp.hook.HookResult;
import org.apache.james.protocols.smtp.hook.HookReturnCode;
import org.apache.james.protocols.smtp.hook.RcptHook;
import org.helpdeskmail.clients.GreylistStore;
import org.helpdeskmail.clients.GreylistStore.Entry;
import org.helpdeskmail.clients.GreylistStore.StoreException;
import org.helpdeskmail.clients.GreylistStore.Triplet;
import org.helpdeskmail.clients.NetworkAllowList;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.google.common.annotations.VisibleForTesting;

/**
 * Greylisting at RCPT, per recipient: the first attempt of a (client network, sender, recipient)
 * triplet is refused with {@code 451 4.7.1 Greylisted, please try again in <delay>}; a retry
 * before the delay is refused again (saying how long is left, without restarting the wait); a retry
 * between the delay and the end of the window is accepted and the triplet becomes allowed; later
 * mail of an allowed triplet is accepted at once, each use extending the allowance by
 * {@code autoAllow}. A retry after the window, or after an allowance lapsed, starts over. Real
 * mail servers queue and retry; most spam software does not. The client network is the client's
 * /24 (IPv4) or /64 (IPv6), because large senders retry from another address of the same farm.
 *
 * <p>Modes:
 * <ul>
 *     <li>{@code selective} (default): only clients that look suspicious are greylisted, those
 *     without forward-confirmed reverse DNS (the PTR name of the client's address does not resolve
 *     back to it; checked once per connection) or listed in at least {@code dnsblWeight} DNSBL
 *     zones by {@link DnsblCheck}. Well-run mail servers are not delayed at all;</li>
 *     <li>{@code all}: every client;</li>
 *     <li>{@code off}: none (the handler can stay in the chain).</li>
 * </ul>
 * Never greylisted: authenticated sessions and clients in {@code allowList}. Bounces (the null
 * sender) are, like any other mail: the servers that send them retry like any other.
 *
 * <p>The triplets live in a {@link GreylistStore} (in the server's database, shared by all nodes that
 * use the same one). When the store fails, the recipient is accepted and the failure logged (a
 * WARN at most once a minute): greylisting must never lose mail nor refuse everything. Entries
 * that no longer matter are deleted at most once an hour, by the RCPT that finds the last sweep
 * an hour old. Each refusal counts in the metric {@code helpdesk_greylisted}.
 *
 * <pre>{@code
 * <handler class="org.helpdeskmail.smtp.Greylisting">
 *     <mode>selective</mode>            <!-- selective | all | off -->
 *     <delay>5 minutes</delay>          <!-- a retry earlier than this is refused again -->
 *     <window>4 hours</window>          <!-- a retry later than this starts over -->
 *     <autoAllow>36 days</autoAllow>    <!-- an allowed triplet stays allowed this long after its last use -->
 *     <dnsblWeight>1</dnsblWeight>      <!-- selective: greylist clients listed in at least this many DNSBL zones -->
 *     <allowList>10.0.0.0/8</allowList> <!-- never greylisted; may repeat -->
 * </handler>
 * }</pre>
 * Durations take a unit ({@code 30 seconds}, {@code 5 minutes}, {@code 4 hours}, {@code 36 days});
 * a bare number stops startup, as it would otherwise be read as milliseconds.
 *
 * <p>Place it in the chain after {@link DnsblCheck} (whose verdict {@code dnsblWeight} reads) and
 * <b>before {@link AcceptTenantRecipients}</b>, which answers OK and so ends the RCPT hooks: a hook
 * after it never runs for helpdesk recipients.
 */
public class Greylisting implements RcptHook {
    static final String METRIC = "helpdesk_greylisted";
    private static final Logger LOGGER = LoggerFactory.getLogger(Greylisting.class);
    private static final Duration SWEEP_INTERVAL = Duration.ofHours(1);
    private static final Duration WARNING_INTERVAL = Duration.ofMinutes(1);
    // An allowed triplet's last use is written at most this often: a busy triplet (a ticketing system
    // writing to one support address all day) would otherwise cost a write per mail, for a date
    // that only needs to be right to within a small part of the auto-allow lifetime.
    private static final Duration MAXIMUM_LAST_SEEN_REFRESH = Duration.ofHours(1);


    enum Mode { SELECTIVE, ALL, OFF }

    /** What init found. */
    record Settings(Mode mode, Duration delay, Duration window, Duration autoAllow, int dnsblWeight, NetworkAllowList allowList) {
        static final Settings DEFAULTS = new Settings(Mode.SELECTIVE, Duration.ofMinutes(5), Duration.ofHours(4), Duration.ofDays(36), 1,
            new NetworkAllowList(List.of()));

        /** How old an allowed triplet's last use may get before a use writes it again. */
        Duration lastSeenRefresh() {
            Duration share = autoAllow.dividedBy(24);
            return share.compareTo(MAXIMUM_LAST_SEEN_REFRESH) < 0 ? share : MAXIMUM_LAST_SEEN_REFRESH;
        }
    }

    /**
     * The client's reverse DNS, once per connection: {@code name} is its PTR name ("" when it has
     * none), {@code confirmed} whether that name resolves back to the client's address.
     */
    private final GreylistStore store;
    private final DNSService dnsService;
    private final Clock clock;
    private final MetricFactory metricFactory;
    private final AtomicLong nextSweepMillis = new AtomicLong(Long.MIN_VALUE);
    private final AtomicLong nextWarningMillis = new AtomicLong(Long.MIN_VALUE);
    private volatile Settings settings = Settings.DEFAULTS;

    @Inject
    public Greylisting(GreylistStore store, DNSService dnsService, Clock clock, MetricFactory metricFactory) {
        this.store = store;
        this.dnsService = dnsService;
        this.clock = clock;
        this.metricFactory = metricFactory;
    }

    @Override
    public void init(Configuration configuration) throws ConfigurationException {
        Duration delay = duration(configuration, "delay", Settings.DEFAULTS.delay());
        Duration window = duration(configuration, "window", Settings.DEFAULTS.window());
        if (window.compareTo(delay) <= 0) {
            throw new ConfigurationException(name() + ": <window> (" + humanReadable(window) + ") must be longer than <delay> ("
                + humanReadable(delay) + "), or no retry could ever pass");
        }
        settings = new Settings(mode(configuration), delay, window, duration(configuration, "autoAllow", Settings.DEFAULTS.autoAllow()),
            dnsblWeight(configuration), allowList(configuration));
        LOGGER.info("Greylisting {}: delay {}, window {}, auto-allow {}, DNSBL weight {}, allow-list {}",
            settings.mode().name().toLowerCase(Locale.ROOT), humanReadable(settings.delay()), humanReadable(settings.window()),
            humanReadable(settings.autoAllow()), settings.dnsblWeight(),
            settings.allowList().blocks().isEmpty() ? "none" : settings.allowList());
    }

    private String name() {
        return getClass().getSimpleName();
    }

    private Mode mode(Configuration configuration) throws ConfigurationException {
        String value = configuration.getString("mode", null);
        if (value == null) {
            return Settings.DEFAULTS.mode();
        }
        try {
            return Mode.valueOf(value.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new ConfigurationException(name() + ": <mode> '" + value + "' must be selective, all or off");
        }
    }

    private Duration duration(Configuration configuration, String element, Duration defaultValue) throws ConfigurationException {
        return DurationElement.read(configuration, name(), element, defaultValue, "5 minutes");
    }

    private int dnsblWeight(Configuration configuration) throws ConfigurationException {
        String value = configuration.getString("dnsblWeight", null);
        if (value == null) {
            return Settings.DEFAULTS.dnsblWeight();
        }
        int weight;
        try {
            weight = Integer.parseInt(value.trim());
        } catch (NumberFormatException e) {
            throw new ConfigurationException(name() + ": <dnsblWeight> '" + value + "' is not a whole number");
        }
        if (weight < 1) {
            throw new ConfigurationException(name() + ": <dnsblWeight> must be at least 1 (a number of DNSBL zones), was " + weight);
        }
        return weight;
    }

    private NetworkAllowList allowList(Configuration configuration) throws ConfigurationException {
        List<String> entries = configuration.getList(String.class, "allowList", List.of());
        if (entries.isEmpty()) {
            return new NetworkAllowList(List.of());
        }
        try {
            return NetworkAllowList.parse(String.join(",", entries));
        } catch (IllegalArgumentException e) {
            throw new ConfigurationException(name() + ": <allowList> " + e.getMessage(), e);
        }
    }

    @Override
    public HookResult doRcpt(SMTPSession session, MaybeSender sender, MailAddress recipient) {
        Settings current = settings;
        if (current.mode() == Mode.OFF || session.getUsername() != null) {
            return HookResult.DECLINED;
        }
        InetSocketAddress remote = session.getRemoteAddress();
        if (remote == null || remote.getAddress() == null || current.allowList().contains(remote.getAddress())) {
            return HookResult.DECLINED;
        }
        InetAddress client = remote.getAddress();
        Instant now = clock.instant();
        try {
            Optional<String> suspicion = suspicion(session, client, current);
            if (suspicion.isEmpty()) {
                return HookResult.DECLINED;
            }
            Triplet triplet = Triplet.of(client, sender.asOptional().map(MailAddress::asString), recipient.asString());
            return check(triplet, now, current, suspicion.get(), session);
        } catch (StoreException | RuntimeException e) {
            warnFailure(now, "Greylisting failed for RCPT <" + recipient.asString() + "> of session " + session.getSessionID()
                + ", accepting", e);
            return HookResult.DECLINED;
        } finally {
            sweepIfDue(now, current);
        }
    }

    /** Why this client is greylisted at all: always in mode all; in selective mode, what makes it suspicious. */
    private Optional<String> suspicion(SMTPSession session, InetAddress client, Settings current) {
        if (current.mode() == Mode.ALL) {
            return Optional.of("mode all");
        }
        int weight = DnsblCheck.weight(session);
        if (weight >= current.dnsblWeight()) {
            return Optional.of("listed in " + weight + " DNSBL zone" + (weight == 1 ? "" : "s"));
        }
        ReverseDns reverseDns = ClientNameLookup.reverseDns(session, dnsService);
        if (reverseDns.confirmed()) {
            return Optional.empty();
        }
        return Optional.of(reverseDns.name().isEmpty() ? "no reverse DNS" : "reverse DNS " + reverseDns.name() + " does not resolve back");
    }

    private HookResult check(Triplet triplet, Instant now, Settings current, String suspicion, SMTPSession session) throws StoreException {
        Optional<Entry> known = store.find(triplet);
        if (known.isPresent()) {
            return judge(triplet, known.get(), false, now, current, suspicion, session);
        }
        // The find only spares known triplets (nearly all of them) a failing insert; the insert decides,
        // and when another node recorded the triplet meanwhile, its entry is the one judged.
        return judge(triplet, store.recordFirstAttempt(triplet, now), true, now, current, suspicion, session);
    }

    /** @param justRecorded whether {@code entry} comes from recording a first attempt, for the log */
    private HookResult judge(Triplet triplet, Entry entry, boolean justRecorded, Instant now, Settings current, String suspicion,
                             SMTPSession session) throws StoreException {
        if (entry.allowed()) {
            Duration unused = Duration.between(entry.lastSeen(), now);
            if (unused.compareTo(current.autoAllow()) > 0) {
                store.restart(triplet, now);
                LOGGER.info("Greylisted {} ({}) again: allowed, but unused for {}, session {}", triplet, suspicion, humanReadable(unused),
                    session.getSessionID());
                return greylisted(current.delay());
            }
            if (unused.compareTo(current.lastSeenRefresh()) >= 0) {
                store.markAllowed(triplet, now);
            }
            return HookResult.DECLINED;
        }
        Duration waited = Duration.between(entry.firstSeen(), now);
        if (waited.compareTo(current.window()) > 0) {
            store.restart(triplet, now);
            LOGGER.info("Greylisted {} ({}) again: retried after {}, past the window, session {}", triplet, suspicion, humanReadable(waited),
                session.getSessionID());
            return greylisted(current.delay());
        }
        if (waited.compareTo(current.delay()) < 0) {
            // Another node's clock may be ahead of ours: never ask for more than the whole delay.
            Duration left = waited.isNegative() ? current.delay() : current.delay().minus(waited);
            if (justRecorded) {
                LOGGER.info("Greylisted {} ({}): first attempt, session {}", triplet, suspicion, session.getSessionID());
            } else {
                // Debug only: a client retrying every minute would log a line per RCPT.
                LOGGER.debug("Greylisted {} ({}) again: retried after {}, before the delay, session {}", triplet, suspicion,
                    humanReadable(waited), session.getSessionID());
            }
            return greylisted(left);
        }
        store.markAllowed(triplet, now);
        LOGGER.info("Allowed {} ({}): retried after {}, session {}", triplet, suspicion, humanReadable(waited), session.getSessionID());
        return HookResult.DECLINED;
    }

    private HookResult greylisted(Duration wait) {
        metricFactory.generate(METRIC).increment();
        return HookResult.builder()
            .hookReturnCode(HookReturnCode.denySoft())
            .smtpReturnCode("451")
            .smtpDescription("4.7.1 Greylisted, please try again in " + humanReadable(wait))
            .build();
    }


    /** Deletes expired entries at most once per {@link #SWEEP_INTERVAL}, on whichever RCPT finds it due. */
    private void sweepIfDue(Instant now, Settings current) {
        long due = nextSweepMillis.get();
        if (current.mode() == Mode.OFF || now.toEpochMilli() < due
            || !nextSweepMillis.compareAndSet(due, now.plus(SWEEP_INTERVAL).toEpochMilli())) {
            return;
        }
        try {
            int deleted = store.deleteExpired(now, current.window(), current.autoAllow());
            LOGGER.debug("Greylist sweep deleted {} expired entries", deleted);
        } catch (StoreException | RuntimeException e) {
            warnFailure(now, "Greylist sweep failed, will try again in " + humanReadable(SWEEP_INTERVAL), e);
        }
    }

    /** Logs a store failure: a WARN with the stack at most once a minute (the store being down fails every RCPT), else DEBUG. */
    private void warnFailure(Instant now, String message, Exception e) {
        long due = nextWarningMillis.get();
        if (now.toEpochMilli() >= due && nextWarningMillis.compareAndSet(due, now.plus(WARNING_INTERVAL).toEpochMilli())) {
            LOGGER.warn("{} (further failures within {} are logged at DEBUG)", message, humanReadable(WARNING_INTERVAL), e);
        } else {
            LOGGER.debug(message, e);
        }
    }

    /** {@code 5 minutes}, {@code 1 hour 30 minutes}, {@code 3 minutes 20 seconds}; rounded up to the second. */
    static String humanReadable(Duration duration) {
        long seconds = duration.getSeconds() + (duration.getNano() > 0 ? 1 : 0);
        if (seconds <= 0) {
            return "0 seconds";
        }
        long[] amounts = {seconds / 86_400, seconds % 86_400 / 3_600, seconds % 3_600 / 60, seconds % 60};
        String[] units = {"day", "hour", "minute", "second"};
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < amounts.length; i++) {
            if (amounts[i] > 0) {
                text.append(text.length() == 0 ? "" : " ").append(amounts[i]).append(' ').append(units[i]).append(amounts[i] == 1 ? "" : "s");
            }
        }
        return text.toString();
    }
}
