package org.helpdeskmail.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** After maxAge of failures the mail waits in webhook-failed, and an operator can send it again. */
class WebhookGiveUpTest {
    private final WebhookReceiver receiver = new WebhookReceiver();

    @RegisterExtension
    final HelpdeskServerExtension server = HelpdeskServerExtension.builder()
        .environment("HELPDESK_WEBHOOK_URL", receiver.url())
        .environment("HELPDESK_WEBHOOK_SECRET", WebhookDeliveryTest.SECRET)
        .configure(conf -> ConfigurationFiles.fastWebhookRetries(conf, "4 seconds"))
        .build();

    @AfterEach
    void stopReceiver() {
        receiver.close();
    }

    @Test
    void expiredMailGoesToWebhookFailedAndIsDeliveredWhenReprocessed() throws Exception {
        receiver.answer(json -> 500);
        WebhookDeliveryTest.send(server.ports().mx(), "someone@example.org", List.of("support@acme.helpdesk.localhost"),
            "Subject: urgent\r\n\r\nPlease call me.\r\n");

        String repository = "/mailRepositories/var%2Fmail%2Fwebhook-failed";
        await().atMost(Duration.ofSeconds(40)).until(() -> server.webadmin(repository + "/mails").size() == 1);
        int attempts = receiver.requests().size();
        assertThat(attempts).as("retried until maxAge").isGreaterThanOrEqualTo(2);
        Thread.sleep(3000);
        assertThat(receiver.requests()).as("no more attempts once given up").hasSize(attempts);

        receiver.answer(json -> 200);
        assertThat(server.request("PATCH", repository + "/mails?action=reprocess&processor=inbound", null).statusCode()).isEqualTo(201);

        await().atMost(Duration.ofSeconds(30)).until(() -> receiver.requests().stream().anyMatch(request -> request.answeredStatus() == 200));
        assertThat(receiver.requests().get(attempts).json().get("strippedText").asText()).isEqualTo("Please call me.");
        await().atMost(Duration.ofSeconds(10)).until(() -> server.webadmin(repository + "/mails").size() == 0);
    }
}
