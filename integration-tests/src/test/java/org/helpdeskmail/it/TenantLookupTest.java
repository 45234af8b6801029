package org.helpdeskmail.it;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** With a tenant lookup configured, mail for a tenant the app does not know is refused at RCPT. */
class TenantLookupTest {
    private final WebhookReceiver app = new WebhookReceiver();

    @RegisterExtension
    final HelpdeskServerExtension server = HelpdeskServerExtension.builder()
        .environment("HELPDESK_WEBHOOK_URL", app.url())
        .environment("HELPDESK_TENANT_LOOKUP_URL", app.tenantLookupUrl())
        .build();

    @AfterEach
    void stopApp() {
        app.close();
    }

    @Test
    void unknownTenantIsRefusedAtRcptAndKnownOneAccepted() throws Exception {
        app.knownTenants("acme");
        try (SmtpClient client = SmtpClient.connect(server.ports().mx())) {
            client.ehlo("client.example.org");
            assertThat(client.mailFrom("someone@example.org").code()).isEqualTo(250);

            SmtpClient.Reply unknown = client.rcptTo("support@ghost.helpdesk.localhost");
            assertThat(unknown.code()).as(unknown.toString()).isEqualTo(550);
            assertThat(unknown.enhancedStatus()).isEqualTo("5.1.1");
            assertThat(client.rcptTo("support@acme.helpdesk.localhost").code()).isEqualTo(250);
        }
    }
}
