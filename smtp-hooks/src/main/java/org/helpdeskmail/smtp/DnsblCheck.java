package org.helpdeskmail.smtp;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import javax.inject.Inject;

import org.apache.commons.configuration2.Configuration;
import org.apache.commons.configuration2.ex.ConfigurationException;
import org.apache.commons.configuration2.ex.ConversionException;
import org.apache.james.core.MailAddress;
import org.apache.james.core.MaybeSender;
import org.apache.james.dnsservice.api.DNSService;
import org.apache.james.protocols.api.ProtocolSession;
import org.apache.james.protocols.smtp.SMTPSession;
import org.apache.james.protocols.smtp.hook.HookResult;
import org.apache.james.protocols.smtp.hook.HookReturnCode;
import org.apache.james.protocols.smtp.hook.RcptHook;
import org.helpdeskmail.clients.NetworkAllowList;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.google.common.annotations.VisibleForTesting;
import com.google.common.base.Ticker;
import com.google.common.cache.Cache;
import com.google.common.cache.CacheBuilder;
import com.google.common.net.InetAddresses;
import com.google.common.net.InternetDomainName;

/**
 * Looks the client's address up in DNS block lists (RFC 5782) and refuses its recipients with
 * {@code 554 5.7.1 <ip> is listed in <zone>} when a list names it. The lookup happens at the first
 * RCPT of the connection rather than at connect, so that the refusal (and the log line) shows who
 * the mail was for; the verdict is kept in the connection state, so later RCPTs and transactions
 * get the same answer without asking again, and other hooks can read it with
 * {@link #listedBy(SMTPSession)} and {@link #weight(SMTPSession)} (the number of zones listing the client).
 *
 * <p>Answers, per zone: an A record in 127.0.0.2–127.0.0.11 means listed (the zone's TXT record, when
 * there is one, is added to the reply as the explanation); 127.255.255.x means the list refuses our
 * query (a public or rate-limited resolver) and is ignored, with a WARN at most once a minute per zone;
 * any other answer is ignored the same way; no record means not listed. Every failure fails open.
 *
 * <p>Answers are cached per (address, zone) for {@code <cacheSeconds>}: {@link DNSService} does not
 * expose the records' TTLs, so the duration is ours, not the list's. Through {@link DNSService} a
 * timeout or SERVFAIL looks exactly like NXDOMAIN (both are an {@link UnknownHostException}), so they
 * are "not listed" without a log line; only other failures are logged.
 *
 * <p>Loopback clients are not looked up unless {@code <checkLoopback>} is true (integration tests
 * connect from 127.0.0.x); clients inside {@code <allowList>} and authenticated sessions never are.
 *
 * <pre>{@code
 * <handler class="org.helpdeskmail.smtp.DnsblCheck">
 *     <zones>zen.spamhaus.org, bl.example</zones>   <!-- default zen.spamhaus.org -->
 *     <allowList>10.0.0.0/8, 2001:db8::/32</allowList> <!-- optional: never looked up -->
 *     <cacheSeconds>300</cacheSeconds>               <!-- per (address, zone); 0 = no cache -->
 *     <rejectWeight>1</rejectWeight>                 <!-- refuse when listed in this many zones; fewer: greylisting -->
 *     <checkLoopback>false</checkLoopback>           <!-- true only for tests -->
 * </handler>
 * }</pre>
 */
public class DnsblCheck implements RcptHook {
    private static final Logger LOGGER = LoggerFactory.getLogger(DnsblCheck.class);
    static final ProtocolSession.AttachmentKey<DnsblVerdict> VERDICT = ProtocolSession.AttachmentKey.of("helpdesk.dnsbl", DnsblVerdict.class);

    private static final String DEFAULT_ZONES = "zen.spamhaus.org";
    private static final int DEFAULT_CACHE_SECONDS = 300;
    private static final long MAXIMUM_CACHED_ANSWERS = 100_000;
    private static final long WARNING_INTERVAL_NANOS = TimeUnit.MINUTES.toNanos(1);
    // Keeps the reply line well under the 512 octets RFC 5321 allows, whatever a list publishes.
    private static final int MAXIMUM_EXPLANATION_LENGTH = 200;
    private static final char[] HEX = "0123456789abcdef".toCharArray();

    /** One zone that lists the client, with its TXT explanation ("" when it publishes none). */
    public record Listing(String zone, String explanation) {
    }

    /** What the lists said about the client of a connection; {@code weight} is how many list it. */
    public record DnsblVerdict(String clientAddress, List<Listing> listings) {
        public DnsblVerdict {
            listings = List.copyOf(listings);
        }

        public boolean listed() {
            return !listings.isEmpty();
        }

        public int weight() {
            return listings.size();
        }
    }

    enum Status { LISTED, NOT_LISTED, REFUSED, UNEXPECTED, FAILED }

    /** The answer of one zone for one address: what the cache keeps. */
    record ZoneAnswer(Status status, String explanation, String addresses) {
        static final ZoneAnswer NOT_LISTED = new ZoneAnswer(Status.NOT_LISTED, "", "");
        static final ZoneAnswer FAILED = new ZoneAnswer(Status.FAILED, "", "");
    }

    private record CacheKey(String address, String zone) {
    }

    private final DNSService dnsService;
    private final Ticker ticker;
    private final ConcurrentHashMap<String, Long> lastWarnings = new ConcurrentHashMap<>();
    private List<String> zones = List.of(DEFAULT_ZONES);
    private NetworkAllowList allowList = new NetworkAllowList(List.of());
    private boolean checkLoopback = false;
    /** How many zones must list a client before it is refused (fewer: recorded for greylisting). */
    private int rejectWeight = 1;
    private Cache<CacheKey, ZoneAnswer> cache;

    @Inject
    public DnsblCheck(DNSService dnsService) {
        this(dnsService, Ticker.systemTicker());
    }

    @VisibleForTesting
    DnsblCheck(DNSService dnsService, Ticker ticker) {
        this.dnsService = dnsService;
        this.ticker = ticker;
        this.cache = newCache(DEFAULT_CACHE_SECONDS);
    }

    @Override
    public void init(Configuration configuration) throws ConfigurationException {
        String name = getClass().getSimpleName();
        zones = parseZones(name, joined(configuration, "zones").orElse(DEFAULT_ZONES));
        allowList = parseAllowList(name, joined(configuration, "allowList"));
        int cacheSeconds;
        try {
            rejectWeight = configuration.getInt("rejectWeight", 1);
        } catch (ConversionException e) {
            throw new ConfigurationException(name + ": <rejectWeight> must be a number of zones", e);
        }
        if (rejectWeight < 1) {
            throw new ConfigurationException(name + ": <rejectWeight> must be at least 1");
        }
        try {
            checkLoopback = configuration.getBoolean("checkLoopback", false);
        } catch (ConversionException e) {
            throw new ConfigurationException(name + ": <checkLoopback> must be true or false", e);
        }
        try {
            cacheSeconds = configuration.getInt("cacheSeconds", DEFAULT_CACHE_SECONDS);
        } catch (ConversionException e) {
            throw new ConfigurationException(name + ": <cacheSeconds> must be a number of seconds", e);
        }
        if (cacheSeconds < 0) {
            throw new ConfigurationException(name + ": <cacheSeconds> must not be negative (0 turns the cache off)");
        }
        cache = newCache(cacheSeconds);
    }

    private Cache<CacheKey, ZoneAnswer> newCache(int seconds) {
        return CacheBuilder.newBuilder()
            .expireAfterWrite(Duration.ofSeconds(seconds))
            .maximumSize(MAXIMUM_CACHED_ANSWERS)
            .ticker(ticker)
            .build();
    }

    @Override
    public HookResult doRcpt(SMTPSession session, MaybeSender sender, MailAddress recipient) {
        try {
            if (session.getUsername() != null) {
                return HookResult.DECLINED;
            }
            Optional<DnsblVerdict> known = verdict(session);
            if (known.isPresent()) {
                return answer(known.get());
            }
            InetSocketAddress remote = session.getRemoteAddress();
            if (remote == null || remote.getAddress() == null || isExempt(remote.getAddress())) {
                return HookResult.DECLINED;
            }
            DnsblVerdict verdict = lookUp(remote.getAddress());
            session.setAttachment(VERDICT, verdict, ProtocolSession.State.Connection);
            if (verdict.listed()) {
                LOGGER.info("{} is listed in {} (weight {}, refused from {}): RCPT <{}> of session {}", verdict.clientAddress(),
                    verdict.listings().stream().map(Listing::zone).collect(Collectors.joining(", ")), verdict.weight(),
                    rejectWeight, recipient.asString(), session.getSessionID());
            }
            return answer(verdict);
        } catch (RuntimeException e) {
            // A bug or an odd DNSService must not turn into a refused or dropped mail: fail open.
            LOGGER.warn("DNSBL check failed for session {}, accepting", session.getSessionID(), e);
            return HookResult.DECLINED;
        }
    }

    private boolean isExempt(InetAddress address) {
        return allowList.contains(address) || (address.isLoopbackAddress() && !checkLoopback);
    }

    private DnsblVerdict lookUp(InetAddress address) {
        String clientAddress = InetAddresses.toAddrString(address);
        List<Listing> listings = new ArrayList<>();
        for (String zone : zones) {
            ZoneAnswer answer = answerOf(address, zone);
            if (answer.status() == Status.LISTED) {
                listings.add(new Listing(zone, answer.explanation()));
            }
        }
        return new DnsblVerdict(clientAddress, listings);
    }

    private ZoneAnswer answerOf(InetAddress address, String zone) {
        CacheKey key = new CacheKey(InetAddresses.toAddrString(address), zone);
        ZoneAnswer cached = cache.getIfPresent(key);
        if (cached != null) {
            return cached;
        }
        ZoneAnswer answer = query(queryName(address, zone), zone, key.address());
        switch (answer.status()) {
            case REFUSED -> warnAtMostOncePerMinute(zone, "refused",
                "DNSBL {} refuses our queries (answered {} for {}): ignored; use a resolver of our own, or a subscription",
                zone, answer.addresses(), key.address());
            case UNEXPECTED -> warnAtMostOncePerMinute(zone, "unexpected",
                "DNSBL {} gave an answer that is not a listing ({} for {}): ignored", zone, answer.addresses(), key.address());
            default -> {
            }
        }
        if (answer.status() != Status.FAILED) {
            // A failure is not cached: the next connection asks again instead of trusting an outage for minutes.
            cache.put(key, answer);
        }
        return answer;
    }

    private ZoneAnswer query(String queryName, String zone, String clientAddress) {
        Collection<InetAddress> addresses;
        try {
            addresses = dnsService.getAllByName(queryName);
        } catch (UnknownHostException notListed) {
            return ZoneAnswer.NOT_LISTED;
        } catch (RuntimeException e) {
            LOGGER.warn("DNSBL lookup {} failed: {} treated as not listed in {}", queryName, clientAddress, zone, e);
            return ZoneAnswer.FAILED;
        }
        String found = addresses.stream().map(InetAddress::getHostAddress).sorted().collect(Collectors.joining(","));
        if (addresses.stream().anyMatch(DnsblCheck::isListingCode)) {
            return new ZoneAnswer(Status.LISTED, explanation(queryName), found);
        }
        if (addresses.stream().anyMatch(DnsblCheck::isRefusalCode)) {
            return new ZoneAnswer(Status.REFUSED, "", found);
        }
        if (!addresses.isEmpty()) {
            return new ZoneAnswer(Status.UNEXPECTED, "", found);
        }
        return ZoneAnswer.NOT_LISTED;
    }

    private static boolean isListingCode(InetAddress address) {
        byte[] bytes = address.getAddress();
        return address instanceof Inet4Address && bytes[0] == 127 && bytes[1] == 0 && bytes[2] == 0 && bytes[3] >= 2 && bytes[3] <= 11;
    }

    private static boolean isRefusalCode(InetAddress address) {
        byte[] bytes = address.getAddress();
        return address instanceof Inet4Address && bytes[0] == 127 && bytes[1] == (byte) 255 && bytes[2] == (byte) 255;
    }

    private String explanation(String queryName) {
        try {
            return dnsService.findTXTRecords(queryName).stream()
                .map(DnsblCheck::sanitize)
                .filter(text -> !text.isEmpty())
                .findFirst()
                .orElse("");
        } catch (RuntimeException e) {
            // The listing stands without its explanation.
            LOGGER.debug("No TXT explanation for {}", queryName, e);
            return "";
        }
    }

    /** A TXT record's text as it may appear in a reply line: no quotes, no control characters, bounded. */
    @VisibleForTesting
    static String sanitize(String txt) {
        String text = txt.trim();
        // dnsjava renders a TXT record's strings quoted and space-separated: "part one" "part two".
        if (text.length() >= 2 && text.startsWith("\"") && text.endsWith("\"")) {
            text = text.substring(1, text.length() - 1).replaceAll("\"\\s+\"", "").replace("\\\"", "\"");
        }
        text = text.replaceAll("[\\p{Cntrl}]", " ").replaceAll("\\s+", " ").trim();
        return text.length() > MAXIMUM_EXPLANATION_LENGTH ? text.substring(0, MAXIMUM_EXPLANATION_LENGTH) : text;
    }

    private void warnAtMostOncePerMinute(String zone, String kind, String format, Object... arguments) {
        String key = kind + " " + zone;
        long now = ticker.read();
        Long previous = lastWarnings.get(key);
        boolean due = previous == null
            ? lastWarnings.putIfAbsent(key, now) == null
            : now - previous >= WARNING_INTERVAL_NANOS && lastWarnings.replace(key, previous, now);
        if (due) {
            LOGGER.warn(format, arguments);
        }
    }

    private HookResult answer(DnsblVerdict verdict) {
        if (!verdict.listed() || verdict.weight() < rejectWeight) {
            // Below the threshold the listing only counts for greylisting (Greylisting's dnsblWeight).
            return HookResult.DECLINED;
        }
        Listing first = verdict.listings().get(0);
        String explanation = first.explanation().isEmpty() ? "" : ": " + first.explanation();
        return HookResult.builder()
            .hookReturnCode(HookReturnCode.deny())
            .smtpReturnCode("554")
            .smtpDescription("5.7.1 " + verdict.clientAddress() + " is listed in " + first.zone() + explanation)
            .build();
    }

    /**
     * The RFC 5782 query name, absolute (with the final dot) so that the resolver's search list is never
     * appended: 1.2.3.4 gives {@code 4.3.2.1.<zone>.}, an IPv6 address its 32 nibbles in reverse order.
     */
    @VisibleForTesting
    static String queryName(InetAddress address, String zone) {
        byte[] bytes = address.getAddress();
        StringBuilder name = new StringBuilder(80);
        for (int i = bytes.length - 1; i >= 0; i--) {
            int value = bytes[i] & 0xFF;
            if (address instanceof Inet4Address) {
                name.append(value).append('.');
            } else {
                name.append(HEX[value & 0x0F]).append('.').append(HEX[value >> 4]).append('.');
            }
        }
        return name.append(zone).append('.').toString();
    }

    /** The verdict of this connection, once its first RCPT was checked. */
    public static Optional<DnsblVerdict> verdict(SMTPSession session) {
        return session.getAttachment(VERDICT, ProtocolSession.State.Connection);
    }

    /** The first configured zone that lists the client of this connection, if any. */
    public static Optional<String> listedBy(SMTPSession session) {
        return verdict(session).filter(DnsblVerdict::listed).map(verdict -> verdict.listings().get(0).zone());
    }

    /** How many zones list the client of this connection: 0 when none does or it was not checked. */
    public static int weight(SMTPSession session) {
        return verdict(session).map(DnsblVerdict::weight).orElse(0);
    }

    private static List<String> parseZones(String name, String value) throws ConfigurationException {
        List<String> parsed = new ArrayList<>();
        for (String entry : value.split("[,\\s]+")) {
            String zone = entry.trim().toLowerCase(Locale.ROOT);
            if (zone.endsWith(".")) {
                zone = zone.substring(0, zone.length() - 1);
            }
            if (zone.isEmpty()) {
                continue;
            }
            if (!InternetDomainName.isValid(zone) || !zone.contains(".")) {
                throw new ConfigurationException(name + ": <zones> '" + entry.trim() + "' is not a DNS zone (expected for example zen.spamhaus.org)");
            }
            if (!parsed.contains(zone)) {
                parsed.add(zone);
            }
        }
        if (parsed.isEmpty()) {
            throw new ConfigurationException(name + ": <zones> names no zone (remove the handler to turn the check off)");
        }
        return List.copyOf(parsed);
    }

    private static NetworkAllowList parseAllowList(String name, Optional<String> value) throws ConfigurationException {
        if (value.isEmpty() || value.get().isBlank()) {
            return new NetworkAllowList(List.of());
        }
        try {
            return NetworkAllowList.parse(value.get());
        } catch (IllegalArgumentException e) {
            throw new ConfigurationException(name + ": <allowList> " + e.getMessage(), e);
        }
    }

    /** The element's value whether or not the configuration splits lists on commas. */
    private static Optional<String> joined(Configuration configuration, String key) {
        if (!configuration.containsKey(key)) {
            return Optional.empty();
        }
        return Optional.of(Arrays.stream(configuration.getStringArray(key)).collect(Collectors.joining(",")));
    }
}
