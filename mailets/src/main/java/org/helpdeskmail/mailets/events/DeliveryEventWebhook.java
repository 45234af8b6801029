package org.helpdeskmail.mailets.events;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;

import javax.inject.Inject;
import javax.mail.MessagingException;

import org.apache.mailet.Attribute;
import org.apache.mailet.AttributeName;
import org.apache.mailet.AttributeValue;
import org.apache.mailet.Mail;
import org.apache.mailet.base.GenericMailet;
import org.helpdeskmail.clients.HelpdeskSettings;
import org.helpdeskmail.clients.WebhookClient;
import org.helpdeskmail.mailets.MailetParameters;
import org.helpdeskmail.mailets.Requeue;
import org.helpdeskmail.mailets.RetryPolicy;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * POSTs the delivery events queued by {@link DeliveryEvents} to the events webhook
 * (HELPDESK_EVENTS_URL), signed like the inbound webhook and with the same rules: 2xx done; 429,
 * 5xx, timeouts and refused connections retried from the durable queue with a doubling delay until
 * {@code maxAge}, then {@code failedProcessor}; any other answer {@code rejectedProcessor}.
 *
 * <pre>{@code
 * <mailet match="All" class="org.helpdeskmail.mailets.events.DeliveryEventWebhook">
 *     <connectTimeout>5 seconds</connectTimeout>
 *     <readTimeout>30 seconds</readTimeout>
 *     <initialDelay>1 minute</initialDelay>
 *     <maxDelay>1 hour</maxDelay>
 *     <maxAge>5 days</maxAge>
 *     <failedProcessor>events-failed</failedProcessor>
 *     <rejectedProcessor>events-rejected</rejectedProcessor>
 * </mailet>
 * }</pre>
 */
public class DeliveryEventWebhook extends GenericMailet {
    static final AttributeName FIRST_ATTEMPT = AttributeName.of("helpdesk.event.firstAttempt");
    static final AttributeName ATTEMPTS = AttributeName.of("helpdesk.event.attempts");
    private static final Logger LOGGER = LoggerFactory.getLogger(DeliveryEventWebhook.class);

    private final HelpdeskSettings settings;
    private final Clock clock;
    private RetryPolicy retryPolicy;
    private String failedProcessor;
    private String rejectedProcessor;
    private DeliveryEvents events;

    @Inject
    public DeliveryEventWebhook(HelpdeskSettings settings, Clock clock) {
        this.settings = settings;
        this.clock = clock;
    }

    @Override
    public void init() throws MessagingException {
        MailetParameters parameters = new MailetParameters(this);
        retryPolicy = parameters.retryPolicy("1 minute", "1 hour", "5 days");
        Duration connectTimeout = parameters.duration("connectTimeout", "5 seconds");
        Duration readTimeout = parameters.duration("readTimeout", "30 seconds");
        failedProcessor = parameters.text("failedProcessor", "events-failed");
        rejectedProcessor = parameters.text("rejectedProcessor", "events-rejected");
        events = new DeliveryEvents(settings, clock, getMailetContext(), DeliveryEvents.DEFAULT_PROCESSOR, connectTimeout, readTimeout);
    }

    @Override
    public void destroy() {
        if (events != null) {
            events.close();
        }
    }

    @Override
    public String getMailetInfo() {
        return "Posts delivery events to the events webhook";
    }

    @Override
    public void service(Mail mail) throws MessagingException {
        String json = mail.getAttribute(DeliveryEvents.EVENT_JSON).map(attribute -> attribute.getValue().value().toString())
            .orElse(null);
        if (json == null || !events.webhookConfigured()) {
            // Not an event, or the webhook was switched off since it was queued: an operator decides.
            LOGGER.warn("{} holds no event to post or no events URL is set; kept in {}", mail.getName(), rejectedProcessor);
            forward(mail, rejectedProcessor, Duration.ZERO);
            return;
        }
        String id = mail.getAttribute(DeliveryEvents.EVENT_ID).map(attribute -> attribute.getValue().value().toString()).orElse(mail.getName());
        Instant now = clock.instant();
        WebhookClient.Outcome outcome = events.post(id, json.getBytes(StandardCharsets.UTF_8));
        switch (outcome.verdict()) {
            case DELIVERED -> mail.setState(Mail.GHOST);
            case REJECTED -> {
                LOGGER.warn("events webhook refused event {}: {}", id, outcome.detail());
                forward(mail, rejectedProcessor, Duration.ZERO);
            }
            case RETRY -> retry(mail, id, outcome.detail(), now);
        }
    }

    private void retry(Mail mail, String id, String detail, Instant now) throws MessagingException {
        Instant firstAttempt = mail.getAttribute(FIRST_ATTEMPT).map(attribute -> Instant.ofEpochMilli((Long) attribute.getValue().value()))
            .orElse(now);
        int attempts = mail.getAttribute(ATTEMPTS).map(attribute -> (Integer) attribute.getValue().value()).orElse(0) + 1;
        mail.setAttribute(new Attribute(FIRST_ATTEMPT, AttributeValue.of(firstAttempt.toEpochMilli())));
        mail.setAttribute(new Attribute(ATTEMPTS, AttributeValue.of(attempts)));
        if (retryPolicy.expired(firstAttempt, now)) {
            LOGGER.warn("events webhook gave up on event {} after {} attempts: {}", id, attempts, detail);
            forward(mail, failedProcessor, Duration.ZERO);
            return;
        }
        Duration delay = retryPolicy.delayAfter(attempts);
        LOGGER.info("events webhook: event {} again in {} (attempt {}): {}", id, delay, attempts, detail);
        forward(mail, mail.getState(), delay);
    }

    private void forward(Mail mail, String state, Duration delay) throws MessagingException {
        Requeue.copy(getMailetContext(), mail, state, delay, copy -> { });
        mail.setState(Mail.GHOST);
    }
}
