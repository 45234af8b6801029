package org.helpdeskmail.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * A recipient whose MX never answers: deferred on every attempt, then, once the first attempt is
 * maxAge old, bounced with 4.4.7 (delivery time expired) and the mail kept for an operator.
 */
class DeliveryExpiryTest {
    private final WebhookReceiver events = new WebhookReceiver();

    @RegisterExtension
    final HelpdeskServerExtension server = HelpdeskServerExtension.builder()
        .environment("HELPDESK_EVENTS_URL", events.url())
        .configure(conf -> {
            // Nothing listens there: every attempt is refused.
            ConfigurationFiles.remoteSmtpPort(conf, HelpdeskServerExtension.freePort());
            ConfigurationFiles.fastDeliveryRetries(conf, "5 seconds");
        })
        .build();
    private final AppSubmission app = new AppSubmission(server);

    @AfterEach
    void stopReceiver() {
        events.close();
    }

    @Test
    void aRecipientStillDeferredAfterMaxAgeBouncesWithDeliveryTimeExpired() throws Exception {
        server.dns().addZone("down.test.", "down.test. IN MX 10 mx.down.test.\nmx.down.test. IN A 127.0.0.7");
        String messageId = app.submit(List.of("judy@down.test"));

        JsonNode firstDeferral = events.awaitEvents("deferred", 1).get(0);
        assertThat(firstDeferral.get("enhancedStatus").asText()).isEqualTo("4.4.1");
        assertThat(firstDeferral.get("diagnostic").asText()).contains("cannot connect to mx.down.test [127.0.0.7]");
        await().atMost(Duration.ofSeconds(60)).until(() -> !events.events("bounced").isEmpty());
        JsonNode bounced = events.events("bounced").get(0);
        assertThat(bounced.get("recipient").asText()).isEqualTo("judy@down.test");
        assertThat(bounced.get("messageId").asText()).isEqualTo(messageId);
        assertThat(bounced.get("enhancedStatus").asText()).isEqualTo("4.4.7");
        assertThat(bounced.get("bounceType").asText()).isEqualTo("soft");
        assertThat(bounced.get("attempt").asInt()).isGreaterThan(firstDeferral.get("attempt").asInt());
        assertThat(events.events("deferred")).allSatisfy(event -> assertThat(event.has("nextAttempt")).isTrue());
        // A soft bounce does not suppress the address; the mail waits for an operator in var/mail/bounced.
        assertThat(server.request("GET", "/suppressions/judy@down.test", null).statusCode()).isEqualTo(404);
        String bouncedMails = "/mailRepositories/" + URLEncoder.encode("var/mail/bounced", StandardCharsets.UTF_8) + "/mails";
        await().atMost(Duration.ofSeconds(60)).ignoreExceptions().until(() -> server.webadmin(bouncedMails).size() == 1);
    }
}
