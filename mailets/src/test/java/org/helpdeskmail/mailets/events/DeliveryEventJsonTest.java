package org.helpdeskmail.mailets.events;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import org.helpdeskmail.mailets.events.DeliveryEvent.Attempt;
import org.helpdeskmail.mailets.events.DeliveryEvent.Type;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/** The events webhook body of DESIGN.md 4.2, read back with Jackson as the app would. */
class DeliveryEventJsonTest {
    private static final Instant AT = Instant.parse("2024-05-01T10:00:00.250Z");
    private static final Attempt ANSWERED = new Attempt(2, Optional.of(250), Optional.of("2.0.0"), Optional.of("250 2.0.0 queued as 42"),
        Optional.of("mx1.customer.example [192.0.2.25]"), Optional.of("127.0.0.2"));

    private final DeliveryEventJson json = new DeliveryEventJson();
    private final ObjectMapper mapper = new ObjectMapper();

    @Test
    void aDeliveredEventHasEveryFieldOfTheContract() throws Exception {
        DeliveryEvent event = DeliveryEvent.attempt(Type.DELIVERED, Optional.of("<n1@helpdesk.example>"), "jane@customer.example", ANSWERED, AT);

        JsonNode body = read(event);

        assertThat(fieldNames(body)).containsExactly("id", "event", "messageId", "recipient", "smtpCode", "enhancedStatus", "diagnostic",
            "remoteMx", "sourceIp", "attempt", "at");
        assertThat(body.get("id").asText()).isEqualTo(DeliveryEventJson.id(event));
        assertThat(body.get("event").asText()).isEqualTo("delivered");
        assertThat(body.get("messageId").asText()).isEqualTo("<n1@helpdesk.example>");
        assertThat(body.get("recipient").asText()).isEqualTo("jane@customer.example");
        assertThat(body.get("smtpCode").isInt()).isTrue();
        assertThat(body.get("smtpCode").asInt()).isEqualTo(250);
        assertThat(body.get("enhancedStatus").asText()).isEqualTo("2.0.0");
        assertThat(body.get("diagnostic").asText()).isEqualTo("250 2.0.0 queued as 42");
        assertThat(body.get("remoteMx").asText()).isEqualTo("mx1.customer.example [192.0.2.25]");
        assertThat(body.get("sourceIp").asText()).isEqualTo("127.0.0.2");
        assertThat(body.get("attempt").isInt()).isTrue();
        assertThat(body.get("attempt").asInt()).isEqualTo(2);
        assertThat(Instant.parse(body.get("at").asText())).isEqualTo(AT);
    }

    @Test
    void aDeferredEventSaysWhenTheNextAttemptIs() throws Exception {
        Attempt greylisted = new Attempt(1, Optional.of(451), Optional.of("4.7.1"), Optional.of("451 4.7.1 greylisted"),
            Optional.of("mx1.customer.example [192.0.2.25]"), Optional.of("127.0.0.2"));
        Instant next = AT.plusSeconds(300);

        JsonNode body = read(DeliveryEvent.attempt(Type.DEFERRED, Optional.of("<n1@helpdesk.example>"), "jane@customer.example", greylisted, AT)
            .withNextAttempt(next));

        assertThat(body.get("event").asText()).isEqualTo("deferred");
        assertThat(body.get("smtpCode").asInt()).isEqualTo(451);
        assertThat(Instant.parse(body.get("nextAttempt").asText())).isEqualTo(next);
        assertThat(body.has("bounceType")).isFalse();
    }

    @Test
    void anAttemptThatGotNoReplyLeavesTheReplyFieldsOut() throws Exception {
        Attempt unreachable = new Attempt(3, Optional.empty(), Optional.of("4.4.1"), Optional.of("cannot connect"), Optional.empty(),
            Optional.empty());

        JsonNode body = read(DeliveryEvent.attempt(Type.BOUNCED, Optional.empty(), "jane@customer.example", unreachable, AT)
            .withBounceType("soft"));

        assertThat(fieldNames(body)).containsExactly("id", "event", "recipient", "enhancedStatus", "diagnostic", "attempt", "at", "bounceType");
        assertThat(body.get("bounceType").asText()).isEqualTo("soft");
    }

    @Test
    void anAsynchronousBounceAndAComplaintCarryWhatTheReportSaid() throws Exception {
        DeliveryEvent bounce = DeliveryEvent.report(Type.BOUNCED, Optional.of("<n1@helpdesk.example>"), "jane@customer.example",
            Optional.of(550), Optional.of("5.1.1"), Optional.of("smtp; 550 5.1.1 user unknown"), Optional.of("mx1.customer.example"), AT,
            Optional.of("hard"), Optional.empty());
        DeliveryEvent complaint = DeliveryEvent.report(Type.COMPLAINED, Optional.of("<n1@helpdesk.example>"), "jane@customer.example",
            Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(), AT, Optional.empty(), Optional.of("abuse"));

        JsonNode bounced = read(bounce);
        JsonNode complained = read(complaint);

        assertThat(fieldNames(bounced)).containsExactly("id", "event", "messageId", "recipient", "smtpCode", "enhancedStatus", "diagnostic",
            "remoteMx", "at", "bounceType");
        assertThat(bounced.get("bounceType").asText()).isEqualTo("hard");
        assertThat(fieldNames(complained)).containsExactly("id", "event", "messageId", "recipient", "at", "feedbackType");
        assertThat(complained.get("event").asText()).isEqualTo("complained");
        assertThat(complained.get("feedbackType").asText()).isEqualTo("abuse");
    }

    @Test
    void aSuppressedEventSaysWhy() throws Exception {
        JsonNode body = read(DeliveryEvent.suppressed(Optional.of("<n1@helpdesk.example>"), "jane@customer.example", "hard bounce", AT));

        assertThat(fieldNames(body)).containsExactly("id", "event", "messageId", "recipient", "diagnostic", "at");
        assertThat(body.get("event").asText()).isEqualTo("suppressed");
        assertThat(body.get("diagnostic").asText()).isEqualTo("hard bounce");
    }

    @Test
    void textIsEscapedAsJson() throws Exception {
        String diagnostic = "550 5.7.1 \"quoted\" \\ back-slash, tab\t, new\nline, Zoë 日本 \u0001";
        Attempt odd = new Attempt(1, Optional.of(550), Optional.of("5.7.1"), Optional.of(diagnostic), Optional.empty(), Optional.empty());

        JsonNode body = read(DeliveryEvent.attempt(Type.BOUNCED, Optional.of("<\"odd\"@helpdesk.example>"), "jané@customer.example", odd, AT));

        assertThat(body.get("diagnostic").asText()).isEqualTo(diagnostic);
        assertThat(body.get("messageId").asText()).isEqualTo("<\"odd\"@helpdesk.example>");
        assertThat(body.get("recipient").asText()).isEqualTo("jané@customer.example");
    }

    @Test
    void theIdIsTheSameForTheSameEventAndDiffersOtherwise() {
        DeliveryEvent event = DeliveryEvent.attempt(Type.DELIVERED, Optional.of("<n1@helpdesk.example>"), "jane@customer.example", ANSWERED, AT);
        DeliveryEvent same = DeliveryEvent.attempt(Type.DELIVERED, Optional.of("<n1@helpdesk.example>"), "jane@customer.example", ANSWERED, AT);
        Attempt third = new Attempt(3, ANSWERED.smtpCode(), ANSWERED.enhancedStatus(), ANSWERED.diagnostic(), ANSWERED.remoteMx(),
            ANSWERED.sourceIp());

        String id = DeliveryEventJson.id(event);

        assertThat(id).matches("[0-9a-f]{32}");
        assertThat(DeliveryEventJson.id(same)).isEqualTo(id);
        assertThat(DeliveryEventJson.id(event.withNextAttempt(AT.plusSeconds(60)))).as("not part of the identity").isEqualTo(id);
        assertThat(List.of(
            DeliveryEvent.attempt(Type.BOUNCED, Optional.of("<n1@helpdesk.example>"), "jane@customer.example", ANSWERED, AT),
            DeliveryEvent.attempt(Type.DELIVERED, Optional.of("<n2@helpdesk.example>"), "jane@customer.example", ANSWERED, AT),
            DeliveryEvent.attempt(Type.DELIVERED, Optional.empty(), "jane@customer.example", ANSWERED, AT),
            DeliveryEvent.attempt(Type.DELIVERED, Optional.of("<n1@helpdesk.example>"), "john@customer.example", ANSWERED, AT),
            DeliveryEvent.attempt(Type.DELIVERED, Optional.of("<n1@helpdesk.example>"), "jane@customer.example", third, AT),
            DeliveryEvent.attempt(Type.DELIVERED, Optional.of("<n1@helpdesk.example>"), "jane@customer.example", ANSWERED, AT.plusMillis(1))))
            .extracting(DeliveryEventJson::id)
            .doesNotContain(id)
            .doesNotHaveDuplicates();
    }

    private JsonNode read(DeliveryEvent event) throws Exception {
        return mapper.readTree(json.write(event));
    }

    private static List<String> fieldNames(JsonNode body) {
        List<String> names = new ArrayList<>();
        body.fieldNames().forEachRemaining(names::add);
        return names;
    }
}
