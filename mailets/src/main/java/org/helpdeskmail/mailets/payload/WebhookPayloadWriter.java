package org.helpdeskmail.mailets.payload;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.List;
import java.util.Optional;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;

/**
 * Writes the JSON of DESIGN.md 4.1 for one recipient with Jackson's streaming generator: the
 * attachments go from Mime4j's storage to base64 in the output without being held in memory.
 */
public final class WebhookPayloadWriter {
    private final JsonFactory json = new JsonFactory();

    public void write(ParsedMessage message, WebhookPayload payload, OutputStream output) throws IOException {
        try (JsonGenerator generator = json.createGenerator(output, JsonEncoding.UTF8)) {
            generator.writeStartObject();
            generator.writeStringField("id", payload.id());
            generator.writeStringField("receivedAt", payload.receivedAt().toString());
            generator.writeStringField("tenant", payload.recipient().tenant());
            generator.writeStringField("mailbox", payload.recipient().mailbox());
            writeEnvelope(generator, payload.envelope());
            optional(generator, "messageId", message.messageId());
            optional(generator, "inReplyTo", message.inReplyTo());
            strings(generator, "references", message.references());
            optional(generator, "ticket", payload.ticket());
            optional(generator, "date", message.date().map(Object::toString));
            optional(generator, "subject", message.subject());
            if (message.from().isPresent()) {
                generator.writeFieldName("from");
                party(generator, message.from().get());
            }
            parties(generator, "replyTo", message.replyTo());
            parties(generator, "to", message.to());
            parties(generator, "cc", message.cc());
            optional(generator, "text", payload.readable().text());
            optional(generator, "html", message.html());
            optional(generator, "strippedText", payload.readable().strippedText());
            writeAttachments(generator, message.attachments());
            generator.writeArrayFieldStart("headers");
            for (ParsedMessage.Header header : message.headers()) {
                generator.writeStartArray();
                generator.writeString(header.name());
                generator.writeString(header.value());
                generator.writeEndArray();
            }
            generator.writeEndArray();
            if (payload.verdicts().authJson().isPresent()) {
                generator.writeFieldName("auth");
                generator.writeRawValue(payload.verdicts().authJson().get());
            }
            if (payload.verdicts().spamJson().isPresent()) {
                generator.writeFieldName("spam");
                generator.writeRawValue(payload.verdicts().spamJson().get());
            } else if (payload.verdicts().quarantine()) {
                generator.writeObjectFieldStart("spam");
                generator.writeStringField("action", "quarantine");
                generator.writeArrayFieldStart("symbols");
                generator.writeString("DMARC_POLICY_QUARANTINE");
                generator.writeEndArray();
                generator.writeEndObject();
            }
            if (payload.verdicts().virusJson().isPresent()) {
                generator.writeFieldName("virus");
                generator.writeRawValue(payload.verdicts().virusJson().get());
            }
            generator.writeBooleanField("autoReply", payload.autoReply());
            generator.writeEndObject();
        }
    }

    private static void writeEnvelope(JsonGenerator generator, WebhookPayload.Envelope envelope) throws IOException {
        generator.writeObjectFieldStart("envelope");
        optional(generator, "mailFrom", envelope.mailFrom());
        generator.writeStringField("rcptTo", envelope.rcptTo());
        optional(generator, "remoteIp", envelope.remoteIp());
        optional(generator, "helo", envelope.helo());
        if (envelope.tls().isPresent()) {
            generator.writeBooleanField("tls", envelope.tls().get());
        }
        generator.writeEndObject();
    }

    private static void writeAttachments(JsonGenerator generator, List<ParsedMessage.Attachment> attachments) throws IOException {
        generator.writeArrayFieldStart("attachments");
        for (ParsedMessage.Attachment attachment : attachments) {
            generator.writeStartObject();
            optional(generator, "filename", attachment.filename());
            generator.writeStringField("contentType", attachment.contentType());
            optional(generator, "contentId", attachment.contentId());
            generator.writeBooleanField("inline", attachment.inline());
            generator.writeFieldName("content");
            try (CountingInputStream content = new CountingInputStream(attachment.content().open())) {
                generator.writeBinary(content, -1);
                generator.writeNumberField("size", content.count);
            }
            generator.writeEndObject();
        }
        generator.writeEndArray();
    }

    private static void optional(JsonGenerator generator, String name, Optional<String> value) throws IOException {
        if (value.isPresent()) {
            generator.writeStringField(name, value.get());
        }
    }

    private static void strings(JsonGenerator generator, String name, List<String> values) throws IOException {
        generator.writeArrayFieldStart(name);
        for (String value : values) {
            generator.writeString(value);
        }
        generator.writeEndArray();
    }

    private static void parties(JsonGenerator generator, String name, List<ParsedMessage.Party> parties) throws IOException {
        generator.writeArrayFieldStart(name);
        for (ParsedMessage.Party party : parties) {
            party(generator, party);
        }
        generator.writeEndArray();
    }

    private static void party(JsonGenerator generator, ParsedMessage.Party party) throws IOException {
        generator.writeStartObject();
        optional(generator, "name", party.name());
        generator.writeStringField("address", party.address());
        generator.writeEndObject();
    }

    /** Counts what passes, so an attachment's size is known once its base64 is written. */
    private static final class CountingInputStream extends FilterInputStream {
        private long count;

        CountingInputStream(InputStream input) {
            super(input);
        }

        @Override
        public int read() throws IOException {
            int value = super.read();
            if (value >= 0) {
                count++;
            }
            return value;
        }

        @Override
        public int read(byte[] buffer, int offset, int length) throws IOException {
            int read = super.read(buffer, offset, length);
            if (read > 0) {
                count += read;
            }
            return read;
        }
    }
}
