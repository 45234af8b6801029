package org.helpdeskmail.smtp;

import java.io.IOException;
import java.io.InputStream;
import java.io.StringWriter;
import java.time.Duration;
import java.util.Locale;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.regex.Pattern;

import javax.inject.Inject;
import javax.mail.MessagingException;

import org.apache.commons.configuration2.Configuration;
import org.apache.commons.configuration2.ex.ConfigurationException;
import org.apache.james.metrics.api.MetricFactory;
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
import org.helpdeskmail.clients.ClamdClient;
import org.helpdeskmail.clients.HelpdeskSettings;
import org.helpdeskmail.clients.MailAttributes;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;

/**
 * At end of DATA, before the 250: has clamd scan the raw message ({@code zINSTREAM}, see
 * {@link ClamdClient}) and refuses it when a virus is found, with
 * {@code 554 5.7.1 Message refused: virus <name> found}, so the sender learns it and nothing infected
 * is ever queued. clamd parses MIME itself: base64 attachments, archives and attached messages
 * ({@code message/rfc822}) are decoded and scanned, not just the raw text.
 *
 * <p>The verdict goes into the mail attribute {@code helpdesk.virus} as the JSON of the webhook's
 * "virus" field: {@code {"status":"clean"}}, {@code {"status":"infected","name":"..."}},
 * {@code {"status":"error"}} or {@code {"status":"skipped"}} (not scanned because of its size).
 *
 * <pre>{@code
 * <handler class="org.helpdeskmail.smtp.VirusScan">
 *     <address>127.0.0.1:3310</address>       <!-- or /run/clamav/clamd.ctl; absent: HELPDESK_CLAMD_ADDRESS, and no scan when unset -->
 *     <timeout>30 seconds</timeout>           <!-- each wait: a scan slot, the connection, each chunk, the reply -->
 *     <maxConnections>8</maxConnections>      <!-- scans talking to clamd at once; keep below clamd's MaxThreads -->
 *     <onError>tempfail</onError>             <!-- tempfail (451 4.7.1) or accept (marked "error") -->
 *     <maxScanSize>25M</maxScanSize>          <!-- optional: larger messages are accepted unscanned, marked "skipped" -->
 *     <onSizeLimit>accept</onSizeLimit>       <!-- clamd's StreamMaxLength hit: accept ("skipped"), tempfail (451) or reject (552 5.3.4) -->
 * </handler>
 * }</pre>
 *
 * <p>A scanner that fails (down, timing out, busy beyond {@code maxConnections} for longer than the
 * timeout) defers the message by default: the sending server retries, and nothing unscanned gets
 * through. With {@code accept}, mail keeps flowing while clamd is down, marked {@code error}.
 * {@code maxScanSize} should be at most clamd's {@code StreamMaxLength} (25M in Debian's example
 * configuration), so that the size decision is made here without sending anything.
 *
 * <p>Metrics: {@code helpdesk_virus_found}, {@code helpdesk_virus_scan_errors} and
 * {@code helpdesk_virus_scan_skipped} (too large, by {@code maxScanSize} or clamd's limit).
 */
public class VirusScan implements JamesMessageHook {
    /** String: the webhook's "virus" object as JSON. */
    public static final AttributeName ATTRIBUTE = MailAttributes.VIRUS;
    static final String FOUND_METRIC = "helpdesk_virus_found";
    static final String ERROR_METRIC = "helpdesk_virus_scan_errors";
    static final String SKIPPED_METRIC = "helpdesk_virus_scan_skipped";

    private static final Logger LOGGER = LoggerFactory.getLogger(VirusScan.class);
    private static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(30);
    private static final int DEFAULT_MAX_CONNECTIONS = 8;
    private static final Duration STARTUP_PING_TIMEOUT = Duration.ofSeconds(2);

    /** What of a signature's name may appear in the SMTP reply; clamd's names are made of these. */
    private static final Pattern UNSAFE_IN_REPLY = Pattern.compile("[^A-Za-z0-9._:/+\\-]");
    private static final int MAXIMUM_NAME_IN_REPLY = 100;

    public enum OnError { TEMPFAIL, ACCEPT }

    public enum OnSizeLimit { ACCEPT, TEMPFAIL, REJECT }

    /** What init found; an empty client means no clamd is configured and the hook does nothing. */
    record Settings(Optional<ClamdClient> clamd, OnError onError, OptionalLong maxScanSize, OnSizeLimit onSizeLimit) {
    }

    private final MetricFactory metricFactory;
    private final HelpdeskSettings helpdeskSettings;
    private final JsonFactory json = new JsonFactory();
    private volatile Settings settings = new Settings(Optional.empty(), OnError.TEMPFAIL, OptionalLong.empty(), OnSizeLimit.ACCEPT);

    @Inject
    public VirusScan(MetricFactory metricFactory, HelpdeskSettings helpdeskSettings) {
        this.metricFactory = metricFactory;
        this.helpdeskSettings = helpdeskSettings;
    }

    @Override
    public void init(Configuration configuration) throws ConfigurationException {
        Duration timeout = timeout(configuration);
        int maxConnections = maxConnections(configuration);
        OnError onError = choice(configuration, "onError", OnError.class, OnError.TEMPFAIL, "tempfail or accept");
        OptionalLong maxScanSize = maxScanSize(configuration);
        OnSizeLimit onSizeLimit = choice(configuration, "onSizeLimit", OnSizeLimit.class, OnSizeLimit.ACCEPT, "accept, tempfail or reject");
        Optional<ClamdClient> clamd = address(configuration)
            .map(address -> new ClamdClient(address, timeout, timeout, maxConnections));
        settings = new Settings(clamd, onError, maxScanSize, onSizeLimit);
        if (clamd.isEmpty()) {
            LOGGER.info("VirusScan: no clamd address (neither <address> nor HELPDESK_CLAMD_ADDRESS): messages are not scanned");
            return;
        }
        LOGGER.info("VirusScan: clamd at {}, timeout {} ms, {} connections at most, on error {}, max scan size {}, on clamd's size limit {}",
            clamd.get().address(), timeout.toMillis(), maxConnections, lower(onError),
            maxScanSize.isPresent() ? maxScanSize.getAsLong() + " bytes" : "clamd's", lower(onSizeLimit));
        // A short-lived client with short timeouts: an unreachable host must not hold up startup for the whole <timeout>.
        Duration pingTimeout = timeout.compareTo(STARTUP_PING_TIMEOUT) < 0 ? timeout : STARTUP_PING_TIMEOUT;
        if (!new ClamdClient(clamd.get().address(), pingTimeout, pingTimeout, 1).ping()) {
            // Not fatal: clamd often starts after us (its database takes a while to load), and every scan tries again.
            LOGGER.warn("VirusScan: clamd at {} does not answer PING yet", clamd.get().address());
        }
    }

    @Override
    public HookResult onMessage(SMTPSession session, Mail mail) {
        Settings current = settings;
        if (current.clamd().isEmpty()) {
            return HookResult.DECLINED;
        }
        OptionalLong size = size(mail);
        if (current.maxScanSize().isPresent() && size.isPresent() && size.getAsLong() > current.maxScanSize().getAsLong()) {
            LOGGER.info("Not scanned for viruses, {} bytes is over maxScanSize: mail={} session={}", size.getAsLong(), mail.getName(),
                session.getSessionID());
            return skipped(mail);
        }
        ClamdClient.Verdict verdict = scan(current.clamd().get(), mail);
        switch (verdict.status()) {
            case CLEAN:
                record(mail, "clean", Optional.empty());
                return HookResult.DECLINED;
            case INFECTED:
                return infected(session, mail, verdict.signature().orElse("unknown"));
            case SIZE_LIMIT:
                return sizeLimit(session, mail, current.onSizeLimit());
            default:
                return error(session, mail, verdict.detail(), current.onError());
        }
    }

    private static ClamdClient.Verdict scan(ClamdClient clamd, Mail mail) {
        try (InputStream raw = new MimeMessageInputStream(mail.getMessage())) {
            return clamd.scan(raw);
        } catch (MessagingException | IOException e) {
            return new ClamdClient.Verdict(ClamdClient.Status.ERROR, Optional.empty(), "could not read the message: " + e.getMessage());
        }
    }

    private HookResult infected(SMTPSession session, Mail mail, String signature) {
        metricFactory.generate(FOUND_METRIC).increment();
        record(mail, "infected", Optional.of(signature));
        LOGGER.info("Virus found, message refused: virus={} mail={} session={} mailFrom={}", signature, mail.getName(),
            session.getSessionID(), mail.getMaybeSender().asString());
        return HookResult.builder()
            .hookReturnCode(HookReturnCode.deny())
            .smtpReturnCode("554")
            .smtpDescription("5.7.1 Message refused: virus " + forReply(signature) + " found")
            .build();
    }

    private HookResult sizeLimit(SMTPSession session, Mail mail, OnSizeLimit onSizeLimit) {
        LOGGER.info("Over clamd's StreamMaxLength, {}: mail={} session={}", lower(onSizeLimit), mail.getName(), session.getSessionID());
        switch (onSizeLimit) {
            case TEMPFAIL:
                record(mail, "skipped", Optional.empty());
                return HookResult.builder()
                    .hookReturnCode(HookReturnCode.denySoft())
                    .smtpReturnCode("451")
                    .smtpDescription("4.7.1 Message could not be scanned for viruses, try again later")
                    .build();
            case REJECT:
                record(mail, "skipped", Optional.empty());
                return HookResult.builder()
                    .hookReturnCode(HookReturnCode.deny())
                    .smtpReturnCode("552")
                    .smtpDescription("5.3.4 Message too large to be scanned for viruses")
                    .build();
            default:
                return skipped(mail);
        }
    }

    private HookResult skipped(Mail mail) {
        metricFactory.generate(SKIPPED_METRIC).increment();
        record(mail, "skipped", Optional.empty());
        return HookResult.DECLINED;
    }

    private HookResult error(SMTPSession session, Mail mail, String detail, OnError onError) {
        metricFactory.generate(ERROR_METRIC).increment();
        record(mail, "error", Optional.empty());
        LOGGER.warn("Virus scan failed, message {}: {} mail={} session={}", onError == OnError.ACCEPT ? "accepted unscanned" : "deferred",
            detail, mail.getName(), session.getSessionID());
        if (onError == OnError.ACCEPT) {
            return HookResult.DECLINED;
        }
        // The cause stays in our log: the sender needs to know only that retrying will help.
        return HookResult.builder()
            .hookReturnCode(HookReturnCode.denySoft())
            .smtpReturnCode("451")
            .smtpDescription("4.7.1 Virus scanner unavailable, try again later")
            .build();
    }

    private void record(Mail mail, String status, Optional<String> name) {
        mail.setAttribute(new Attribute(ATTRIBUTE, AttributeValue.of(virusJson(status, name))));
    }

    String virusJson(String status, Optional<String> name) {
        StringWriter text = new StringWriter();
        try (JsonGenerator generator = json.createGenerator(text)) {
            generator.writeStartObject();
            generator.writeStringField("status", status);
            if (name.isPresent()) {
                generator.writeStringField("name", name.get());
            }
            generator.writeEndObject();
        } catch (IOException e) {
            throw new IllegalStateException("writing JSON into a string cannot fail", e);
        }
        return text.toString();
    }

    static String forReply(String signature) {
        String safe = UNSAFE_IN_REPLY.matcher(signature).replaceAll("?");
        return safe.length() <= MAXIMUM_NAME_IN_REPLY ? safe : safe.substring(0, MAXIMUM_NAME_IN_REPLY) + "...";
    }

    private static OptionalLong size(Mail mail) {
        try {
            return OptionalLong.of(mail.getMessageSize());
        } catch (MessagingException | RuntimeException e) {
            // Unknown: the message is scanned, and clamd's own limit still applies.
            return OptionalLong.empty();
        }
    }

    private Optional<String> address(Configuration configuration) throws ConfigurationException {
        String configured = configuration.getString("address", null);
        String element;
        String address;
        if (configured != null && !configured.isBlank()) {
            element = "<address>";
            address = configured.trim();
        } else if (helpdeskSettings.clamdAddress().filter(value -> !value.isBlank()).isPresent()) {
            element = "HELPDESK_CLAMD_ADDRESS";
            address = helpdeskSettings.clamdAddress().get().trim();
        } else {
            return Optional.empty();
        }
        try {
            ClamdClient.parseAddress(address);
        } catch (IllegalArgumentException e) {
            throw new ConfigurationException(name() + ": " + element + " " + e.getMessage());
        }
        return Optional.of(address);
    }

    private Duration timeout(Configuration configuration) throws ConfigurationException {
        return DurationElement.read(configuration, name(), "timeout", DEFAULT_TIMEOUT, "30 seconds");
    }

    private int maxConnections(Configuration configuration) throws ConfigurationException {
        String value = configuration.getString("maxConnections", null);
        if (value == null) {
            return DEFAULT_MAX_CONNECTIONS;
        }
        int maxConnections;
        try {
            maxConnections = Integer.parseInt(value.trim());
        } catch (NumberFormatException e) {
            throw new ConfigurationException(name() + ": <maxConnections> '" + value + "' is not a whole number");
        }
        if (maxConnections < 1) {
            throw new ConfigurationException(name() + ": <maxConnections> must be at least 1, was " + maxConnections);
        }
        return maxConnections;
    }

    private OptionalLong maxScanSize(Configuration configuration) throws ConfigurationException {
        String value = configuration.getString("maxScanSize", null);
        if (value == null) {
            return OptionalLong.empty();
        }
        long bytes;
        try {
            bytes = Size.parse(value.trim()).asBytes();
        } catch (IllegalArgumentException e) {
            throw new ConfigurationException(name() + ": <maxScanSize> '" + value + "' is not a size (expected for example '25M', '512K')", e);
        }
        if (bytes < 1) {
            throw new ConfigurationException(name() + ": <maxScanSize> must be more than zero, was '" + value
                + "' (leave the element out to leave the limit to clamd)");
        }
        return OptionalLong.of(bytes);
    }

    private <E extends Enum<E>> E choice(Configuration configuration, String element, Class<E> type, E defaultValue, String expected)
        throws ConfigurationException {
        String value = configuration.getString(element, null);
        if (value == null) {
            return defaultValue;
        }
        try {
            return Enum.valueOf(type, value.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new ConfigurationException(name() + ": <" + element + "> '" + value + "' must be " + expected);
        }
    }

    private static String lower(Enum<?> value) {
        return value.name().toLowerCase(Locale.ROOT);
    }

    private String name() {
        return getClass().getSimpleName();
    }
}
