package org.helpdeskmail.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.time.Duration;
import java.util.UUID;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * "250 means on disk": mail acknowledged while the recipient's MX is down survives a SIGKILL of the
 * server and is delivered after the restart; domains and users survive too.
 */
class DurabilityTest {
    private final int sinkPort = HelpdeskServerExtension.freePort();

    @RegisterExtension
    final HelpdeskServerExtension server = HelpdeskServerExtension.builder()
        .configure(conf -> ConfigurationFiles.relayOutboundTo(conf, sinkPort))
        .build();


    private void submit(String subject) throws Exception {
        try (SmtpClient client = SmtpClient.connect(server.ports().submission())) {
            client.ehlo("app.notify.example");
            client.startTls();
            client.ehlo("app.notify.example");
            assertThat(client.authPlain("app@notify.example", "s3cret-Passw0rd").code()).isEqualTo(235);
            assertThat(client.mailFrom("app@notify.example").code()).isEqualTo(250);
            assertThat(client.rcptTo("customer@customer.test").code()).isEqualTo(250);
            SmtpClient.Reply reply = client.data("Subject: " + subject + "\r\n\r\nbody\r\n");
            assertThat(reply.code()).as(reply.toString()).isEqualTo(250);
        }
    }

    private int spoolQueueSize() throws IOException {
        return server.webadmin("/mailQueues/spool/mails").size();
    }

    @Test
    void acknowledgedMailSurvivesSigkillAndIsDeliveredAfterRestart() throws Exception {
        assertThat(server.jamesCli("AddDomain", "notify.example").exitCode()).isZero();
        assertThat(server.jamesCli("AddUser", "app@notify.example", "s3cret-Passw0rd").exitCode()).isZero();
        assertThat(server.request("PUT", "/domains/other.example", null).statusCode()).isEqualTo(204);
        String deferred = "deferred " + UUID.randomUUID();
        String lastSecond = "last second " + UUID.randomUUID();

        // Nothing listens on the sink port: the first attempt fails and the mail waits in the spool queue for its retry.
        submit(deferred);
        await().atMost(Duration.ofSeconds(30)).until(() -> spoolQueueSize() == 1);
        // Acknowledged just before the kill: it may still be in the spool, it must not be lost either.
        submit(lastSecond);

        server.kill();
        server.start();

        assertThat(server.jamesCli("ListUsers").output()).contains("app@notify.example");
        assertThat(server.webadmin("/domains").toString()).contains("notify.example").contains("other.example");
        // Still down: both acknowledged mails are back in the queue, read from disk. A kill between
        // MxDelivery's re-enqueue and its acknowledgement leaves a duplicate: at least once, never lost.
        await().atMost(Duration.ofSeconds(30)).until(this::spoolQueueSize, size -> size >= 2);
        try (SmtpSink sink = SmtpSink.start(sinkPort)) {
            // Bring the deferred deliveries forward instead of waiting for the retry delay.
            assertThat(server.request("PATCH", "/mailQueues/spool/mails?delayed=true", "{\"delayed\": false}").statusCode())
                .isEqualTo(204);
            await().atMost(Duration.ofSeconds(60)).until(() -> sink.messages().size() >= 2);
            assertThat(sink.messages()).extracting(SmtpSink.Received::data)
                .anySatisfy(data -> assertThat(data).contains("Subject: " + deferred))
                .anySatisfy(data -> assertThat(data).contains("Subject: " + lastSecond));
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> spoolQueueSize() == 0);
    }
}
