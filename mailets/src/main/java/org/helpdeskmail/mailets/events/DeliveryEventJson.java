package org.helpdeskmail.mailets.events;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Optional;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;

/** The JSON body of an event (DESIGN.md 4.2), with the id that stays the same when it is POSTed again. */
public final class DeliveryEventJson {
    private final JsonFactory factory = new JsonFactory();

    /**
     * Same event, same id: a retried POST carries the id of the first one, and two deliveries of
     * the same message and recipient (a mail reprocessed by an operator) differ by their time.
     */
    public static String id(DeliveryEvent event) {
        String key = event.type().jsonName() + "\n" + event.messageId().orElse("") + "\n" + event.recipient() + "\n"
            + event.attempt().map(String::valueOf).orElse("") + "\n" + event.at().toEpochMilli();
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8)), 0, 16);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every Java runtime", e);
        }
    }

    public byte[] write(DeliveryEvent event) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(512);
        try (JsonGenerator json = factory.createGenerator(bytes)) {
            json.writeStartObject();
            json.writeStringField("id", id(event));
            json.writeStringField("event", event.type().jsonName());
            text(json, "messageId", event.messageId());
            json.writeStringField("recipient", event.recipient());
            if (event.smtpCode().isPresent()) {
                json.writeNumberField("smtpCode", event.smtpCode().get());
            }
            text(json, "enhancedStatus", event.enhancedStatus());
            text(json, "diagnostic", event.diagnostic());
            text(json, "remoteMx", event.remoteMx());
            text(json, "sourceIp", event.sourceIp());
            if (event.attempt().isPresent()) {
                json.writeNumberField("attempt", event.attempt().get());
            }
            json.writeStringField("at", event.at().toString());
            text(json, "nextAttempt", event.nextAttempt().map(Object::toString));
            text(json, "bounceType", event.bounceType());
            text(json, "feedbackType", event.feedbackType());
            json.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException("writing JSON to memory", e);
        }
        return bytes.toByteArray();
    }

    private static void text(JsonGenerator json, String name, Optional<String> value) throws IOException {
        if (value.isPresent()) {
            json.writeStringField(name, value.get());
        }
    }
}
