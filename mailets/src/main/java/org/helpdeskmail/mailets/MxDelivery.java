package org.helpdeskmail.mailets;

import java.io.IOException;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

import javax.inject.Inject;
import javax.mail.MessagingException;

import org.apache.james.core.MailAddress;
import org.apache.james.dnsservice.api.DNSService;
import org.apache.james.metrics.api.MetricFactory;
import org.apache.mailet.Attribute;
import org.apache.mailet.AttributeName;
import org.apache.mailet.AttributeValue;
import org.apache.mailet.Mail;
import org.apache.mailet.base.GenericMailet;
import org.helpdeskmail.clients.DataStoreException;
import org.helpdeskmail.clients.HelpdeskSettings;
import org.helpdeskmail.clients.SuppressionList;
import org.helpdeskmail.clients.bounce.BounceClassifier;
import org.helpdeskmail.clients.bounce.Classification;
import org.helpdeskmail.clients.outbound.ReturnPaths;
import org.helpdeskmail.clients.smtp.SmtpConnection;
import org.helpdeskmail.mailets.delivery.OutboundEnvelope;
import org.helpdeskmail.mailets.delivery.OutboundTransport;
import org.helpdeskmail.mailets.delivery.RecipientOutcome;
import org.helpdeskmail.mailets.events.DeliveryEvent;
import org.helpdeskmail.mailets.events.DeliveryEvents;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Delivers outbound mail to the recipients' MX hosts (RFC 5321 5.1: MX records in preference
 * order, else the domain's own address; a null MX (RFC 7505) bounces at once), each recipient with
 * its own VERP return path so that a later bounce names it. STARTTLS whenever offered; a domain's
 * MTA-STS policy (RFC 8461) or an entry of {@code tlsPolicies} can require TLS and a valid
 * certificate, in which case a host that does not have them is skipped and the mail waits rather
 * than going out in clear.
 *
 * <p>Every recipient ends in one delivery event: {@code delivered} (250), {@code deferred} (4xx,
 * connection or DNS trouble: the mail goes back to the durable queue for those recipients with a
 * doubling delay), {@code bounced} (5xx, or still deferred after {@code maxAge}: the mail is kept in
 * {@code bouncedProcessor} for an operator). A hard bounce suppresses the address.
 *
 * <pre>{@code
 * <mailet match="All" class="org.helpdeskmail.mailets.MxDelivery">
 *     <port>25</port>                                      <!-- of the remote MX hosts -->
 *     <gateway></gateway>                                  <!-- host:port: everything to one smart host instead -->
 *     <heloName></heloName>                                <!-- default: this host's name -->
 *     <connectTimeout>30 seconds</connectTimeout>
 *     <readTimeout>5 minutes</readTimeout>
 *     <initialDelay>5 minutes</initialDelay>
 *     <maxDelay>2 hours</maxDelay>
 *     <maxAge>5 days</maxAge>
 *     <tlsPolicies>bank.example verify, .partner.example encrypt</tlsPolicies>
 *     <trustedCertificates></trustedCertificates>          <!-- PEM CA file added to the JDK's roots -->
 *     <mtaStsPort>443</mtaStsPort>
 *     <bouncedProcessor>bounced</bouncedProcessor>
 *     <eventsProcessor>delivery-events</eventsProcessor>
 * </mailet>
 * }</pre>
 */
public class MxDelivery extends GenericMailet {
    static final AttributeName FIRST_ATTEMPT = AttributeName.of("helpdesk.delivery.firstAttempt");
    static final AttributeName ATTEMPTS = AttributeName.of("helpdesk.delivery.attempts");
    static final AttributeName MESSAGE_KEY = AttributeName.of("helpdesk.delivery.messageKey");
    static final AttributeName LAST_ERROR = AttributeName.of("helpdesk.delivery.lastError");
    private static final Logger LOGGER = LoggerFactory.getLogger(MxDelivery.class);

    private final DNSService dnsService;
    private final HelpdeskSettings settings;
    private final SuppressionList suppressionList;
    private final ReturnPaths returnPaths;
    private final MetricFactory metricFactory;
    private final Clock clock;
    private RetryPolicy retryPolicy;
    private String bouncedProcessor;
    private DeliveryEvents events;
    private OutboundTransport transport;

    @Inject
    public MxDelivery(DNSService dnsService, HelpdeskSettings settings, SuppressionList suppressionList, ReturnPaths returnPaths,
                      MetricFactory metricFactory, Clock clock) {
        this.dnsService = dnsService;
        this.settings = settings;
        this.suppressionList = suppressionList;
        this.returnPaths = returnPaths;
        this.metricFactory = metricFactory;
        this.clock = clock;
    }

    @Override
    public void init() throws MessagingException {
        MailetParameters parameters = new MailetParameters(this);
        retryPolicy = parameters.retryPolicy("5 minutes", "2 hours", "5 days");
        bouncedProcessor = parameters.text("bouncedProcessor", "bounced");
        events = new DeliveryEvents(settings, clock, getMailetContext(), parameters.text("eventsProcessor", DeliveryEvents.DEFAULT_PROCESSOR));
        transport = OutboundTransport.configure(parameters, dnsService, clock);
    }

    @Override
    public void destroy() {
        if (events != null) {
            events.close();
        }
    }

    @Override
    public String getMailetInfo() {
        return "Delivers outbound mail to the recipients' MX hosts";
    }

    @Override
    public void service(Mail mail) throws MessagingException {
        Instant now = clock.instant();
        Instant firstAttempt = mail.getAttribute(FIRST_ATTEMPT).map(attribute -> Instant.ofEpochMilli((Long) attribute.getValue().value()))
            .orElse(now);
        int attempt = mail.getAttribute(ATTEMPTS).map(attribute -> (Integer) attribute.getValue().value()).orElse(0) + 1;
        String messageKey = mail.getAttribute(MESSAGE_KEY).map(attribute -> attribute.getValue().value().toString()).orElse(mail.getName());
        Optional<String> messageId = Optional.ofNullable(mail.getMessage().getMessageID());
        Map<String, List<MailAddress>> byDomain = new LinkedHashMap<>();
        for (MailAddress recipient : mail.getRecipients()) {
            if (isSuppressed(recipient, messageId, now)) {
                continue;
            }
            byDomain.computeIfAbsent(recipient.getDomain().asString().toLowerCase(Locale.ROOT), domain -> new ArrayList<>()).add(recipient);
        }
        List<RecipientOutcome> outcomes = new ArrayList<>();
        for (Map.Entry<String, List<MailAddress>> domain : byDomain.entrySet()) {
            outcomes.addAll(transport.deliver(domain.getKey(), domain.getValue(), envelope(mail, messageKey, messageId)));
        }
        conclude(mail, outcomes, messageId, messageKey, firstAttempt, attempt, now);
        mail.setState(Mail.GHOST);
    }

    private boolean isSuppressed(MailAddress recipient, Optional<String> messageId, Instant now) throws MessagingException {
        try {
            Optional<SuppressionList.SuppressedAddress> suppressed = suppressionList.find(recipient);
            if (suppressed.isEmpty()) {
                return false;
            }
            metricFactory.generate("helpdesk_delivery_suppressed").increment();
            events.publish(DeliveryEvent.suppressed(messageId, recipient.asString(),
                "address suppressed since " + suppressed.get().since() + " (" + suppressed.get().reason().name().toLowerCase(Locale.ROOT)
                    + suppressed.get().detail().map(detail -> ": " + detail).orElse("") + ")", now));
            return true;
        } catch (DataStoreException e) {
            // Better late than sent to an address that bounced or complained.
            throw new MessagingException("cannot read the suppression list", e);
        }
    }

    private OutboundEnvelope envelope(Mail mail, String messageKey, Optional<String> messageId) throws MessagingException {
        long size = mail.getMessageSize();
        boolean nullSender = mail.getMaybeSender().isNullSender();
        SmtpConnection.MessageContent content = output -> {
            try {
                mail.getMessage().writeTo(output);
            } catch (MessagingException e) {
                throw new IOException("cannot read the message of " + mail.getName(), e);
            }
        };
        return new OutboundEnvelope() {
            @Override
            public long size() {
                return size;
            }

            @Override
            public SmtpConnection.MessageContent content() {
                return content;
            }

            @Override
            public String returnPath(MailAddress recipient) throws IOException {
                if (nullSender) {
                    return "";
                }
                try {
                    return returnPaths.issue(messageKey, messageId, recipient);
                } catch (SQLException e) {
                    throw new IOException("cannot record the return path of " + recipient.asString(), e);
                }
            }
        };
    }

    private void conclude(Mail mail, List<RecipientOutcome> outcomes, Optional<String> messageId, String messageKey, Instant firstAttempt,
                          int attempt, Instant now) throws MessagingException {
        List<MailAddress> deferred = new ArrayList<>();
        List<MailAddress> bounced = new ArrayList<>();
        List<String> errors = new ArrayList<>();
        boolean expired = retryPolicy.expired(firstAttempt, now);
        Instant nextAttempt = now.plus(retryPolicy.delayAfter(attempt));
        for (RecipientOutcome outcome : outcomes) {
            DeliveryEvent.Attempt details = new DeliveryEvent.Attempt(attempt, outcome.smtpCode(), outcome.enhancedStatus(),
                Optional.of(outcome.diagnostic()), outcome.remoteMx(), outcome.sourceIp());
            String recipient = outcome.recipient().asString();
            metricFactory.generate("helpdesk_delivery_" + outcome.kind().name().toLowerCase(Locale.ROOT)).increment();
            switch (outcome.kind()) {
                case DELIVERED -> events.publish(DeliveryEvent.attempt(DeliveryEvent.Type.DELIVERED, messageId, recipient, details, now));
                case BOUNCED -> {
                    bounced.add(outcome.recipient());
                    errors.add(recipient + ": " + outcome.diagnostic());
                    boolean hard = suppressIfHard(outcome, now);
                    events.publish(DeliveryEvent.attempt(DeliveryEvent.Type.BOUNCED, messageId, recipient, details, now)
                        .withBounceType(hard ? "hard" : "soft"));
                }
                case DEFERRED -> {
                    errors.add(recipient + ": " + outcome.diagnostic());
                    if (expired) {
                        bounced.add(outcome.recipient());
                        DeliveryEvent.Attempt expiry = new DeliveryEvent.Attempt(attempt, outcome.smtpCode(), Optional.of("4.4.7"),
                            Optional.of("delivery time expired after " + attempt + " attempts since " + firstAttempt + "; last: "
                                + outcome.diagnostic()), outcome.remoteMx(), outcome.sourceIp());
                        events.publish(DeliveryEvent.attempt(DeliveryEvent.Type.BOUNCED, messageId, recipient, expiry, now).withBounceType("soft"));
                    } else {
                        deferred.add(outcome.recipient());
                        events.publish(DeliveryEvent.attempt(DeliveryEvent.Type.DEFERRED, messageId, recipient, details, now)
                            .withNextAttempt(nextAttempt));
                    }
                }
            }
        }
        String lastError = String.join("; ", errors);
        if (!bounced.isEmpty()) {
            forward(mail, bounced, bouncedProcessor, lastError, Duration.ZERO, messageKey, Optional.empty());
        }
        if (!deferred.isEmpty()) {
            Duration delay = Duration.between(now, nextAttempt);
            LOGGER.info("{}: {} recipient(s) deferred, attempt {} in {}", mail.getName(), deferred.size(), attempt + 1, delay);
            forward(mail, deferred, mail.getState(), lastError, delay, messageKey, Optional.of(new Retry(firstAttempt, attempt)));
        }
    }

    private record Retry(Instant firstAttempt, int attempts) {
    }

    /** A permanent refusal that says the mailbox does not exist; a full mailbox or a policy block is not. */
    private boolean suppressIfHard(RecipientOutcome outcome, Instant now) throws MessagingException {
        if (BounceClassifier.classify(outcome.enhancedStatus(), outcome.smtpCode(), outcome.diagnostic()) != Classification.HARD) {
            return false;
        }
        try {
            suppressionList.suppress(outcome.recipient(), SuppressionList.Reason.HARD_BOUNCE, outcome.diagnostic(), now);
            return true;
        } catch (DataStoreException e) {
            throw new MessagingException("cannot suppress " + outcome.recipient().asString(), e);
        }
    }

    private void forward(Mail mail, Collection<MailAddress> recipients, String state, String lastError, Duration delay, String messageKey,
                         Optional<Retry> retry) throws MessagingException {
        Requeue.copy(getMailetContext(), mail, state, delay, copy -> {
            copy.setRecipients(List.copyOf(recipients));
            copy.setAttribute(new Attribute(LAST_ERROR, AttributeValue.of(lastError)));
            copy.setAttribute(new Attribute(MESSAGE_KEY, AttributeValue.of(messageKey)));
            if (retry.isPresent()) {
                copy.setAttribute(new Attribute(FIRST_ATTEMPT, AttributeValue.of(retry.get().firstAttempt().toEpochMilli())));
                copy.setAttribute(new Attribute(ATTEMPTS, AttributeValue.of(retry.get().attempts())));
            } else {
                // An operator's reprocessing starts a new maxAge window.
                copy.removeAttribute(FIRST_ATTEMPT);
                copy.removeAttribute(ATTEMPTS);
            }
        });
    }
}
