package org.helpdeskmail.mailets.events;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicReference;

import javax.mail.MessagingException;
import javax.mail.Session;
import javax.mail.internet.MimeMessage;

import org.apache.james.core.MailAddress;
import org.apache.james.server.core.MailImpl;
import org.apache.mailet.Attribute;
import org.apache.mailet.AttributeName;
import org.apache.mailet.AttributeValue;
import org.apache.mailet.MailetContext;
import org.helpdeskmail.clients.HelpdeskSettings;
import org.helpdeskmail.clients.WebhookClient;
import org.helpdeskmail.clients.WebhookSigner;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where delivery results go: always one log line; and, when an events webhook is configured
 * (HELPDESK_EVENTS_URL), a signed POST right away. An event the app did not take at once (no
 * answer, 5xx, 429, any refusal) becomes a small mail queued to the {@code delivery-events}
 * processor: through the durable queue it survives restarts and is retried like any inbound mail
 * ({@link DeliveryEventWebhook}). Posting first spares the queue a second mail per message in the
 * normal case; the message itself is still in the queue while its event is posted, so a crash
 * loses no event (the delivery is retried and reported again). After a POST that failed, events go
 * straight to the queue for {@value #PAUSE_SECONDS} seconds: an app that hangs must not hold every
 * delivery for a read timeout.
 */
public final class DeliveryEvents implements AutoCloseable {
    public static final String DEFAULT_PROCESSOR = "delivery-events";
    static final AttributeName EVENT_JSON = AttributeName.of("helpdesk.event.json");
    static final AttributeName EVENT_ID = AttributeName.of("helpdesk.event.id");
    static final long PAUSE_SECONDS = 30;
    private static final Logger LOGGER = LoggerFactory.getLogger(DeliveryEvents.class);

    private final Optional<URI> url;
    private final Clock clock;
    private final MailetContext context;
    private final String processor;
    private final DeliveryEventJson json = new DeliveryEventJson();
    // Session.getInstance reads the JavaMail resources of the class path each time: once is enough.
    private final Session session = Session.getInstance(new Properties());
    private final Optional<WebhookSigner> signer;
    private final Optional<WebhookClient> client;
    private final AtomicReference<Instant> directPostsPausedUntil = new AtomicReference<>(Instant.MIN);

    /**
     * @param connectTimeout and {@code readTimeout}: of every POST, immediate or retried
     */
    public DeliveryEvents(HelpdeskSettings settings, Clock clock, MailetContext context, String processor, Duration connectTimeout,
                          Duration readTimeout) throws MessagingException {
        this.url = settings.eventsUrl();
        this.clock = clock;
        this.context = context;
        this.processor = processor;
        if (url.isPresent()) {
            String secret = settings.webhookSecret()
                .orElseThrow(() -> new MessagingException("no webhook secret (helpdesk.properties webhook.secret) to sign delivery events"));
            this.signer = Optional.of(new WebhookSigner(secret));
            this.client = Optional.of(new WebhookClient(connectTimeout, readTimeout));
        } else {
            this.signer = Optional.empty();
            this.client = Optional.empty();
        }
    }

    public DeliveryEvents(HelpdeskSettings settings, Clock clock, MailetContext context, String processor) throws MessagingException {
        this(settings, clock, context, processor, Duration.ofSeconds(2), Duration.ofSeconds(10));
    }

    public void publish(DeliveryEvent event) throws MessagingException {
        byte[] body = json.write(event);
        String text = new String(body, StandardCharsets.UTF_8);
        LOGGER.info("delivery event {}", text);
        if (url.isEmpty()) {
            return;
        }
        String id = DeliveryEventJson.id(event);
        Instant now = clock.instant();
        if (now.isBefore(directPostsPausedUntil.get())) {
            enqueue(event, id, text);
            return;
        }
        WebhookClient.Outcome outcome = post(id, body);
        if (outcome.verdict() == WebhookClient.Verdict.DELIVERED) {
            return;
        }
        directPostsPausedUntil.set(now.plusSeconds(PAUSE_SECONDS));
        LOGGER.info("events webhook did not take event {} ({}): queued for retry; the next {} seconds of events go to the queue",
            id, outcome.detail(), PAUSE_SECONDS);
        enqueue(event, id, text);
    }

    /** POSTs one event, signed; the events URL must be configured. */
    WebhookClient.Outcome post(String id, byte[] body) {
        long timestamp = clock.instant().getEpochSecond();
        return client.orElseThrow().post(new WebhookClient.Delivery(url.orElseThrow(), id, timestamp, signer.orElseThrow().sign(timestamp, body)),
            body);
    }

    boolean webhookConfigured() {
        return url.isPresent();
    }

    private void enqueue(DeliveryEvent event, String id, String text) throws MessagingException {
        MimeMessage message = new MimeMessage(session);
        message.setSubject("delivery event " + event.type().jsonName() + " " + event.recipient());
        message.setText(text, "UTF-8");
        message.saveChanges();
        MailImpl mail = MailImpl.builder()
            .name(MailImpl.getId())
            .sender(MailAddress.nullSender())
            .addRecipient(context.getPostmaster())
            .mimeMessage(message)
            .addAttribute(new Attribute(EVENT_JSON, AttributeValue.of(text)))
            .addAttribute(new Attribute(EVENT_ID, AttributeValue.of(id)))
            .build();
        try {
            context.sendMail(mail, processor);
        } finally {
            mail.dispose();
        }
    }

    @Override
    public void close() {
        client.ifPresent(WebhookClient::close);
    }
}
