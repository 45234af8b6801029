package org.helpdeskmail.smtp;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Clock;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import javax.inject.Inject;

import org.apache.commons.configuration2.Configuration;
import org.apache.commons.configuration2.ex.ConfigurationException;
import org.apache.james.core.MailAddress;
import org.apache.james.core.MaybeSender;
import org.apache.james.metrics.api.MetricFactory;
import org.apache.james.protocols.api.Response;
import org.apache.james.protocols.api.handler.ConnectHandler;
import org.apache.james.protocols.smtp.SMTPResponse;
import org.apache.james.protocols.smtp.SMTPSession;
import org.apache.james.protocols.smtp.hook.HookResult;
import org.apache.james.protocols.smtp.hook.HookReturnCode;
import org.apache.james.protocols.smtp.hook.MailHook;
import org.apache.james.protocols.smtp.hook.RcptHook;
import org.helpdeskmail.clients.NetworkAllowList;
import org.helpdeskmail.clients.RateLimiter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.google.common.net.InetAddresses;

/**
 * Rate limits per client and per envelope sender, so that one client (a misbehaving bulk sender, a
 * spam run, a directory-harvest attack) cannot take the server's capacity from everybody else:
 * <ul>
 *     <li>{@code connectionsPerMinute} per client, at connect: {@code 421 4.7.0} and the connection is
 *     closed (how many connections a client may hold at once is James's {@code connectionLimitPerIP});</li>
 *     <li>{@code messagesPerMinute} per client, at MAIL: {@code 451 4.7.1};</li>
 *     <li>{@code recipientsPerMinute} per client, at RCPT: {@code 451 4.7.1} for that recipient only;</li>
 *     <li>{@code messagesPerSenderPerMinute} per envelope sender (lower-cased; the null sender of
 *     bounces is one sender, {@code <>}), at MAIL: {@code 451 4.7.1}.</li>
 * </ul>
 * Each limit is a token bucket (see {@link RateLimiter}): "N per minute" allows a burst of N, then
 * refills at N a minute. A client is its IPv4 address, or its IPv6 /64 (one customer's network: an
 * IPv6 client can pick any address in its /64, so counting per address would limit nothing). Every
 * refusal is temporary, so a legitimate sender's server queues and retries; the reply names the limit
 * that was hit, and the metric {@code helpdesk_throttled} counts them. Clients in {@code allowList}
 * are never throttled. Authenticated sessions (the helpdesk app submitting notifications) are not
 * limited per message, recipient or sender, only in connections per minute: their volume is the
 * product's own traffic, which the app paces itself. A limit that is absent is not enforced; a
 * value that is not a positive number stops startup.
 *
 * <p>Counting happens when the command reaches this hook: a MAIL that a later hook or the DATA phase
 * refuses still used its token, and so does a retry after a 451 (a client hammering through a
 * refusal stays refused). Put this hook first in the chain, so that it is also the cheapest refusal.
 *
 * <p>Recommended values for the mx listener, from the workload (about 22,000 mails an hour, so 6 a
 * second on average with peaks of 25-30 a second over all clients):
 * <ul>
 *     <li>{@code messagesPerMinute} 300 and {@code messagesPerSenderPerMinute} 300: the biggest
 *     legitimate single source, a mailing service sending 10 messages a second in bursts, keeps
 *     that pace for a minute (600 messages: the 300 of a full bucket and 300 refilled meanwhile) and
 *     then gets 5 a second (18,000 an hour, most of the whole server's average volume); past that it
 *     is deferred, not lost. An ordinary client (a person,
 *     a company's server, a SaaS notifying a support address) sends a few messages a minute and never
 *     comes near. A single abusive client is held to a fifth of peak capacity. The null sender shares
 *     one bucket among all bounces and auto-replies, and 5 a second of those is far above normal.</li>
 *     <li>{@code recipientsPerMinute} 600: two recipients per message at the message limit (mail to a
 *     helpdesk has one to three: the support address, a CC); probing tenant addresses RCPT after RCPT
 *     hits this first.</li>
 *     <li>{@code connectionsPerMinute} 300: as many as the message limit, for senders that open one
 *     connection per message; a client reconnecting faster is scanning or flooding, and each
 *     connection costs a TLS handshake.</li>
 * </ul>
 * <pre>{@code
 * <handler class="org.helpdeskmail.smtp.Throttling">
 *     <connectionsPerMinute>300</connectionsPerMinute>
 *     <messagesPerMinute>300</messagesPerMinute>
 *     <recipientsPerMinute>600</recipientsPerMinute>
 *     <messagesPerSenderPerMinute>300</messagesPerSenderPerMinute>
 *     <allowList>10.0.0.0/8, 192.0.2.0/24</allowList> <!-- optional, never throttled; may repeat -->
 * </handler>
 * }</pre>
 * On the submission listener the clients are the app's own servers (already restricted by
 * {@link ClientNetworkAllowList}) and authenticated, so only the connection rate applies; size it
 * above the app's peak of new connections (10 notifications a second, one connection each, is 600
 * a minute), e.g. {@code <connectionsPerMinute>1200</connectionsPerMinute>}.
 *
 * <p>The counts live in memory, per listener: a restart forgets them, and several server instances
 * each allow the full rate.
 */
public class Throttling implements ConnectHandler<SMTPSession>, MailHook, RcptHook {
    static final String METRIC = "helpdesk_throttled";
    static final String NULL_SENDER = "<>";
    private static final Logger LOGGER = LoggerFactory.getLogger(Throttling.class);
    private static final Duration MINUTE = Duration.ofMinutes(1);
    private static final int IPV6_CLIENT_PREFIX_BYTES = 8;

    /** One configured limit: its configuration element, its value and its buckets. */
    record Limit(String element, int perMinute, RateLimiter buckets) {
        boolean tryAcquire(String key) {
            return buckets.tryAcquire(key);
        }
    }

    /** What init found; absent limits are not enforced. */
    record Limits(Optional<Limit> connections, Optional<Limit> messages, Optional<Limit> recipients,
                  Optional<Limit> messagesPerSender, Optional<NetworkAllowList> allowList) {
    }

    private final MetricFactory metricFactory;
    private final Clock clock;
    private Limits limits = new Limits(Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty());

    @Inject
    public Throttling(MetricFactory metricFactory, Clock clock) {
        this.metricFactory = metricFactory;
        this.clock = clock;
    }

    @Override
    public void init(Configuration configuration) throws ConfigurationException {
        limits = new Limits(
            limit(configuration, "connectionsPerMinute"),
            limit(configuration, "messagesPerMinute"),
            limit(configuration, "recipientsPerMinute"),
            limit(configuration, "messagesPerSenderPerMinute"),
            allowList(configuration));
        LOGGER.info("Throttling per minute: {}; allow-list: {}",
            Stream.of(limits.connections(), limits.messages(), limits.recipients(), limits.messagesPerSender())
                .flatMap(Optional::stream)
                .map(limit -> limit.element() + "=" + limit.perMinute())
                .collect(Collectors.collectingAndThen(Collectors.joining(", "), joined -> joined.isEmpty() ? "no limit" : joined)),
            limits.allowList().map(NetworkAllowList::toString).orElse("none"));
    }

    private Optional<Limit> limit(Configuration configuration, String element) throws ConfigurationException {
        String value = configuration.getString(element, null);
        if (value == null) {
            return Optional.empty();
        }
        int perMinute;
        try {
            perMinute = Integer.parseInt(value.trim());
        } catch (NumberFormatException e) {
            throw new ConfigurationException(getClass().getSimpleName() + ": <" + element + "> '" + value + "' is not a number");
        }
        if (perMinute < 1) {
            throw new ConfigurationException(getClass().getSimpleName() + ": <" + element + "> must be a positive number per minute, was "
                + perMinute + " (leave the element out for no limit)");
        }
        return Optional.of(new Limit(element, perMinute, new RateLimiter(perMinute, MINUTE, clock)));
    }

    private Optional<NetworkAllowList> allowList(Configuration configuration) throws ConfigurationException {
        List<String> entries = configuration.getList(String.class, "allowList", List.of());
        if (entries.isEmpty()) {
            return Optional.empty();
        }
        try {
            return Optional.of(NetworkAllowList.parse(String.join(",", entries)));
        } catch (IllegalArgumentException e) {
            throw new ConfigurationException(getClass().getSimpleName() + ": <allowList> " + e.getMessage(), e);
        }
    }

    @Override
    public Response onConnect(SMTPSession session) {
        InetAddress address = session.getRemoteAddress().getAddress();
        Optional<Limit> connections = limits.connections();
        if (connections.isEmpty() || isAllowListed(address)) {
            return null;
        }
        String client = clientKey(address);
        if (connections.get().tryAcquire(client)) {
            return null;
        }
        throttled(connections.get(), client);
        SMTPResponse response = new SMTPResponse("421", "4.7.0 Too many connections from " + client + " (limit: "
            + connections.get().perMinute() + " per minute), try again later");
        response.setEndSession(true);
        return response;
    }

    @Override
    public HookResult doMail(SMTPSession session, MaybeSender sender) {
        if (isExempt(session)) {
            return HookResult.DECLINED;
        }
        String client = clientKey(session.getRemoteAddress().getAddress());
        Optional<Limit> messages = limits.messages();
        if (messages.isPresent() && !messages.get().tryAcquire(client)) {
            return refused(messages.get(), client, "Too many messages from " + client);
        }
        Optional<Limit> perSender = limits.messagesPerSender();
        if (perSender.isPresent()) {
            String senderKey = senderKey(sender);
            if (!perSender.get().tryAcquire(senderKey)) {
                return refused(perSender.get(), senderKey, "Too many messages from sender "
                    + (senderKey.equals(NULL_SENDER) ? NULL_SENDER : "<" + senderKey + ">"));
            }
        }
        return HookResult.DECLINED;
    }

    @Override
    public HookResult doRcpt(SMTPSession session, MaybeSender sender, MailAddress recipient) {
        Optional<Limit> recipients = limits.recipients();
        if (recipients.isEmpty() || isExempt(session)) {
            return HookResult.DECLINED;
        }
        String client = clientKey(session.getRemoteAddress().getAddress());
        if (recipients.get().tryAcquire(client)) {
            return HookResult.DECLINED;
        }
        return refused(recipients.get(), client, "Too many recipients from " + client);
    }

    private boolean isExempt(SMTPSession session) {
        return session.getUsername() != null || isAllowListed(session.getRemoteAddress().getAddress());
    }

    private boolean isAllowListed(InetAddress address) {
        return limits.allowList().map(allowList -> allowList.contains(address)).orElse(false);
    }

    private HookResult refused(Limit limit, String key, String what) {
        throttled(limit, key);
        return HookResult.builder()
            .hookReturnCode(HookReturnCode.denySoft())
            .smtpReturnCode("451")
            .smtpDescription("4.7.1 " + what + " (limit: " + limit.perMinute() + " per minute), try again later")
            .build();
    }

    private void throttled(Limit limit, String key) {
        metricFactory.generate(METRIC).increment();
        // Debug only: under a flood this fires for every command, the metric is the signal to watch.
        LOGGER.debug("Throttled {}: {} per minute exceeded", key, limit.element());
    }

    static String senderKey(MaybeSender sender) {
        return sender.asOptional().map(address -> address.asString().toLowerCase(Locale.ROOT)).orElse(NULL_SENDER);
    }

    /** The IPv4 address, or the /64 of an IPv6 address (written {@code 2001:db8:1:2::/64}). */
    static String clientKey(InetAddress address) {
        if (address instanceof Inet6Address) {
            byte[] prefix = Arrays.copyOf(address.getAddress(), 16);
            Arrays.fill(prefix, IPV6_CLIENT_PREFIX_BYTES, prefix.length, (byte) 0);
            try {
                return InetAddresses.toAddrString(InetAddress.getByAddress(prefix)) + "/" + (IPV6_CLIENT_PREFIX_BYTES * 8);
            } catch (UnknownHostException e) {
                throw new IllegalStateException("16 bytes are an IPv6 address", e);
            }
        }
        return address.getHostAddress();
    }
}
