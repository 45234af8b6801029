package org.helpdeskmail.smtp;

import java.io.IOException;
import java.io.InputStream;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;

import javax.inject.Inject;
import javax.mail.MessagingException;
import javax.mail.internet.MimeMessage;

import org.apache.commons.configuration2.Configuration;
import org.apache.commons.configuration2.ex.ConfigurationException;
import org.apache.james.core.MailAddress;
import org.apache.james.core.Username;
import org.apache.james.dnsservice.api.DNSService;
import org.apache.james.metrics.api.MetricFactory;
import org.apache.james.protocols.api.ProtocolSession;
import org.apache.james.protocols.smtp.SMTPSession;
import org.apache.james.protocols.smtp.hook.HookResult;
import org.apache.james.protocols.smtp.hook.HookReturnCode;
import org.apache.james.server.core.MimeMessageInputStream;
import org.apache.james.smtpserver.JamesMessageHook;
import org.apache.james.util.Size;
import org.apache.mailet.Attribute;
import org.apache.mailet.AttributeName;
import org.apache.mailet.AttributeValue;
import org.apache.mailet.Mail;
import org.helpdeskmail.clients.HelpdeskSettings;
import org.helpdeskmail.clients.MailAttributes;
import org.helpdeskmail.clients.RspamdClient;
import org.helpdeskmail.clients.RspamdClient.Envelope;
import org.helpdeskmail.clients.RspamdClient.ScanFailure;
import org.helpdeskmail.clients.RspamdClient.Verdict;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.google.common.annotations.VisibleForTesting;

/**
 * At end of DATA, before the 250: asks Rspamd ({@link RspamdClient}, {@code /checkv2}) about the
 * message, with the client's address, PTR name, HELO, envelope sender and recipients and SMTP AUTH
 * user, and acts on its action:
 * <ul>
 *     <li>{@code reject} (and {@code discard}: we never drop mail silently): refused,
 *     {@code 554 5.7.1 Message refused as spam}, counted in {@code helpdesk_spam_rejected};</li>
 *     <li>{@code soft reject}: {@code 451 4.7.1 Message deferred by the spam filter, try again later};</li>
 *     <li>{@code add header}, {@code rewrite subject}, {@code quarantine} (and an action this class does
 *     not know): accepted, marked {@code X-Spam-Flag: YES}, {@code X-Spam-Score: <score>/<required>},
 *     {@code X-Spam-Status: Yes, score=… required=… symbols=…}; {@code rewrite subject} also prefixes
 *     the Subject with {@code [SPAM] }, {@code quarantine} sets {@code helpdesk.spam.quarantine};</li>
 *     <li>{@code no action}, {@code greylist} (greylisting is {@link Greylisting}'s job, at RCPT):
 *     accepted with {@code X-Spam-Status: No, score=… required=…}.</li>
 * </ul>
 * {@code required} is Rspamd's {@code required_score}, the score of its reject action. X-Spam-*
 * headers the message came with are removed first, so that a sender cannot vouch for itself.
 *
 * <p>The verdict is kept in the mail attribute {@code helpdesk.spam}, the JSON of the webhook's
 * "spam": {@code {"score":6.9,"action":"add header","symbols":["…"]}}; a message larger than
 * {@code maxScanSize} is not scanned and recorded as {@code {"action":"skipped"}}, and one accepted
 * although Rspamd failed as {@code {"action":"error"}}.
 *
 * <p>When Rspamd does not answer within {@code timeout}, or answers something else than a verdict,
 * the failure counts in {@code helpdesk_spam_scan_errors} and {@code onError} decides:
 * {@code tempfail} (default) answers {@code 451 4.7.1 Spam scanner unavailable, try again later}, so
 * the sender retries; {@code accept} lets the message through unscanned.
 *
 * <pre>{@code
 * <handler class="org.helpdeskmail.smtp.SpamScan">
 *     <url>http://127.0.0.1:11333</url>   <!-- Rspamd's normal worker; default: HELPDESK_RSPAMD_URL; neither: the hook does nothing -->
 *     <timeout>15 seconds</timeout>       <!-- the whole check, sending the message included -->
 *     <onError>tempfail</onError>         <!-- tempfail | accept -->
 *     <maxScanSize>20M</maxScanSize>      <!-- larger messages are not scanned; "unlimited" scans all -->
 * </handler>
 * }</pre>
 *
 * <p>The client's PTR name is the one {@link Greylisting} already found for the connection, else
 * looked up once per connection through James's {@link DNSService}; none is sent as {@code unknown},
 * so that Rspamd does not look it up again for every message.
 */
public class SpamScan implements JamesMessageHook {
    /** String: the webhook's "spam" object as JSON. */
    public static final AttributeName ATTRIBUTE = MailAttributes.SPAM;
    static final String REJECTED_METRIC = "helpdesk_spam_rejected";
    static final String ERROR_METRIC = "helpdesk_spam_scan_errors";
    static final String FLAG_HEADER = "X-Spam-Flag";
    static final String SCORE_HEADER = "X-Spam-Score";
    static final String STATUS_HEADER = "X-Spam-Status";
    static final String SUBJECT_PREFIX = "[SPAM] ";

    private static final Logger LOGGER = LoggerFactory.getLogger(SpamScan.class);
    private static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(15);
    /** The connection part of the timeout: an rspamd host that is down (no RST) should not take the whole of it. */
    private static final Duration MAXIMUM_CONNECT_TIMEOUT = Duration.ofSeconds(5);
    private static final long DEFAULT_MAX_SCAN_SIZE = 20L * 1024 * 1024;
    private static final Duration WARNING_INTERVAL = Duration.ofMinutes(1);

    /** Where X-Spam-Status is folded: it lists every symbol, and a line may not exceed 998 characters. */
    private static final int FOLD_AT = 76;

    enum OnError { TEMPFAIL, ACCEPT }

    /** What init found; {@code client} empty: no Rspamd configured, the hook does nothing. */
    record Settings(Optional<RspamdClient> client, Duration timeout, OnError onError, long maxScanSize) {
    }

    private final Optional<URI> defaultUrl;
    private final MetricFactory metricFactory;
    private final DNSService dnsService;
    private final JsonFactory json = new JsonFactory();
    private final AtomicLong nextWarningMillis = new AtomicLong(Long.MIN_VALUE);
    private volatile Settings settings = new Settings(Optional.empty(), DEFAULT_TIMEOUT, OnError.TEMPFAIL, DEFAULT_MAX_SCAN_SIZE);

    @Inject
    public SpamScan(HelpdeskSettings helpdeskSettings, MetricFactory metricFactory, DNSService dnsService) {
        this(helpdeskSettings.rspamdUrl(), metricFactory, dnsService);
    }

    @VisibleForTesting
    SpamScan(Optional<URI> defaultUrl, MetricFactory metricFactory, DNSService dnsService) {
        this.defaultUrl = defaultUrl;
        this.metricFactory = metricFactory;
        this.dnsService = dnsService;
    }

    @Override
    public void init(Configuration configuration) throws ConfigurationException {
        Optional<URI> url = url(configuration);
        Duration timeout = timeout(configuration);
        OnError onError = onError(configuration);
        long maxScanSize = maxScanSize(configuration);
        Optional<RspamdClient> client = url.map(endpoint -> new RspamdClient(endpoint, min(timeout, MAXIMUM_CONNECT_TIMEOUT), timeout));
        Settings previous = settings;
        settings = new Settings(client, timeout, onError, maxScanSize);
        previous.client().ifPresent(RspamdClient::close);
        client.ifPresentOrElse(
            rspamd -> LOGGER.info("Spam scan with Rspamd at {}: timeout {}, on error {}, messages over {} bytes not scanned", rspamd.checkUrl(),
                timeout, onError.name().toLowerCase(Locale.ROOT), maxScanSize == Long.MAX_VALUE ? "unlimited" : maxScanSize),
            () -> LOGGER.info("Spam scan off: no <url> and no HELPDESK_RSPAMD_URL"));
    }

    @Override
    public void destroy() {
        settings.client().ifPresent(RspamdClient::close);
    }

    private String name() {
        return getClass().getSimpleName();
    }

    private Optional<URI> url(Configuration configuration) throws ConfigurationException {
        String value = configuration.getString("url", null);
        if (value == null || value.isBlank()) {
            return defaultUrl;
        }
        URI url;
        try {
            url = new URI(value.trim());
        } catch (URISyntaxException e) {
            throw new ConfigurationException(name() + ": <url> '" + value + "' is not a URL: " + e.getMessage(), e);
        }
        String scheme = url.getScheme() == null ? "" : url.getScheme().toLowerCase(Locale.ROOT);
        if (!(scheme.equals("http") || scheme.equals("https")) || url.getHost() == null) {
            throw new ConfigurationException(name() + ": <url> '" + value + "' must be an http:// or https:// URL with a host, "
                + "for example http://127.0.0.1:11333");
        }
        return Optional.of(url);
    }

    private Duration timeout(Configuration configuration) throws ConfigurationException {
        return DurationElement.read(configuration, name(), "timeout", DEFAULT_TIMEOUT, "15 seconds");
    }

    private OnError onError(Configuration configuration) throws ConfigurationException {
        String value = configuration.getString("onError", null);
        if (value == null) {
            return OnError.TEMPFAIL;
        }
        try {
            return OnError.valueOf(value.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new ConfigurationException(name() + ": <onError> '" + value + "' must be tempfail or accept");
        }
    }

    private long maxScanSize(Configuration configuration) throws ConfigurationException {
        String value = configuration.getString("maxScanSize", null);
        if (value == null) {
            return DEFAULT_MAX_SCAN_SIZE;
        }
        if (value.trim().equalsIgnoreCase(Size.UNLIMITED)) {
            return Long.MAX_VALUE;
        }
        long bytes;
        try {
            bytes = Size.parse(value.trim()).asBytes();
        } catch (IllegalArgumentException e) {
            throw new ConfigurationException(name() + ": <maxScanSize> '" + value + "' is not a size (expected for example '20M', '512K')", e);
        }
        if (bytes <= 0) {
            throw new ConfigurationException(name() + ": <maxScanSize> must be larger than zero, was '" + value + "'");
        }
        return bytes;
    }

    @Override
    public HookResult onMessage(SMTPSession session, Mail mail) {
        Settings current = settings;
        if (current.client().isEmpty()) {
            return HookResult.DECLINED;
        }
        try {
            MimeMessage message = mail.getMessage();
            removeHeaders(message);
            long size = mail.getMessageSize();
            if (size > current.maxScanSize()) {
                LOGGER.info("Spam scan skipped for {} of session {}: {} bytes, over {}", mail.getName(), session.getSessionID(), size,
                    current.maxScanSize());
                record(mail, Optional.empty(), "skipped");
                return HookResult.DECLINED;
            }
            Verdict verdict;
            try (InputStream content = new MimeMessageInputStream(message)) {
                verdict = current.client().get().check(envelope(session, mail), content);
            }
            return act(session, mail, message, verdict);
        } catch (ScanFailure | MessagingException | IOException | RuntimeException e) {
            return failed(session, mail, current, e);
        }
    }

    private HookResult act(SMTPSession session, Mail mail, MimeMessage message, Verdict verdict) throws MessagingException, IOException {
        record(mail, Optional.of(verdict), verdict.action());
        LOGGER.debug("Rspamd on {} of session {}: {} (score {} of {}) {}", mail.getName(), session.getSessionID(), verdict.action(),
            format(verdict.score()), format(verdict.requiredScore()), verdict.symbols());
        switch (verdict.action()) {
            case "reject", "discard" -> {
                metricFactory.generate(REJECTED_METRIC).increment();
                LOGGER.info("Spam refused: {} of session {} from {}, Rspamd {} (score {} of {}) {}", mail.getName(), session.getSessionID(),
                    mail.getMaybeSender().asString(), verdict.action(), format(verdict.score()), format(verdict.requiredScore()),
                    verdict.symbols());
                return HookResult.builder()
                    .hookReturnCode(HookReturnCode.deny())
                    .smtpReturnCode("554")
                    .smtpDescription("5.7.1 Message refused as spam")
                    .build();
            }
            case "soft reject" -> {
                LOGGER.info("Spam deferred: {} of session {} from {}, Rspamd soft reject (score {} of {}) {}", mail.getName(),
                    session.getSessionID(), mail.getMaybeSender().asString(), format(verdict.score()), format(verdict.requiredScore()),
                    verdict.symbols());
                return HookResult.builder()
                    .hookReturnCode(HookReturnCode.denySoft())
                    .smtpReturnCode("451")
                    .smtpDescription("4.7.1 Message deferred by the spam filter, try again later")
                    .build();
            }
            case "no action", "greylist" -> {
                message.addHeader(STATUS_HEADER, "No, score=" + format(verdict.score()) + " required=" + format(verdict.requiredScore()));
                return HookResult.DECLINED;
            }
            default -> {
                if (!List.of("add header", "rewrite subject", "quarantine").contains(verdict.action())) {
                    // A newer Rspamd's action: marking the message is the one reaction that loses nothing.
                    LOGGER.warn("Rspamd action '{}' is unknown to {}, marking {} as spam", verdict.action(), name(), mail.getName());
                }
                markAsSpam(message, verdict);
                if (verdict.action().equals("rewrite subject")) {
                    String subject = message.getHeader("Subject", null);
                    // The raw header, encoded words and all: decoding and re-encoding could alter it.
                    message.setHeader("Subject", subject == null ? SUBJECT_PREFIX.strip() : SUBJECT_PREFIX + subject.stripLeading());
                }
                if (verdict.action().equals("quarantine")) {
                    mail.setAttribute(new Attribute(MailAttributes.QUARANTINE, AttributeValue.of(true)));
                }
                return HookResult.DECLINED;
            }
        }
    }

    private static void markAsSpam(MimeMessage message, Verdict verdict) throws MessagingException {
        message.addHeader(FLAG_HEADER, "YES");
        message.addHeader(SCORE_HEADER, format(verdict.score()) + "/" + format(verdict.requiredScore()));
        message.addHeader(STATUS_HEADER, status(verdict));
    }

    /** {@code Yes, score=6.90 required=15.00 symbols=A,B,...}, folded after a comma before a line gets long. */
    static String status(Verdict verdict) {
        StringBuilder status = new StringBuilder("Yes, score=").append(format(verdict.score()))
            .append(" required=").append(format(verdict.requiredScore())).append(" symbols=");
        int lineLength = STATUS_HEADER.length() + 2 + status.length();
        for (int i = 0; i < verdict.symbols().size(); i++) {
            String symbol = verdict.symbols().get(i);
            if (i > 0) {
                status.append(',');
                lineLength++;
                if (lineLength + symbol.length() > FOLD_AT) {
                    status.append("\r\n\t");
                    lineLength = 1;
                }
            }
            status.append(symbol);
            lineLength += symbol.length();
        }
        return status.toString();
    }

    private HookResult failed(SMTPSession session, Mail mail, Settings current, Exception e) {
        metricFactory.generate(ERROR_METRIC).increment();
        String what = "Spam scan failed for " + mail.getName() + " of session " + session.getSessionID() + ", "
            + (current.onError() == OnError.TEMPFAIL ? "answering 451" : "accepting it unscanned");
        warnFailure(what, e);
        if (current.onError() == OnError.ACCEPT) {
            try {
                record(mail, Optional.empty(), "error");
            } catch (IOException | RuntimeException recordFailure) {
                LOGGER.debug("Could not record the failed spam scan of {}", mail.getName(), recordFailure);
            }
            return HookResult.DECLINED;
        }
        return HookResult.builder()
            .hookReturnCode(HookReturnCode.denySoft())
            .smtpReturnCode("451")
            .smtpDescription("4.7.1 Spam scanner unavailable, try again later")
            .build();
    }

    /** Rspamd down fails every message: a WARN with the cause at most once a minute, the rest at DEBUG. */
    private void warnFailure(String message, Exception e) {
        long now = System.currentTimeMillis();
        long due = nextWarningMillis.get();
        if (now >= due && nextWarningMillis.compareAndSet(due, now + WARNING_INTERVAL.toMillis())) {
            LOGGER.warn("{}: {} (further failures within {} are logged at DEBUG)", message, e.getMessage(), WARNING_INTERVAL, e);
        } else {
            LOGGER.debug(message, e);
        }
    }

    /** The webhook's "spam": score and symbols only when Rspamd gave them (absent when unknown, never invented). */
    private void record(Mail mail, Optional<Verdict> verdict, String action) throws IOException {
        StringWriter text = new StringWriter();
        try (JsonGenerator generator = json.createGenerator(text)) {
            generator.writeStartObject();
            if (verdict.isPresent()) {
                generator.writeNumberField("score", verdict.get().score());
            }
            generator.writeStringField("action", action);
            if (verdict.isPresent()) {
                generator.writeArrayFieldStart("symbols");
                for (String symbol : verdict.get().symbols()) {
                    generator.writeString(symbol);
                }
                generator.writeEndArray();
            }
            generator.writeEndObject();
        }
        mail.setAttribute(new Attribute(ATTRIBUTE, AttributeValue.of(text.toString())));
    }

    private Envelope envelope(SMTPSession session, Mail mail) {
        Optional<InetAddress> client = Optional.ofNullable(session.getRemoteAddress()).map(InetSocketAddress::getAddress);
        return new Envelope(
            client.map(InetAddress::getHostAddress),
            client.map(address -> ClientNameLookup.reverseDns(session, dnsService).name()).filter(name -> !name.isEmpty()),
            session.getAttachment(SMTPSession.CURRENT_HELO_NAME, ProtocolSession.State.Connection),
            Optional.of(mail.getMaybeSender().asOptional().map(MailAddress::asString).orElse("")),
            mail.getRecipients().stream().map(MailAddress::asString).toList(),
            Optional.ofNullable(session.getUsername()).map(Username::asString),
            Optional.ofNullable(mail.getName()));
    }

    private static void removeHeaders(MimeMessage message) throws MessagingException {
        message.removeHeader(FLAG_HEADER);
        message.removeHeader(SCORE_HEADER);
        message.removeHeader(STATUS_HEADER);
    }

    private static String format(double score) {
        return String.format(Locale.ROOT, "%.2f", score);
    }

    private static Duration min(Duration a, Duration b) {
        return a.compareTo(b) <= 0 ? a : b;
    }
}
