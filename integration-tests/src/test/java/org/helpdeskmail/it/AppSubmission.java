package org.helpdeskmail.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.UUID;

/** The helpdesk app submitting notifications: STARTTLS, AUTH PLAIN, one message; its user is created on first use. */
final class AppSubmission {
    static final String APP = "app@helpdesk.localhost";
    private static final String PASSWORD = "s3cret-Passw0rd";

    private final HelpdeskServerExtension server;
    private boolean userCreated;

    AppSubmission(HelpdeskServerExtension server) {
        this.server = server;
    }

    /** Submits a message with {@code extraHeaders} (each ending in CRLF); returns its Message-ID. */
    String submit(List<String> recipients, String extraHeaders) throws Exception {
        if (!userCreated) {
            HelpdeskServerExtension.CommandResult added = server.jamesCli("AddUser", APP, PASSWORD);
            assertThat(added.exitCode()).as(added.output()).isZero();
            userCreated = true;
        }
        String messageId = "<" + UUID.randomUUID() + "@helpdesk.localhost>";
        try (SmtpClient client = SmtpClient.connect(server.ports().submission())) {
            client.ehlo("app.helpdesk.localhost");
            assertThat(client.startTls().code()).isEqualTo(220);
            client.ehlo("app.helpdesk.localhost");
            assertThat(client.authPlain(APP, PASSWORD).code()).isEqualTo(235);
            assertThat(client.mailFrom(APP).code()).isEqualTo(250);
            for (String recipient : recipients) {
                assertThat(client.rcptTo(recipient).code()).isEqualTo(250);
            }
            SmtpClient.Reply accepted = client.data("From: Support <" + APP + ">\r\nTo: " + String.join(", ", recipients) + "\r\n"
                + "Subject: Your ticket\r\nMessage-ID: " + messageId + "\r\n" + extraHeaders + "\r\nIt was updated.\r\n");
            assertThat(accepted.code()).as(accepted.toString()).isEqualTo(250);
        }
        return messageId;
    }

    String submit(List<String> recipients) throws Exception {
        return submit(recipients, "");
    }
}
