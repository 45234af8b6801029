package org.helpdeskmail.mailets.events;

import java.nio.charset.StandardCharsets;
import java.util.Properties;

import javax.mail.MessagingException;
import javax.mail.Session;
import javax.mail.internet.MimeMessage;

import org.apache.james.core.MailAddress;
import org.apache.james.server.core.MailImpl;
import org.apache.mailet.Attribute;
import org.apache.mailet.AttributeName;
import org.apache.mailet.AttributeValue;
import org.apache.mailet.MailetContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where delivery results go: always one log line; and, when an events webhook is configured, a
 * small mail carrying the event's JSON, queued to the {@code delivery-events} processor. Through
 * the durable queue the event survives restarts and is retried like any inbound mail
 * ({@link DeliveryEventWebhook}).
 */
public final class DeliveryEvents {
    public static final String DEFAULT_PROCESSOR = "delivery-events";
    static final AttributeName EVENT_JSON = AttributeName.of("helpdesk.event.json");
    static final AttributeName EVENT_ID = AttributeName.of("helpdesk.event.id");
    private static final Logger LOGGER = LoggerFactory.getLogger(DeliveryEvents.class);

    private final boolean webhookConfigured;
    private final MailetContext context;
    private final String processor;
    private final DeliveryEventJson json = new DeliveryEventJson();
    // Session.getInstance reads the JavaMail resources of the class path each time: once is enough.
    private final Session session = Session.getInstance(new Properties());

    public DeliveryEvents(boolean webhookConfigured, MailetContext context, String processor) {
        this.webhookConfigured = webhookConfigured;
        this.context = context;
        this.processor = processor;
    }

    public void publish(DeliveryEvent event) throws MessagingException {
        byte[] body = json.write(event);
        String text = new String(body, StandardCharsets.UTF_8);
        LOGGER.info("delivery event {}", text);
        if (!webhookConfigured) {
            return;
        }
        MimeMessage message = new MimeMessage(session);
        message.setSubject("delivery event " + event.type().jsonName() + " " + event.recipient());
        message.setText(text, "UTF-8");
        message.saveChanges();
        MailAddress postmaster = context.getPostmaster();
        MailImpl mail = MailImpl.builder()
            .name(MailImpl.getId())
            .sender(MailAddress.nullSender())
            .addRecipient(postmaster)
            .mimeMessage(message)
            .addAttribute(new Attribute(EVENT_JSON, AttributeValue.of(text)))
            .addAttribute(new Attribute(EVENT_ID, AttributeValue.of(DeliveryEventJson.id(event))))
            .build();
        try {
            context.sendMail(mail, processor);
        } finally {
            mail.dispose();
        }
    }
}
