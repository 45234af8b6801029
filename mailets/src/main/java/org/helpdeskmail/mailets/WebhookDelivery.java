package org.helpdeskmail.mailets;

import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;

import javax.inject.Inject;
import javax.mail.MessagingException;

import org.apache.james.core.MailAddress;
import org.apache.james.metrics.api.MetricFactory;
import org.apache.james.server.core.MimeMessageInputStream;
import org.apache.mailet.Attribute;
import org.apache.mailet.AttributeName;
import org.apache.mailet.AttributeValue;
import org.apache.mailet.Mail;
import org.apache.mailet.base.GenericMailet;
import org.helpdeskmail.clients.AutoReplyDetector;
import org.helpdeskmail.clients.DataStoreException;
import org.helpdeskmail.clients.HelpdeskDomains;
import org.helpdeskmail.clients.HelpdeskDomains.TenantMailbox;
import org.helpdeskmail.clients.HelpdeskSettings;
import org.helpdeskmail.clients.MailAttributes;
import org.helpdeskmail.clients.TicketThreads;
import org.helpdeskmail.clients.WebhookClient;
import org.helpdeskmail.clients.WebhookClient.Outcome;
import org.helpdeskmail.clients.WebhookSigner;
import org.helpdeskmail.mailets.payload.InboundMessageParser;
import org.helpdeskmail.mailets.payload.ParsedMessage;
import org.helpdeskmail.mailets.payload.WebhookPayload;
import org.helpdeskmail.mailets.payload.WebhookPayloadWriter;
import org.helpdeskmail.mailets.text.HtmlToText;
import org.helpdeskmail.mailets.text.ReplyTextStripper;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * POSTs a mail to the helpdesk app's webhook (URL and secret of helpdesk.properties), one signed JSON
 * request per (tenant, mailbox) recipient, and takes the mail out of the processor whatever happens:
 * <ul>
 *   <li>2xx: that recipient is done;</li>
 *   <li>429, 5xx, timeout, refused connection: the mail goes back to the durable queue for those
 *       recipients only, into this same processor, after a delay that doubles from
 *       {@code initialDelay} up to {@code maxDelay}; once the first attempt is older than
 *       {@code maxAge} it goes to {@code failedProcessor} instead;</li>
 *   <li>any other answer, a recipient that is no tenant mailbox, or a message above
 *       {@code maxMessageSize}: {@code rejectedProcessor}.</li>
 * </ul>
 * The {@code X-Helpdesk-Id} of a (message, recipient) stays the same across retries and
 * reprocessing, so the app can ignore a POST it has already taken. A reply to one of the app's
 * messages (its In-Reply-To or References name a Message-ID that TicketReferenceRecorder
 * remembered) gets that message's {@code ticket}.
 *
 * <pre>{@code
 * <mailet match="All" class="org.helpdeskmail.mailets.WebhookDelivery">
 *     <connectTimeout>5 seconds</connectTimeout>
 *     <readTimeout>30 seconds</readTimeout>
 *     <initialDelay>1 minute</initialDelay>
 *     <maxDelay>1 hour</maxDelay>
 *     <maxAge>5 days</maxAge>
 *     <maxMessageSize>40M</maxMessageSize>
 *     <failedProcessor>webhook-failed</failedProcessor>
 *     <rejectedProcessor>webhook-rejected</rejectedProcessor>
 * </mailet>
 * }</pre>
 */
public class WebhookDelivery extends GenericMailet {
    static final AttributeName MESSAGE_KEY = AttributeName.of("helpdesk.webhook.messageKey");
    static final AttributeName RECEIVED_AT = AttributeName.of("helpdesk.webhook.receivedAt");
    static final AttributeName FIRST_ATTEMPT = AttributeName.of("helpdesk.webhook.firstAttempt");
    static final AttributeName ATTEMPTS = AttributeName.of("helpdesk.webhook.attempts");
    static final AttributeName LAST_ERROR = AttributeName.of("helpdesk.webhook.lastError");
    private static final Logger LOGGER = LoggerFactory.getLogger(WebhookDelivery.class);

    /** The mailet's parameters, read and checked once. */
    record Parameters(Duration connectTimeout, Duration readTimeout, RetryPolicy retryPolicy, long maxMessageSize,
                      String failedProcessor, String rejectedProcessor) {
    }

    private final HelpdeskSettings settings;
    private final HelpdeskDomains helpdeskDomains;
    private final TicketThreads ticketThreads;
    private final MetricFactory metricFactory;
    private final Clock clock;
    private final InboundMessageParser parser = new InboundMessageParser();
    private final WebhookPayloadWriter writer = new WebhookPayloadWriter();
    private final HtmlToText htmlToText = new HtmlToText();
    private final ReplyTextStripper replyTextStripper = new ReplyTextStripper();
    private Parameters parameters;
    private WebhookSigner signer;
    private WebhookClient client;

    @Inject
    public WebhookDelivery(HelpdeskSettings settings, TicketThreads ticketThreads, MetricFactory metricFactory, Clock clock) {
        this.settings = settings;
        this.helpdeskDomains = settings.helpdeskDomains();
        this.ticketThreads = ticketThreads;
        this.metricFactory = metricFactory;
        this.clock = clock;
    }

    @Override
    public void init() throws MessagingException {
        MailetParameters reader = new MailetParameters(this);
        parameters = new Parameters(
            reader.duration("connectTimeout", "5 seconds"),
            reader.duration("readTimeout", "30 seconds"),
            reader.retryPolicy("1 minute", "1 hour", "5 days"),
            reader.size("maxMessageSize", "40M"),
            reader.text("failedProcessor", "webhook-failed"),
            reader.text("rejectedProcessor", "webhook-rejected"));
        String secret = settings.webhookSecret()
            .orElseThrow(() -> new MessagingException(getMailetName() + ": no webhook secret (helpdesk.properties webhook.secret)"));
        signer = new WebhookSigner(secret);
        client = new WebhookClient(parameters.connectTimeout(), parameters.readTimeout());
    }

    @Override
    public String getMailetInfo() {
        return "Delivers mail to the helpdesk app's webhook";
    }

    @Override
    public void destroy() {
        if (client != null) {
            client.close();
        }
    }

    /** Which recipients ended where during one attempt. */
    private record Results(List<MailAddress> retry, List<MailAddress> rejected, List<String> errors) {
        Results() {
            this(new ArrayList<>(), new ArrayList<>(), new ArrayList<>());
        }
    }

    @Override
    public void service(Mail mail) throws MessagingException {
        Instant now = clock.instant();
        rememberFirstSight(mail, now);
        Results results = new Results();
        List<TenantAddress> deliverable = new ArrayList<>();
        for (MailAddress recipient : mail.getRecipients()) {
            Optional<TenantMailbox> mailbox = helpdeskDomains.tenantMailbox(recipient.getLocalPart(), recipient.getDomain().asString());
            if (mailbox.isPresent()) {
                deliverable.add(new TenantAddress(recipient, mailbox.get()));
            } else {
                results.rejected().add(recipient);
                results.errors().add(recipient.asString() + " is not a mailbox of a helpdesk tenant");
            }
        }
        if (mail.getMessageSize() > parameters.maxMessageSize()) {
            deliverable.forEach(address -> results.rejected().add(address.address()));
            results.errors().add("message of " + mail.getMessageSize() + " bytes is above maxMessageSize " + parameters.maxMessageSize());
            deliverable.clear();
        }
        if (!deliverable.isEmpty()) {
            post(mail, deliverable, results, now);
        }
        dispatch(mail, results, now);
        mail.setState(Mail.GHOST);
    }

    private record TenantAddress(MailAddress address, TenantMailbox mailbox) {
    }

    private void rememberFirstSight(Mail mail, Instant now) {
        if (mail.getAttribute(MESSAGE_KEY).isEmpty()) {
            mail.setAttribute(new Attribute(MESSAGE_KEY, AttributeValue.of(mail.getName())));
            mail.setAttribute(new Attribute(RECEIVED_AT, AttributeValue.of(now.toEpochMilli())));
        }
        if (mail.getAttribute(FIRST_ATTEMPT).isEmpty()) {
            mail.setAttribute(new Attribute(FIRST_ATTEMPT, AttributeValue.of(now.toEpochMilli())));
            mail.setAttribute(new Attribute(ATTEMPTS, AttributeValue.of(0)));
        }
    }

    private void post(Mail mail, List<TenantAddress> deliverable, Results results, Instant now) throws MessagingException {
        try (InboundMessageParser.Parsed parsed = parser.parse(new MimeMessageInputStream(mail.getMessage()))) {
            ParsedMessage message = parsed.message();
            WebhookPayload.Readable readable = readable(message);
            boolean autoReply = AutoReplyDetector.isAutoReply(message::headerValues, !mail.getMaybeSender().asOptional().isPresent());
            Instant receivedAt = Instant.ofEpochMilli(longAttribute(mail, RECEIVED_AT).orElse(now.toEpochMilli()));
            WebhookPayload.Verdicts verdicts = new WebhookPayload.Verdicts(
                mail.getAttribute(MailAttributes.AUTH).map(attribute -> attribute.getValue().value().toString()),
                mail.getAttribute(MailAttributes.QUARANTINE).map(attribute -> Boolean.TRUE.equals(attribute.getValue().value())).orElse(false),
                mail.getAttribute(MailAttributes.VIRUS).map(attribute -> attribute.getValue().value().toString()),
                mail.getAttribute(MailAttributes.SPAM).map(attribute -> attribute.getValue().value().toString()));
            String messageKey = mail.getAttribute(MESSAGE_KEY).map(attribute -> attribute.getValue().value().toString()).orElse(mail.getName());
            Optional<String> ticket = ticket(message);
            for (TenantAddress recipient : deliverable) {
                WebhookPayload payload = new WebhookPayload(deliveryId(messageKey, recipient.address()), receivedAt, recipient.mailbox(),
                    envelope(mail, recipient.address()), readable, autoReply, verdicts, ticket);
                Outcome outcome = postOne(message, payload, now);
                LOGGER.info("webhook {} for {} (message {}, id {}): {}", outcome.verdict(), recipient.address().asString(),
                    message.messageId().orElse("-"), payload.id(), outcome.detail());
                metricFactory.generate("helpdesk_webhook_" + outcome.verdict().name().toLowerCase()).increment();
                switch (outcome.verdict()) {
                    case DELIVERED -> { }
                    case RETRY -> {
                        results.retry().add(recipient.address());
                        results.errors().add(recipient.address().asString() + ": " + outcome.detail());
                    }
                    case REJECTED -> {
                        results.rejected().add(recipient.address());
                        results.errors().add(recipient.address().asString() + ": " + outcome.detail());
                    }
                }
            }
        } catch (IOException e) {
            throw new MessagingException("cannot read the message of " + mail.getName(), e);
        }
    }

    /**
     * The ticket the message replies to. Without the store's answer the app is told nothing
     * (DESIGN 4.1: absent when unknown) rather than having the mail wait.
     */
    private Optional<String> ticket(ParsedMessage message) {
        List<String> chain = TicketThreads.replyChain(message.inReplyTo(), message.references());
        try {
            return ticketThreads.ticketFor(chain);
        } catch (DataStoreException e) {
            LOGGER.warn("webhook: no ticket for message {}: {}", message.messageId().orElse("-"), e.getMessage(), e);
            return Optional.empty();
        }
    }

    private WebhookPayload.Readable readable(ParsedMessage message) {
        Optional<String> text = message.text().or(() -> message.html().map(htmlToText::render));
        return new WebhookPayload.Readable(text, text.map(replyTextStripper::strip));
    }

    private static WebhookPayload.Envelope envelope(Mail mail, MailAddress recipient) {
        return new WebhookPayload.Envelope(
            mail.getMaybeSender().asOptional().map(MailAddress::asString),
            recipient.asString(),
            Optional.ofNullable(mail.getRemoteAddr()),
            mail.getAttribute(Mail.SMTP_HELO).map(attribute -> attribute.getValue().value().toString()),
            mail.getAttribute(MailAttributes.TLS).map(attribute -> Boolean.valueOf(attribute.getValue().value().toString())));
    }

    private Outcome postOne(ParsedMessage message, WebhookPayload payload, Instant now) throws IOException {
        Path body = Files.createTempFile("helpdesk-webhook-", ".json");
        try {
            long timestamp = now.getEpochSecond();
            WebhookSigner.Signature signature = signer.start(timestamp);
            try (OutputStream output = new SigningOutputStream(Files.newOutputStream(body), signature)) {
                writer.write(message, payload, output);
            }
            return client.post(new WebhookClient.Delivery(settings.webhookUrl(), payload.id(), timestamp, signature.value()), body);
        } finally {
            Files.deleteIfExists(body);
        }
    }

    /** Same (message, recipient), same id: on every retry and after reprocessing. */
    static String deliveryId(String messageKey, MailAddress recipient) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256")
                .digest((messageKey + "\n" + recipient.asString().toLowerCase()).getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest, 0, 16);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every Java runtime", e);
        }
    }

    private void dispatch(Mail mail, Results results, Instant now) throws MessagingException {
        String lastError = String.join("; ", results.errors());
        if (!results.rejected().isEmpty()) {
            metricFactory.generate("helpdesk_webhook_mail_rejected").increment();
            send(mail, results.rejected(), parameters.rejectedProcessor(), lastError, Duration.ZERO, Optional.empty());
        }
        if (results.retry().isEmpty()) {
            return;
        }
        Instant firstAttempt = Instant.ofEpochMilli(longAttribute(mail, FIRST_ATTEMPT).orElse(now.toEpochMilli()));
        int attempts = mail.getAttribute(ATTEMPTS).map(attribute -> (Integer) attribute.getValue().value()).orElse(0) + 1;
        if (parameters.retryPolicy().expired(firstAttempt, now)) {
            metricFactory.generate("helpdesk_webhook_mail_failed").increment();
            LOGGER.warn("webhook gave up on {} after {} attempts since {}: {}", mail.getName(), attempts, firstAttempt, lastError);
            // Without the attempt counters, an operator's reprocessing starts a new maxAge window.
            send(mail, results.retry(), parameters.failedProcessor(), lastError, Duration.ZERO, Optional.empty());
            return;
        }
        Duration delay = parameters.retryPolicy().delayAfter(attempts);
        Mail retry = send(mail, results.retry(), mail.getState(), lastError, delay, Optional.of(attempts));
        LOGGER.info("webhook retry {} of {} in {} (attempt {})", retry.getName(), mail.getName(), delay, attempts);
    }

    /**
     * Queues a copy of the mail for some of its recipients into a processor.
     *
     * @param attempts for a retry, the attempts made so far; otherwise empty, which clears the
     *                 retry counters
     */
    private Mail send(Mail mail, Collection<MailAddress> recipients, String state, String lastError, Duration delay,
                      Optional<Integer> attempts) throws MessagingException {
        return Requeue.copy(getMailetContext(), mail, state, delay, copy -> {
            copy.setRecipients(List.copyOf(recipients));
            copy.setAttribute(new Attribute(LAST_ERROR, AttributeValue.of(lastError)));
            if (attempts.isPresent()) {
                copy.setAttribute(new Attribute(ATTEMPTS, AttributeValue.of(attempts.get())));
            } else {
                copy.removeAttribute(FIRST_ATTEMPT);
                copy.removeAttribute(ATTEMPTS);
            }
        });
    }

    private static Optional<Long> longAttribute(Mail mail, AttributeName name) {
        return mail.getAttribute(name).map(attribute -> ((Number) attribute.getValue().value()).longValue());
    }

    /** Feeds the signature with the bytes on their way to the file. */
    private static final class SigningOutputStream extends FilterOutputStream {
        private final WebhookSigner.Signature signature;

        SigningOutputStream(OutputStream output, WebhookSigner.Signature signature) {
            super(output);
            this.signature = signature;
        }

        @Override
        public void write(int value) throws IOException {
            signature.update(new byte[] {(byte) value}, 0, 1);
            out.write(value);
        }

        @Override
        public void write(byte[] bytes, int offset, int length) throws IOException {
            signature.update(bytes, offset, length);
            out.write(bytes, offset, length);
        }
    }
}
