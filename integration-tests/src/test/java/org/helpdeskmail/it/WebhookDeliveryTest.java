package org.helpdeskmail.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.List;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import com.fasterxml.jackson.databind.JsonNode;

/** Mail for tenant mailboxes becomes signed JSON POSTs to a real HTTP receiver (DESIGN.md 4.1). */
class WebhookDeliveryTest {
    static final String SECRET = "integration-test-webhook-secret";
    private final WebhookReceiver receiver = new WebhookReceiver();

    @RegisterExtension
    final HelpdeskServerExtension server = HelpdeskServerExtension.builder()
        .environment("HELPDESK_WEBHOOK_URL", receiver.url())
        .environment("HELPDESK_WEBHOOK_SECRET", SECRET)
        .environment("HELPDESK_DOMAINS", "helpdesk.localhost,jitbit.test")
        .configure(conf -> ConfigurationFiles.fastWebhookRetries(conf, "5 days"))
        .build();

    @AfterEach
    void stopReceiver() {
        receiver.close();
    }

    static void send(int port, String from, List<String> recipients, String message) throws Exception {
        try (SmtpClient client = SmtpClient.connect(port)) {
            client.ehlo("client.example.org");
            assertThat(client.mailFrom(from).code()).isEqualTo(250);
            for (String recipient : recipients) {
                SmtpClient.Reply reply = client.rcptTo(recipient);
                assertThat(reply.code()).as(recipient + " -> " + reply).isEqualTo(250);
            }
            SmtpClient.Reply reply = client.data(message);
            assertThat(reply.code()).as(reply.toString()).isEqualTo(250);
        }
    }

    private static final String MULTIPART = String.join("\r\n",
        "From: =?UTF-8?B?SsO2cmcgTcO8bGxlcg==?= <joerg@example.org>",
        "To: support@acme.helpdesk.localhost, Billing <billing@beta.jitbit.test>",
        "Cc: boss@example.org",
        "Subject: =?ISO-8859-1?Q?Probl=E8me_de_facture?=",
        "Message-ID: <reply-1@example.org>",
        "In-Reply-To: <ticket-7@acme.helpdesk.localhost>",
        "References: <ticket-7@acme.helpdesk.localhost> <answer-3@acme.helpdesk.localhost>",
        "Date: Tue, 24 Nov 2026 10:15:00 +0100",
        "MIME-Version: 1.0",
        "Content-Type: multipart/mixed; boundary=\"outer\"",
        "",
        "--outer",
        "Content-Type: multipart/alternative; boundary=\"inner\"",
        "",
        "--inner",
        "Content-Type: text/plain; charset=ISO-8859-1",
        "Content-Transfer-Encoding: quoted-printable",
        "",
        "La facture est fausse, voil=E0.",
        "",
        "Le mar. 24 nov. 2026 =E0 09:00, Support <support@acme.helpdesk.localhost> a =E9crit :",
        "> Bonjour, voici votre facture.",
        "--inner",
        "Content-Type: text/html; charset=UTF-8",
        "",
        "<p>La facture est fausse, voil\u00e0.</p>",
        "--inner--",
        "--outer",
        "Content-Type: application/pdf",
        "Content-Disposition: attachment; filename*=UTF-8''facture%20n%C2%B07.pdf",
        "Content-Transfer-Encoding: base64",
        "",
        Base64.getEncoder().encodeToString("%PDF-1.4 not really".getBytes(StandardCharsets.UTF_8)),
        "--outer--",
        "");

    @Test
    void postsOneSignedJsonPerTenantMailbox() throws Exception {
        send(server.ports().mx(), "joerg@example.org", List.of("support@acme.helpdesk.localhost", "billing@beta.jitbit.test"), MULTIPART);

        await().atMost(Duration.ofSeconds(30)).until(() -> receiver.requests().size() >= 2);
        assertThat(receiver.requests()).hasSize(2);
        for (WebhookReceiver.Request request : receiver.requests()) {
            assertThat(request.header("Content-Type")).startsWith("application/json");
            assertThat(request.header("X-Helpdesk-Signature"))
                .isEqualTo(WebhookReceiver.expectedSignature(SECRET, request.header("X-Helpdesk-Timestamp"), request.body()));
            assertThat(request.json().get("id").asText()).isEqualTo(request.header("X-Helpdesk-Id"));
        }
        JsonNode acme = receiver.requestsFor("support@acme.helpdesk.localhost").get(0).json();
        JsonNode beta = receiver.requestsFor("billing@beta.jitbit.test").get(0).json();
        assertThat(acme.get("tenant").asText()).isEqualTo("acme");
        assertThat(acme.get("mailbox").asText()).isEqualTo("support");
        assertThat(beta.get("tenant").asText()).isEqualTo("beta");
        assertThat(beta.get("mailbox").asText()).isEqualTo("billing");
        assertThat(acme.get("id").asText()).isNotEqualTo(beta.get("id").asText());

        assertThat(acme.at("/envelope/mailFrom").asText()).isEqualTo("joerg@example.org");
        assertThat(acme.at("/envelope/remoteIp").asText()).isEqualTo("127.0.0.1");
        assertThat(acme.at("/envelope/helo").asText()).isEqualTo("client.example.org");
        assertThat(acme.at("/envelope/tls").asBoolean(true)).isFalse();
        assertThat(acme.get("subject").asText()).isEqualTo("Probl\u00e8me de facture");
        assertThat(acme.at("/from/name").asText()).isEqualTo("J\u00f6rg M\u00fcller");
        assertThat(acme.at("/from/address").asText()).isEqualTo("joerg@example.org");
        assertThat(acme.get("to")).hasSize(2);
        assertThat(acme.at("/cc/0/address").asText()).isEqualTo("boss@example.org");
        assertThat(acme.get("messageId").asText()).isEqualTo("<reply-1@example.org>");
        assertThat(acme.get("inReplyTo").asText()).isEqualTo("<ticket-7@acme.helpdesk.localhost>");
        assertThat(acme.get("references")).hasSize(2);
        assertThat(acme.get("date").asText()).isEqualTo("2026-11-24T09:15:00Z");
        assertThat(acme.get("text").asText()).startsWith("La facture est fausse, voil\u00e0.").contains("> Bonjour");
        assertThat(acme.get("strippedText").asText()).isEqualTo("La facture est fausse, voil\u00e0.");
        assertThat(acme.get("html").asText()).contains("<p>La facture est fausse");
        JsonNode attachment = acme.at("/attachments/0");
        assertThat(attachment.get("filename").asText()).isEqualTo("facture n\u00b07.pdf");
        assertThat(attachment.get("contentType").asText()).isEqualTo("application/pdf");
        assertThat(new String(Base64.getDecoder().decode(attachment.get("content").asText()), StandardCharsets.UTF_8))
            .isEqualTo("%PDF-1.4 not really");
        assertThat(attachment.get("size").asLong()).isEqualTo(19);
        assertThat(acme.get("autoReply").asBoolean(true)).isFalse();
        assertThat(acme.get("headers").toString()).contains("[\"Message-ID\",\"<reply-1@example.org>\"]");
    }

    @Test
    void htmlOnlyMessageGetsAPlainTextRenderingAndInlineImagesKeepTheirContentId() throws Exception {
        String message = String.join("\r\n",
            "From: someone@example.org",
            "To: support@acme.helpdesk.localhost",
            "Subject: screenshot",
            "Auto-Submitted: auto-replied",
            "MIME-Version: 1.0",
            "Content-Type: multipart/related; boundary=\"rel\"",
            "",
            "--rel",
            "Content-Type: text/html; charset=UTF-8",
            "",
            "<html><body><p>See <b>this</b>:</p><img src=\"cid:shot@x\"></body></html>",
            "--rel",
            "Content-Type: image/png",
            "Content-ID: <shot@x>",
            "Content-Transfer-Encoding: base64",
            "",
            Base64.getEncoder().encodeToString(new byte[] {(byte) 0x89, 'P', 'N', 'G'}),
            "--rel--",
            "");

        send(server.ports().mx(), "someone@example.org", List.of("support@acme.helpdesk.localhost"), message);

        await().atMost(Duration.ofSeconds(30)).until(() -> receiver.requests().size() >= 1);
        JsonNode json = receiver.requests().get(0).json();
        assertThat(json.get("text").asText()).contains("See this:");
        assertThat(json.at("/attachments/0/contentId").asText()).isEqualTo("shot@x");
        assertThat(json.at("/attachments/0/inline").asBoolean()).isTrue();
        assertThat(json.at("/attachments/0/size").asLong()).isEqualTo(4);
        assertThat(json.get("autoReply").asBoolean()).isTrue();
    }

    @Test
    void serverErrorsAreRetriedWithTheSameIdAndOnlyForTheFailedTenant() throws Exception {
        receiver.answer(json -> json.get("tenant").asText().equals("beta")
            && receiver.requestsFor("billing@beta.jitbit.test").size() < 2 ? 503 : 200);

        send(server.ports().mx(), "joerg@example.org", List.of("support@acme.helpdesk.localhost", "billing@beta.jitbit.test"), MULTIPART);

        await().atMost(Duration.ofSeconds(30)).until(() -> receiver.requestsFor("billing@beta.jitbit.test").stream()
            .anyMatch(request -> request.answeredStatus() == 200));
        List<WebhookReceiver.Request> beta = receiver.requestsFor("billing@beta.jitbit.test");
        assertThat(beta).hasSize(3).extracting(WebhookReceiver.Request::answeredStatus).containsExactly(503, 503, 200);
        assertThat(beta).extracting(request -> request.header("X-Helpdesk-Id")).containsOnly(beta.get(0).header("X-Helpdesk-Id"));
        Thread.sleep(2000);
        assertThat(receiver.requestsFor("support@acme.helpdesk.localhost")).as("acme took it the first time").hasSize(1);
    }

    @Test
    void pendingRetriesSurviveAKillOfTheServer() throws Exception {
        receiver.answer(json -> 503);
        send(server.ports().mx(), "joerg@example.org", List.of("support@acme.helpdesk.localhost"), MULTIPART);
        await().atMost(Duration.ofSeconds(30)).until(() -> receiver.requests().size() >= 1);

        server.kill();
        receiver.answer(json -> 200);
        server.start();

        await().atMost(Duration.ofSeconds(30)).until(() -> receiver.requests().stream().anyMatch(request -> request.answeredStatus() == 200));
        assertThat(receiver.requests()).extracting(request -> request.header("X-Helpdesk-Id")).containsOnly(receiver.requests().get(0).header("X-Helpdesk-Id"));
    }

    @Test
    void clientErrorsGoToWebhookRejectedAndReprocessingDeliversThem() throws Exception {
        receiver.answer(json -> 422);
        send(server.ports().mx(), "joerg@example.org", List.of("support@acme.helpdesk.localhost"), MULTIPART);
        String repository = "/mailRepositories/var%2Fmail%2Fwebhook-rejected";
        await().atMost(Duration.ofSeconds(30)).until(() -> server.webadmin(repository + "/mails").size() == 1);
        Thread.sleep(2000);
        assertThat(receiver.requests()).as("a 4xx is not retried").hasSize(1);

        receiver.answer(json -> 200);
        assertThat(server.request("PATCH", repository + "/mails?action=reprocess&processor=inbound", null).statusCode()).isEqualTo(201);

        await().atMost(Duration.ofSeconds(30)).until(() -> receiver.requests().size() == 2);
        assertThat(receiver.requests().get(1).answeredStatus()).isEqualTo(200);
        assertThat(receiver.requests().get(1).header("X-Helpdesk-Id")).isEqualTo(receiver.requests().get(0).header("X-Helpdesk-Id"));
        await().atMost(Duration.ofSeconds(10)).until(() -> server.webadmin(repository + "/mails").size() == 0);
    }

    @Test
    void autoReplyLoopIsBrokenAfterFiveRepliesAndCounted() throws Exception {
        for (int i = 0; i < 7; i++) {
            send(server.ports().mx(), "robot@other-helpdesk.example", List.of("support@acme.helpdesk.localhost"),
                "Subject: Re: [ticket #" + i + "] We received your request\r\nAuto-Submitted: auto-replied\r\n\r\nThank you.\r\n");
        }

        String repository = "/mailRepositories/var%2Fmail%2Floop-suppressed";
        await().atMost(Duration.ofSeconds(30)).until(() -> server.webadmin(repository + "/mails").size() == 2);
        await().atMost(Duration.ofSeconds(10)).until(() -> receiver.requests().size() == 5);
        assertThat(receiver.requests()).allSatisfy(request -> assertThat(request.json().get("autoReply").asBoolean()).isTrue());
        assertThat(server.request("GET", "/metrics", null).body()).containsPattern("helpdesk_loop_suppressed(_total)? 2");

        send(server.ports().mx(), "person@example.org", List.of("support@acme.helpdesk.localhost"), "Subject: hello\r\n\r\nhi\r\n");
        await().atMost(Duration.ofSeconds(30)).until(() -> receiver.requests().size() == 6);
    }
}
