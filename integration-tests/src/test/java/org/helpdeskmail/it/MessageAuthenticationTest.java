package org.helpdeskmail.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.time.Duration;
import java.util.Base64;
import java.util.List;

import org.apache.james.jdkim.DKIMSigner;
import org.helpdeskmail.testing.dns.TestDnsServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * SPF, DKIM and DMARC through the real server and a real DNS server: the SMTP reply, the webhook's
 * "auth" and the Authentication-Results header tell the same verdict.
 */
class MessageAuthenticationTest {
    private static final String RECIPIENT = "support@acme.helpdesk.localhost";
    private final WebhookReceiver receiver = new WebhookReceiver();
    private KeyPair dkimKey;

    @RegisterExtension
    final HelpdeskServerExtension server = HelpdeskServerExtension.builder()
        .environment("HELPDESK_WEBHOOK_URL", receiver.url())
        .build();

    @BeforeEach
    void publishRecords() throws Exception {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
        generator.initialize(2048);
        dkimKey = generator.generateKeyPair();
        TestDnsServer dns = server.dns();
        dns.addZone("sender.test.", String.join("\n",
            "$TTL 60",
            "sender.test. IN A 127.0.0.1",
            "pass.sender.test. IN TXT \"v=spf1 ip4:127.0.0.0/8 -all\"",
            "fail.sender.test. IN TXT \"v=spf1 ip4:192.0.2.1 -all\"",
            "softfail.sender.test. IN TXT \"v=spf1 ~all\"",
            "neutral.sender.test. IN TXT \"v=spf1 ?all\"",
            "include.sender.test. IN TXT \"v=spf1 include:_spf.provider.sender.test -all\"",
            "_spf.provider.sender.test. IN TXT \"v=spf1 include:_net.provider.sender.test -all\"",
            "_net.provider.sender.test. IN TXT \"v=spf1 ip4:127.0.0.1 -all\"",
            "redirect.sender.test. IN TXT \"v=spf1 redirect=pass.sender.test\"",
            "loop.sender.test. IN TXT \"v=spf1 include:l1.sender.test include:l2.sender.test include:l3.sender.test"
                + " include:l4.sender.test include:l5.sender.test include:l6.sender.test -all\"",
            "l1.sender.test. IN TXT \"v=spf1 a:a1.sender.test a:a2.sender.test -all\"",
            "l2.sender.test. IN TXT \"v=spf1 a:a3.sender.test a:a4.sender.test -all\"",
            "l3.sender.test. IN TXT \"v=spf1 a:a5.sender.test a:a6.sender.test -all\"",
            "l4.sender.test. IN TXT \"v=spf1 a:a7.sender.test a:a8.sender.test -all\"",
            "l5.sender.test. IN TXT \"v=spf1 a:a9.sender.test a:a10.sender.test -all\"",
            "l6.sender.test. IN TXT \"v=spf1 ip4:127.0.0.1 -all\"",
            "timeout.sender.test. IN TXT \"v=spf1 include:slow.sender.test -all\"",
            // Envelope sender domains must resolve (the MX checks that at MAIL FROM).
            "pass.sender.test. IN A 127.0.0.1",
            "fail.sender.test. IN A 127.0.0.1",
            "softfail.sender.test. IN A 127.0.0.1",
            "neutral.sender.test. IN A 127.0.0.1",
            "include.sender.test. IN A 127.0.0.1",
            "redirect.sender.test. IN A 127.0.0.1",
            "loop.sender.test. IN A 127.0.0.1",
            "timeout.sender.test. IN A 127.0.0.1",
            // DKIM keys and DMARC policies
            "sel._domainkey.pass.sender.test. IN TXT " + TestDnsServer.txtStrings("v=DKIM1; k=rsa; p="
                + Base64.getEncoder().encodeToString(dkimKey.getPublic().getEncoded())),
            "sel._domainkey.badkey.sender.test. IN TXT \"v=DKIM1; k=rsa; p=AAAAnotakey\"",
            "_dmarc.pass.sender.test. IN TXT \"v=DMARC1; p=reject\"",
            "_dmarc.fail.sender.test. IN TXT \"v=DMARC1; p=reject\"",
            "_dmarc.softfail.sender.test. IN TXT \"v=DMARC1; p=quarantine\"",
            "_dmarc.neutral.sender.test. IN TXT \"v=DMARC1; p=none\""));
        // An organizational domain that publishes a stricter policy for its subdomains.
        dns.addZone("policy.test.", "_dmarc.policy.test. IN TXT \"v=DMARC1; p=none; sp=reject\"");
        dns.addZone("other.test.", String.join("\n",
            "other.test. IN A 127.0.0.1",
            "sel._domainkey.other.test. IN TXT " + TestDnsServer.txtStrings("v=DKIM1; k=rsa; p="
                + Base64.getEncoder().encodeToString(dkimKey.getPublic().getEncoded()))));
    }

    @AfterEach
    void stopReceiver() {
        receiver.close();
    }

    private static String message(String from, String subject) {
        return "From: " + from + "\r\nTo: " + RECIPIENT + "\r\nSubject: " + subject + "\r\nMessage-ID: <" + subject.hashCode()
            + "@sender.test>\r\n\r\nHello, this is the body.\r\n";
    }

    private String signed(String message, String domain) throws Exception {
        DKIMSigner signer = new DKIMSigner("v=1; a=rsa-sha256; c=relaxed/relaxed; d=" + domain + "; s=sel; h=from:to:subject; bh=; b=;",
            dkimKey.getPrivate());
        String signature = signer.sign(new ByteArrayInputStream(message.getBytes(StandardCharsets.UTF_8)));
        return signature + "\r\n" + message;
    }

    /** Sends and returns the reply to RCPT (if refused) or to the end of DATA. */
    private SmtpClient.Reply send(String mailFrom, String message) throws Exception {
        try (SmtpClient client = SmtpClient.connect(server.ports().mx())) {
            client.ehlo("mail.sender.test");
            assertThat(client.mailFrom(mailFrom).code()).as("MAIL FROM:<" + mailFrom + ">").isEqualTo(250);
            SmtpClient.Reply rcpt = client.rcptTo(RECIPIENT);
            if (rcpt.code() != 250) {
                return rcpt;
            }
            return client.data(message);
        }
    }

    private JsonNode delivered(String subject) {
        await().atMost(Duration.ofSeconds(30)).until(() -> receiver.requests().stream()
            .anyMatch(request -> request.json().path("subject").asText().equals(subject)));
        return receiver.requests().stream().filter(request -> request.json().path("subject").asText().equals(subject))
            .findFirst().orElseThrow().json();
    }

    private static String authenticationResults(JsonNode json) {
        for (JsonNode header : json.get("headers")) {
            if (header.get(0).asText().equalsIgnoreCase("Authentication-Results")) {
                return header.get(1).asText();
            }
        }
        throw new AssertionError("no Authentication-Results header in " + json.get("headers"));
    }

    @Test
    void spfFailIsRefusedAtRcpt() throws Exception {
        SmtpClient.Reply reply = send("someone@fail.sender.test", message("someone@fail.sender.test", "spf fail"));

        assertThat(reply.code()).as(reply.toString()).isEqualTo(550);
        assertThat(reply.enhancedStatus()).isEqualTo("5.7.23");
        assertThat(reply.text()).contains("fail.sender.test");
    }

    @Test
    void spfTemporaryDnsFailureIsTemporary() throws Exception {
        // The include of its SPF record never answers.
        server.dns().dropQueries("slow.sender.test");

        SmtpClient.Reply reply = send("someone@timeout.sender.test", message("someone@timeout.sender.test", "spf timeout"));

        assertThat(reply.code()).as(reply.toString()).isEqualTo(451);
        assertThat(reply.enhancedStatus()).isEqualTo("4.7.24");
    }

    @Test
    void spfResultsAreRecordedForAcceptedMail() throws Exception {
        List<String[]> cases = List.of(
            new String[] {"pass", "someone@pass.sender.test"},
            new String[] {"softfail", "someone@softfail.sender.test"},
            new String[] {"neutral", "someone@neutral.sender.test"},
            new String[] {"pass", "someone@include.sender.test"},
            new String[] {"pass", "someone@redirect.sender.test"},
            new String[] {"permerror", "someone@loop.sender.test"},
            new String[] {"none", "someone@other.test"});
        for (String[] expected : cases) {
            String subject = "spf " + expected[1];
            assertThat(send(expected[1], message(expected[1], subject)).code()).as(expected[1]).isEqualTo(250);
            JsonNode json = delivered(subject);
            assertThat(json.at("/auth/spf").asText()).as(expected[1]).isEqualTo(expected[0]);
            assertThat(authenticationResults(json)).as(expected[1]).contains("spf=" + expected[0] + " smtp.mailfrom=");
            assertThat(server.log()).as("the mail's log line").containsPattern(
                "accepted mail=\\S+ .*mailFrom=" + java.util.regex.Pattern.quote(expected[1]) + " rcptTo=\\S+ size=\\d+ spf=" + expected[0] + " ");
        }
    }

    @Test
    void dkimPassBodyModifiedBadKeyAndNoSignature() throws Exception {
        String good = signed(message("someone@pass.sender.test", "dkim good"), "pass.sender.test");
        String tampered = signed(message("someone@pass.sender.test", "dkim tampered"), "pass.sender.test")
            .replace("Hello, this is the body.", "Hello, this is NOT the body.");
        String badKey = signed(message("someone@neutral.sender.test", "dkim bad key"), "badkey.sender.test");

        assertThat(send("someone@pass.sender.test", good).code()).isEqualTo(250);
        assertThat(send("someone@pass.sender.test", tampered).code()).as("SPF passes and aligns: DMARC passes").isEqualTo(250);
        assertThat(send("someone@neutral.sender.test", badKey).code()).isEqualTo(250);
        assertThat(send("someone@neutral.sender.test", message("someone@neutral.sender.test", "dkim none")).code()).isEqualTo(250);

        assertThat(delivered("dkim good").at("/auth/dkim/0/result").asText()).isEqualTo("pass");
        assertThat(delivered("dkim good").at("/auth/dkim/0/domain").asText()).isEqualTo("pass.sender.test");
        assertThat(delivered("dkim tampered").at("/auth/dkim/0/result").asText()).isEqualTo("fail");
        assertThat(authenticationResults(delivered("dkim tampered"))).contains("dkim=fail header.d=pass.sender.test");
        assertThat(delivered("dkim bad key").at("/auth/dkim/0/result").asText()).isIn("fail", "permerror");
        assertThat(delivered("dkim none").get("auth").get("dkim")).isEmpty();
        assertThat(authenticationResults(delivered("dkim none"))).contains("dkim=none");
    }

    @Test
    void dmarcPassesThroughSpfOnlyOrDkimOnly() throws Exception {
        // SPF aligned, no DKIM.
        assertThat(send("someone@pass.sender.test", message("someone@pass.sender.test", "dmarc spf")).code()).isEqualTo(250);
        // SPF of another domain (not aligned), DKIM of the From domain.
        String dkimOnly = signed(message("someone@pass.sender.test", "dmarc dkim"), "pass.sender.test");
        assertThat(send("someone@other.test", dkimOnly).code()).isEqualTo(250);

        assertThat(delivered("dmarc spf").at("/auth/dmarc").asText()).isEqualTo("pass");
        assertThat(delivered("dmarc dkim").at("/auth/dmarc").asText()).isEqualTo("pass");
        assertThat(authenticationResults(delivered("dmarc dkim"))).contains("dmarc=pass").contains("header.from=pass.sender.test");
    }

    @Test
    void dmarcFailuresFollowThePolicy() throws Exception {
        // From pass.sender.test (p=reject) but envelope and signature of other.test: nothing aligned.
        String unaligned = signed(message("someone@pass.sender.test", "dmarc reject"), "other.test");
        SmtpClient.Reply rejected = send("someone@other.test", unaligned);
        assertThat(rejected.code()).as(rejected.toString()).isEqualTo(550);
        assertThat(rejected.enhancedStatus()).isEqualTo("5.7.1");
        assertThat(rejected.text()).contains("DMARC");

        assertThat(send("someone@other.test", message("someone@softfail.sender.test", "dmarc quarantine")).code()).isEqualTo(250);
        JsonNode quarantined = delivered("dmarc quarantine");
        assertThat(quarantined.at("/auth/dmarc").asText()).isEqualTo("fail");
        assertThat(quarantined.at("/spam/action").asText()).isEqualTo("quarantine");

        assertThat(send("someone@other.test", message("someone@neutral.sender.test", "dmarc none")).code()).isEqualTo(250);
        assertThat(delivered("dmarc none").at("/auth/dmarc").asText()).isEqualTo("fail");
        assertThat(delivered("dmarc none").has("spam")).isFalse();

        // A subdomain without its own record falls back to the organizational domain's sp=reject.
        SmtpClient.Reply subdomain = send("someone@other.test", message("someone@news.policy.test", "dmarc subdomain"));
        assertThat(subdomain.code()).as(subdomain.toString()).isEqualTo(550);
    }
}
