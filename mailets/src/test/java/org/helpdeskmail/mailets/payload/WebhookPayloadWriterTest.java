package org.helpdeskmail.mailets.payload;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Optional;

import org.helpdeskmail.clients.HelpdeskDomains.TenantMailbox;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/** The JSON of DESIGN.md 4.1 as the writer produces it; the integration tests read it from a real receiver too. */
class WebhookPayloadWriterTest {
    private static final String REPLY = "From: Other Person <other@example.com>\r\n"
        + "To: support@acme.helpdesk.example\r\n"
        + "Subject: something else entirely\r\n"
        + "Message-ID: <reply@example.com>\r\n"
        + "In-Reply-To: <notification@notify.example>\r\n"
        + "\r\n"
        + "Thanks.\r\n";

    private final InboundMessageParser parser = new InboundMessageParser();
    private final WebhookPayloadWriter writer = new WebhookPayloadWriter();

    private JsonNode write(Optional<String> ticket) throws Exception {
        WebhookPayload payload = new WebhookPayload("id-1", Instant.parse("2024-05-01T10:00:00Z"),
            new TenantMailbox("acme", "helpdesk.example", "support"),
            new WebhookPayload.Envelope(Optional.of("other@example.com"), "support@acme.helpdesk.example", Optional.empty(),
                Optional.empty(), Optional.empty()),
            new WebhookPayload.Readable(Optional.of("Thanks."), Optional.of("Thanks.")), false,
            new WebhookPayload.Verdicts(Optional.empty(), false, Optional.empty(), Optional.empty()), ticket);
        ByteArrayOutputStream output = new ByteArrayOutputStream();
        try (InboundMessageParser.Parsed parsed = parser.parse(new ByteArrayInputStream(REPLY.getBytes(StandardCharsets.US_ASCII)))) {
            writer.write(parsed.message(), payload, output);
        }
        return new ObjectMapper().readTree(output.toByteArray());
    }

    @Test
    void ticketOfTheRepliedMessageIsInThePayload() throws Exception {
        JsonNode json = write(Optional.of("T-1234"));

        assertThat(json.get("ticket").asText()).isEqualTo("T-1234");
        assertThat(json.get("inReplyTo").asText()).isEqualTo("<notification@notify.example>");
    }

    @Test
    void unknownTicketIsAbsentNotInvented() throws Exception {
        JsonNode json = write(Optional.empty());

        assertThat(json.has("ticket")).isFalse();
        assertThat(json.get("id").asText()).isEqualTo("id-1");
    }
}
