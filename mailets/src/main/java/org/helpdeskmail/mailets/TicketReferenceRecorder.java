package org.helpdeskmail.mailets;

import java.io.UnsupportedEncodingException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;

import javax.inject.Inject;
import javax.mail.MessagingException;
import javax.mail.internet.MimeMessage;
import javax.mail.internet.MimeUtility;

import org.apache.james.core.Domain;
import org.apache.mailet.Mail;
import org.apache.mailet.base.GenericMailet;
import org.helpdeskmail.clients.DataStoreException;
import org.helpdeskmail.clients.TicketThreads;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Remembers which helpdesk ticket an outbound message belongs to: when the app's message carries
 * the ticket reference in {@code header}, its Message-ID is stored with that reference, so that
 * WebhookDelivery can name the ticket of a customer's reply (through In-Reply-To or References)
 * even when the subject or the sender changed. A message without a Message-ID gets one first,
 * {@code <random@messageIdDomain>} (RFC 5322 3.6.4; by default the postmaster's domain, one the
 * operator controls). The header itself stays: RemoveMimeHeaderByPrefix takes the app's headers
 * out after this mailet.
 *
 * <p>Threading is worth less than the notification: when the store fails, the message goes on
 * and the failure is logged. What was remembered more than {@code forgetAfter} ago is forgotten
 * at start and then once a day, by whichever message finds it due.
 *
 * <pre>{@code
 * <mailet match="All" class="org.helpdeskmail.mailets.TicketReferenceRecorder">
 *     <header>X-Helpdesk-Ticket</header>
 *     <forgetAfter>180 days</forgetAfter>
 *     <!-- optional; default the postmaster's domain -->
 *     <messageIdDomain>helpdesk.example.com</messageIdDomain>
 * </mailet>
 * }</pre>
 */
public class TicketReferenceRecorder extends GenericMailet {
    static final Duration FORGET_INTERVAL = Duration.ofDays(1);
    private static final Logger LOGGER = LoggerFactory.getLogger(TicketReferenceRecorder.class);
    private static final char FIRST_FIELD_NAME_CHARACTER = 33;
    private static final char LAST_FIELD_NAME_CHARACTER = 126;

    /**
     * The mailet's parameters, read and checked once.
     *
     * @param messageIdDomain empty: the postmaster's domain, which James sets only after the mailets' init()
     */
    record Parameters(String header, Duration forgetAfter, Optional<Domain> messageIdDomain) {
    }

    private final TicketThreads threads;
    private final Clock clock;
    private final AtomicLong nextForgetMillis = new AtomicLong(Long.MIN_VALUE);
    private Parameters parameters;

    @Inject
    public TicketReferenceRecorder(TicketThreads threads, Clock clock) {
        this.threads = threads;
        this.clock = clock;
    }

    @Override
    public void init() throws MessagingException {
        MailetParameters values = new MailetParameters(this);
        parameters = new Parameters(header(values), values.duration("forgetAfter", "180 days"), messageIdDomain(values));
        forgetIfDue(clock.instant());
    }

    private static String header(MailetParameters values) throws MessagingException {
        String header = values.text("header", "X-Helpdesk-Ticket");
        boolean fieldName = !header.isEmpty() && header.chars()
            .allMatch(character -> character >= FIRST_FIELD_NAME_CHARACTER && character <= LAST_FIELD_NAME_CHARACTER && character != ':');
        if (!fieldName) {
            throw values.bad("header", header, "a header field name (RFC 5322 2.2)");
        }
        return header;
    }

    private static Optional<Domain> messageIdDomain(MailetParameters values) throws MessagingException {
        String configured = values.text("messageIdDomain", "");
        if (configured.isEmpty()) {
            return Optional.empty();
        }
        try {
            return Optional.of(Domain.of(configured));
        } catch (IllegalArgumentException e) {
            throw values.bad("messageIdDomain", configured, "a domain");
        }
    }

    @Override
    public String getMailetInfo() {
        return "Remembers the Message-ID of the app's messages that name a ticket";
    }

    @Override
    public void service(Mail mail) throws MessagingException {
        Instant now = clock.instant();
        MimeMessage message = mail.getMessage();
        Optional<String> ticket = ticket(message);
        if (ticket.isPresent()) {
            String messageId = ensureMessageId(message);
            try {
                threads.remember(messageId, ticket.get(), now);
                LOGGER.debug("Ticket threads: {} belongs to ticket {}", messageId, ticket.get());
            } catch (DataStoreException | IllegalArgumentException e) {
                LOGGER.warn("Ticket threads: {} of {} not remembered for ticket {}, replies to it will not name the ticket: {}",
                    messageId, mail.getName(), ticket.get(), e.getMessage(), e);
            }
        }
        forgetIfDue(now);
    }

    private Optional<String> ticket(MimeMessage message) throws MessagingException {
        String raw = message.getHeader(parameters.header(), null);
        if (raw == null) {
            return Optional.empty();
        }
        String unfolded = MimeUtility.unfold(raw);
        try {
            unfolded = MimeUtility.decodeText(unfolded);
        } catch (UnsupportedEncodingException e) {
            // An encoded word in an unknown charset: the reference as written.
        }
        return Optional.of(unfolded.strip()).filter(reference -> !reference.isEmpty());
    }

    /** The message's Message-ID; one is added (and the message saved) when it has none. */
    private String ensureMessageId(MimeMessage message) throws MessagingException {
        Optional<String> existing = Optional.ofNullable(message.getMessageID()).map(TicketThreads::normalise).filter(id -> !id.isEmpty());
        if (existing.isPresent()) {
            return existing.get();
        }
        Domain domain = parameters.messageIdDomain().orElseGet(() -> getMailetContext().getPostmaster().getDomain());
        message.setHeader("Message-ID", "<" + UUID.randomUUID() + "@" + domain.asString() + ">");
        message.saveChanges();
        // Read back: what the message carries is what replies will name.
        return TicketThreads.normalise(message.getMessageID());
    }

    /** Forgets old Message-IDs at most once per {@link #FORGET_INTERVAL}, on whichever message finds it due. */
    private void forgetIfDue(Instant now) {
        long due = nextForgetMillis.get();
        if (now.toEpochMilli() < due || !nextForgetMillis.compareAndSet(due, now.plus(FORGET_INTERVAL).toEpochMilli())) {
            return;
        }
        try {
            int forgotten = threads.forgetBefore(now.minus(parameters.forgetAfter()));
            LOGGER.info("Ticket threads: forgot {} Message-IDs remembered before {}", forgotten, now.minus(parameters.forgetAfter()));
        } catch (DataStoreException | RuntimeException e) {
            LOGGER.warn("Ticket threads: forgetting old Message-IDs failed, will try again in {}", FORGET_INTERVAL, e);
        }
    }
}
