package org.helpdeskmail.mailets;

import java.io.IOException;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

import javax.inject.Inject;
import javax.mail.MessagingException;
import javax.mail.internet.AddressException;

import org.apache.james.core.MailAddress;
import org.apache.james.metrics.api.MetricFactory;
import org.apache.james.server.core.MimeMessageInputStream;
import org.apache.mailet.Mail;
import org.apache.mailet.base.GenericMailet;
import org.helpdeskmail.clients.DataStoreException;
import org.helpdeskmail.clients.HelpdeskSettings;
import org.helpdeskmail.clients.SuppressionList;
import org.helpdeskmail.clients.bounce.BounceParser;
import org.helpdeskmail.clients.bounce.BounceReport;
import org.helpdeskmail.clients.bounce.BouncedRecipient;
import org.helpdeskmail.clients.outbound.ReturnPaths;
import org.helpdeskmail.mailets.events.DeliveryEvent;
import org.helpdeskmail.mailets.events.DeliveryEvents;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns the bounces and complaints that come back to our VERP return paths into delivery events:
 * the return path says which message and recipient a report is about (its token is signed, so a
 * forged one is ignored), the report (RFC 3464 DSN, the usual non-standard bounces, RFC 5965
 * complaint) says what happened. A hard bounce or a complaint suppresses the address; a soft
 * bounce is reported as {@code bounced} with {@code bounceType: soft}; a delay notice as
 * {@code deferred}. Reports for no traceable return path go to {@code unmatchedProcessor}, messages
 * that are no report at all (an auto-reply sent to the return path) to {@code unparsedProcessor}.
 *
 * <pre>{@code
 * <mailet match="All" class="org.helpdeskmail.mailets.BounceEvents">
 *     <unmatchedProcessor>bounce-unmatched</unmatchedProcessor>
 *     <unparsedProcessor>bounce-unparsed</unparsedProcessor>
 *     <eventsProcessor>delivery-events</eventsProcessor>
 * </mailet>
 * }</pre>
 */
public class BounceEvents extends GenericMailet {
    private static final Logger LOGGER = LoggerFactory.getLogger(BounceEvents.class);

    private final HelpdeskSettings settings;
    private final ReturnPaths returnPaths;
    private final SuppressionList suppressionList;
    private final MetricFactory metricFactory;
    private final Clock clock;
    private final BounceParser parser = new BounceParser();
    private String unmatchedProcessor;
    private String unparsedProcessor;
    private DeliveryEvents events;

    @Inject
    public BounceEvents(HelpdeskSettings settings, ReturnPaths returnPaths, SuppressionList suppressionList, MetricFactory metricFactory,
                        Clock clock) {
        this.settings = settings;
        this.returnPaths = returnPaths;
        this.suppressionList = suppressionList;
        this.metricFactory = metricFactory;
        this.clock = clock;
    }

    @Override
    public void init() throws MessagingException {
        MailetParameters parameters = new MailetParameters(this);
        unmatchedProcessor = parameters.text("unmatchedProcessor", "bounce-unmatched");
        unparsedProcessor = parameters.text("unparsedProcessor", "bounce-unparsed");
        events = new DeliveryEvents(settings, clock, getMailetContext(), parameters.text("eventsProcessor", DeliveryEvents.DEFAULT_PROCESSOR));
    }

    @Override
    public void destroy() {
        if (events != null) {
            events.close();
        }
    }

    @Override
    public String getMailetInfo() {
        return "Turns bounces and complaints sent to our return paths into delivery events";
    }

    @Override
    public void service(Mail mail) throws MessagingException {
        Optional<BounceReport> report;
        try {
            report = parser.parse(new MimeMessageInputStream(mail.getMessage()));
        } catch (IOException e) {
            throw new MessagingException("cannot read " + mail.getName(), e);
        }
        List<ReturnPaths.Traced> traced = trace(mail, report);
        if (traced.isEmpty()) {
            LOGGER.warn("{} from {} came to {}: no return path of ours (forged, mistyped or older than bounce.keep); kept in {}",
                mail.getName(), mail.getMaybeSender().asString(), mail.getRecipients(), unmatchedProcessor);
            metricFactory.generate("helpdesk_bounce_unmatched").increment();
            forward(mail, unmatchedProcessor);
            return;
        }
        if (report.isEmpty()) {
            LOGGER.info("{} to a return path is neither a bounce nor a complaint; kept in {}", mail.getName(), unparsedProcessor);
            metricFactory.generate("helpdesk_bounce_unparsed").increment();
            forward(mail, unparsedProcessor);
            return;
        }
        Instant now = clock.instant();
        for (ReturnPaths.Traced delivery : traced) {
            report(report.get(), delivery, now);
        }
        mail.setState(Mail.GHOST);
    }

    /** The return paths the report came to; for a complaint sent elsewhere, the return path of the reported message. */
    private List<ReturnPaths.Traced> trace(Mail mail, Optional<BounceReport> report) throws MessagingException {
        List<ReturnPaths.Traced> traced = new ArrayList<>();
        try {
            for (MailAddress recipient : mail.getRecipients()) {
                returnPaths.trace(recipient).ifPresent(traced::add);
            }
            if (traced.isEmpty() && report.flatMap(BounceReport::originalEnvelopeSender).isPresent()) {
                returnPaths.trace(new MailAddress(report.get().originalEnvelopeSender().get())).ifPresent(traced::add);
            }
        } catch (SQLException e) {
            throw new MessagingException("cannot read the return paths", e);
        } catch (AddressException notAnAddress) {
            // the reported envelope sender is no address: nothing more to trace
        }
        return traced;
    }

    private void report(BounceReport report, ReturnPaths.Traced delivery, Instant now) throws MessagingException {
        Optional<BouncedRecipient> entry = entryFor(report, delivery.recipient());
        String recipient = delivery.recipient().asString();
        Optional<String> messageId = delivery.messageId().or(report::originalMessageId);
        if (entry.isEmpty()) {
            if (report.kind() == BounceReport.Kind.COMPLAINT) {
                complained(report, messageId, delivery.recipient(), Optional.empty(), now);
            } else {
                LOGGER.info("{} report for {} names no failed recipient; nothing to report", report.format(), recipient);
            }
            return;
        }
        BouncedRecipient failure = entry.get();
        switch (failure.classification()) {
            case HARD -> {
                suppress(delivery.recipient(), SuppressionList.Reason.HARD_BOUNCE, failure.diagnostic(), now);
                publish(DeliveryEvent.Type.BOUNCED, report, messageId, recipient, failure, now, Optional.of("hard"));
            }
            case SOFT -> publish(DeliveryEvent.Type.BOUNCED, report, messageId, recipient, failure, now, Optional.of("soft"));
            case COMPLAINT -> complained(report, messageId, delivery.recipient(), Optional.of(failure), now);
            case DELAYED -> publish(DeliveryEvent.Type.DEFERRED, report, messageId, recipient, failure, now, Optional.empty());
            case DELIVERED -> LOGGER.info("{} report: {} delivered", report.format(), recipient);
        }
    }

    /**
     * The report's entry for the recipient the return path names; or its only failure, since what
     * a remote system calls the recipient (after forwarding, in a text bounce) may differ.
     */
    private static Optional<BouncedRecipient> entryFor(BounceReport report, MailAddress recipient) {
        Optional<BouncedRecipient> exact = report.recipients().stream()
            .filter(entry -> entry.address().equalsIgnoreCase(recipient.asString()))
            .findFirst();
        if (exact.isPresent()) {
            return exact;
        }
        return report.failures().size() == 1 ? Optional.of(report.failures().get(0)) : Optional.empty();
    }

    private void complained(BounceReport report, Optional<String> messageId, MailAddress recipient, Optional<BouncedRecipient> entry,
                            Instant now) throws MessagingException {
        Optional<String> feedbackType = entry.flatMap(BouncedRecipient::feedbackType);
        suppress(recipient, SuppressionList.Reason.COMPLAINT, "complaint" + feedbackType.map(type -> " (" + type + ")").orElse(""), now);
        metricFactory.generate("helpdesk_bounce_complained").increment();
        events.publish(DeliveryEvent.report(DeliveryEvent.Type.COMPLAINED, messageId, recipient.asString(), Optional.empty(), Optional.empty(),
            entry.map(BouncedRecipient::diagnostic).filter(text -> !text.isEmpty()), entry.flatMap(BouncedRecipient::remoteMta), now,
            Optional.empty(), feedbackType.or(() -> Optional.of("abuse"))));
    }

    private void publish(DeliveryEvent.Type type, BounceReport report, Optional<String> messageId, String recipient, BouncedRecipient failure,
                         Instant now, Optional<String> bounceType) throws MessagingException {
        metricFactory.generate("helpdesk_bounce_" + type.jsonName()).increment();
        LOGGER.info("{} report ({}) for {}: {} {}", report.format(), report.kind().name().toLowerCase(Locale.ROOT), recipient,
            failure.classification().name().toLowerCase(Locale.ROOT), failure.diagnostic());
        events.publish(DeliveryEvent.report(type, messageId, recipient, failure.smtpCode(), failure.enhancedStatus(),
            Optional.of(failure.diagnostic()).filter(text -> !text.isEmpty()), failure.remoteMta(), now, bounceType, Optional.empty()));
    }

    private void suppress(MailAddress recipient, SuppressionList.Reason reason, String detail, Instant now) throws MessagingException {
        try {
            suppressionList.suppress(recipient, reason, detail, now);
        } catch (DataStoreException e) {
            throw new MessagingException("cannot suppress " + recipient.asString(), e);
        }
    }

    private void forward(Mail mail, String processor) throws MessagingException {
        Requeue.copy(getMailetContext(), mail, processor, Duration.ZERO, copy -> { });
        mail.setState(Mail.GHOST);
    }
}
