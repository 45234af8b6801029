package org.helpdeskmail.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;

import org.helpdeskmail.testing.tls.TestCertificateAuthority;
import org.helpdeskmail.testing.tls.MtaStsPolicyServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * The outbound path end to end: the app submits over 587, the server looks up the recipient
 * domain's MX in the test DNS server, speaks STARTTLS to a loopback MX with its own certificate,
 * applies MTA-STS, and reports every result to the events webhook.
 */
class OutboundDeliveryTest {
    private static final String SECRET = "events-test-secret-0123456789";

    private final int mxPort = HelpdeskServerExtension.freePort();
    private final TestCertificateAuthority authority = TestCertificateAuthority.create("helpdesk-mail test CA");
    private final MtaStsPolicyServer policies = MtaStsPolicyServer.start(authority, "good.test", "bad.test", "trial.test");
    private final WebhookReceiver events = new WebhookReceiver();

    @RegisterExtension
    final HelpdeskServerExtension server = HelpdeskServerExtension.builder()
        .environment("HELPDESK_EVENTS_URL", events.url())
        .environment("HELPDESK_WEBHOOK_SECRET", SECRET)
        .configure(conf -> {
            ConfigurationFiles.remoteSmtpPort(conf, mxPort);
            ConfigurationFiles.fastDeliveryRetries(conf, "1 minute");
            // The events webhook's retries (and the inbound webhook's, unused here) within seconds.
            ConfigurationFiles.replace(conf, "mailetcontainer.xml", "<initialDelay>1 minute</initialDelay>", "<initialDelay>1 second</initialDelay>");
            Path trusted = conf.resolve("test-ca.pem");
            authority.trustPem(trusted);
            ConfigurationFiles.replace(conf, "mailetcontainer.xml", "<trustedCertificates></trustedCertificates>",
                "<trustedCertificates>" + trusted + "</trustedCertificates>");
            ConfigurationFiles.replace(conf, "mailetcontainer.xml", "<mtaStsPort>443</mtaStsPort>",
                "<mtaStsPort>" + policies.port() + "</mtaStsPort>");
        })
        .build();
    private final AppSubmission app = new AppSubmission(server);

    @AfterEach
    void stopHelpers() {
        policies.close();
        events.close();
    }

    @Test
    void tlsWhenOfferedOneReturnPathPerRecipientAndDeliveredEvents() throws Exception {
        publishMx("tls.test", "127.0.0.2");
        try (SmtpSink mx = SmtpSink.start("127.0.0.2", mxPort, Optional.of(authority.issue("mx.tls.test").sslContext()))) {
            String messageId = app.submit(List.of("ann@tls.test", "bob@tls.test"));

            await().atMost(Duration.ofSeconds(30)).until(() -> mx.messages().size() == 2);
            assertThat(mx.messages()).allSatisfy(received -> {
                assertThat(received.tlsProtocol()).hasValueSatisfying(protocol -> assertThat(protocol).startsWith("TLSv1."));
                assertThat(received.mailFrom()).matches("bounces\\+[a-z2-7]{21}@helpdesk\\.localhost");
            });
            assertThat(mx.messages()).extracting(SmtpSink.Received::mailFrom).doesNotHaveDuplicates();
            assertThat(mx.clearTransactions()).isZero();

            List<JsonNode> delivered = events.awaitEvents("delivered", 2);
            assertThat(delivered).extracting(event -> event.get("recipient").asText()).containsExactlyInAnyOrder("ann@tls.test", "bob@tls.test");
            assertThat(delivered).allSatisfy(event -> {
                assertThat(event.get("messageId").asText()).isEqualTo(messageId);
                assertThat(event.get("smtpCode").asInt()).isEqualTo(250);
                assertThat(event.get("remoteMx").asText()).isEqualTo("mx.tls.test [127.0.0.2]");
                assertThat(event.get("sourceIp").asText()).startsWith("127.");
                assertThat(event.get("attempt").asInt()).isEqualTo(1);
            });
            WebhookReceiver.Request request = events.requests().get(0);
            assertThat(request.header("X-Helpdesk-Signature"))
                .isEqualTo(WebhookReceiver.expectedSignature(SECRET, request.header("X-Helpdesk-Timestamp"), request.body()));
            assertThat(server.log()).contains("delivery to mx.tls.test [127.0.0.2] (TLSv1.");
        }
    }

    @Test
    void anEventTheAppDidNotTakeIsRetriedFromTheDurableQueue() throws Exception {
        publishMx("retry.test", "127.0.0.2");
        AtomicInteger calls = new AtomicInteger();
        events.answer(json -> calls.incrementAndGet() == 1 ? 503 : 200);
        try (SmtpSink mx = SmtpSink.start("127.0.0.2", mxPort, Optional.empty())) {
            app.submit(List.of("ivan@retry.test"));

            await().atMost(Duration.ofSeconds(30)).until(() -> events.requests().stream().anyMatch(request -> request.answeredStatus() == 200));
            List<WebhookReceiver.Request> posts = events.requests();
            assertThat(posts).extracting(WebhookReceiver.Request::answeredStatus).containsExactly(503, 200);
            // The same event, with the same idempotency key, the second time.
            assertThat(posts.get(1).header("X-Helpdesk-Id")).isEqualTo(posts.get(0).header("X-Helpdesk-Id"));
            assertThat(posts.get(1).json()).isEqualTo(posts.get(0).json());
            assertThat(server.log()).contains("queued for retry");
        }
    }

    @Test
    void mtaStsEnforceDefersRatherThanSendAnythingToAHostWithAWrongCertificate() throws Exception {
        publishMx("good.test", "127.0.0.2");
        publishMx("bad.test", "127.0.0.3");
        publishMtaSts("good.test", "enforce");
        publishMtaSts("bad.test", "enforce");
        try (SmtpSink good = SmtpSink.start("127.0.0.2", mxPort, Optional.of(authority.issue("mx.good.test").sslContext()));
             SmtpSink bad = SmtpSink.start("127.0.0.3", mxPort, Optional.of(TestCertificateAuthority.selfSigned("mx.bad.test").sslContext()))) {
            app.submit(List.of("carol@good.test", "dave@bad.test"));

            await().atMost(Duration.ofSeconds(30)).until(() -> good.messages().size() == 1);
            assertThat(good.messages().get(0).tlsProtocol()).isPresent();
            JsonNode deferred = events.awaitEvents("deferred", 1).get(0);
            assertThat(deferred.get("recipient").asText()).isEqualTo("dave@bad.test");
            assertThat(deferred.get("enhancedStatus").asText()).isEqualTo("4.7.5");
            assertThat(deferred.get("diagnostic").asText()).contains("certificate").contains("mta-sts enforce");
            assertThat(deferred.has("nextAttempt")).isTrue();
            // Retried (fast retries in this test), and never in clear.
            await().atMost(Duration.ofSeconds(30)).until(() -> events.events("deferred").size() >= 2);
            assertThat(bad.messages()).isEmpty();
            assertThat(bad.clearTransactions()).isZero();
            assertThat(policies.requests("bad.test")).isPositive();
        }
    }

    @Test
    void mtaStsTestingDeliversDespiteAWrongCertificateAndLogsIt() throws Exception {
        publishMx("trial.test", "127.0.0.4");
        publishMtaSts("trial.test", "testing");
        try (SmtpSink mx = SmtpSink.start("127.0.0.4", mxPort, Optional.of(TestCertificateAuthority.selfSigned("mx.trial.test").sslContext()))) {
            app.submit(List.of("erin@trial.test"));

            await().atMost(Duration.ofSeconds(30)).until(() -> mx.messages().size() == 1);
            assertThat(mx.messages().get(0).tlsProtocol()).isPresent();
            assertThat(events.awaitEvents("delivered", 1).get(0).get("recipient").asText()).isEqualTo("erin@trial.test");
            assertThat(server.log()).contains("mta-sts testing").contains("certificate of mx.trial.test [127.0.0.4] not valid");
        }
    }

    @Test
    void permanentRefusalBouncesAndSuppressesTemporaryOneIsRetried() throws Exception {
        publishMx("rcpt.test", "127.0.0.5");
        try (SmtpSink mx = SmtpSink.start("127.0.0.5", mxPort, Optional.empty())) {
            mx.answerRecipient("gone@rcpt.test", "550 5.1.1 <gone@rcpt.test>: Recipient address rejected: User unknown");
            mx.answerRecipient("busy@rcpt.test", "451 4.7.1 <busy@rcpt.test>: Greylisted, try again later");
            app.submit(List.of("gone@rcpt.test", "busy@rcpt.test"));

            JsonNode bounced = events.awaitEvents("bounced", 1).get(0);
            assertThat(bounced.get("recipient").asText()).isEqualTo("gone@rcpt.test");
            assertThat(bounced.get("smtpCode").asInt()).isEqualTo(550);
            assertThat(bounced.get("enhancedStatus").asText()).isEqualTo("5.1.1");
            assertThat(bounced.get("bounceType").asText()).isEqualTo("hard");
            JsonNode deferred = events.awaitEvents("deferred", 1).get(0);
            assertThat(deferred.get("recipient").asText()).isEqualTo("busy@rcpt.test");
            assertThat(deferred.get("smtpCode").asInt()).isEqualTo(451);
            JsonNode delivered = events.awaitEvents("delivered", 1).get(0);
            assertThat(delivered.get("recipient").asText()).isEqualTo("busy@rcpt.test");
            assertThat(delivered.get("attempt").asInt()).isEqualTo(2);
            assertThat(mx.messages()).hasSize(1);
            assertThat(server.request("GET", "/suppressions/gone@rcpt.test", null).statusCode()).isEqualTo(200);

            app.submit(List.of("gone@rcpt.test"));
            JsonNode suppressed = events.awaitEvents("suppressed", 1).get(0);
            assertThat(suppressed.get("recipient").asText()).isEqualTo("gone@rcpt.test");
            assertThat(suppressed.get("diagnostic").asText()).contains("hard_bounce");
            assertThat(mx.messages()).hasSize(1);
        }
    }

    private void publishMx(String domain, String address) {
        server.dns().addZone(domain + ".", domain + ". IN MX 10 mx." + domain + ".\nmx." + domain + ". IN A " + address);
    }

    private void publishMtaSts(String domain, String mode) {
        server.dns().addRecords(domain + ".", "_mta-sts." + domain + ". IN TXT \"v=STSv1; id=20261128" + mode + "\"",
            "mta-sts." + domain + ". IN A 127.0.0.1");
        policies.policy(domain, "version: STSv1\nmode: " + mode + "\nmx: mx." + domain + "\nmax_age: 86400\n");
    }
}
