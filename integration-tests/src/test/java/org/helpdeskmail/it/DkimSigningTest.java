package org.helpdeskmail.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.ByteArrayInputStream;
import java.net.InetAddress;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.UUID;

import org.apache.james.jdkim.DKIMVerifier;
import org.apache.james.jdkim.api.SignatureRecord;
import org.apache.james.jdkim.impl.DNSPublicKeyRecordRetriever;
import org.helpdeskmail.testing.dns.TestDnsServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.xbill.DNS.SimpleResolver;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * Outbound mail is DKIM-signed by the real server with keys managed through webadmin, and the
 * signature received by the (loopback) MX verifies with jDKIM against the keys published in the
 * test DNS: the From domain's key, the default domain's key generated at first start for other
 * domains, and after a rotation the new selector.
 */
class DkimSigningTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String USER = "app@helpdesk.localhost";
    private static final String PASSWORD = "s3cret-Passw0rd";
    private static final String DEFAULT_DOMAIN = "helpdesk.localhost";

    private final int sinkPort = HelpdeskServerExtension.freePort();

    @RegisterExtension
    final HelpdeskServerExtension server = HelpdeskServerExtension.builder()
        .configure(conf -> ConfigurationFiles.relayOutboundTo(conf, sinkPort))
        .build();

    @Test
    void theFromDomainsKeyAddedThroughWebadminSignsAndOtherDomainsGetTheDefaultKey() throws Exception {
        JsonNode generatedAtStart = webadmin("GET", "/dkim/keys/" + DEFAULT_DOMAIN, null, 200);
        assertThat(generatedAtStart).hasSize(1);
        assertThat(generatedAtStart.get(0).get("active").asBoolean()).isTrue();
        assertThat(generatedAtStart.get(0).get("bits").asInt()).isEqualTo(2048);
        assertThat(server.log()).contains(generatedAtStart.get(0).get("dnsRecord").asText());
        publish(generatedAtStart.get(0));
        publish(addAndActivate("customer.example", "s1", "rsa"));
        assertThat(webadmin("PUT", "/dkim/keys/customer.example/s1", null, 409).get("message").asText()).contains("already has a key");
        assertThat(webadmin("PUT", "/dkim/keys/customer.example/s2?algorithm=dsa", null, 400).get("message").asText()).contains("dsa");
        webadmin("POST", "/dkim/keys/customer.example/unknown/activate", null, 404);
        webadmin("GET", "/dkim/keys/nokey.example", null, 404);

        List<String> received = submitAndReceive("support@customer.example", "app@other.example");

        SignatureRecord customer = verified(received.get(0));
        assertThat(customer.getDToken().toString()).isEqualTo("customer.example");
        assertThat(customer.getSelector().toString()).isEqualTo("s1");
        SignatureRecord fallback = verified(received.get(1));
        assertThat(fallback.getDToken().toString()).isEqualTo(DEFAULT_DOMAIN);
        assertThat(fallback.getSelector().toString()).isEqualTo(generatedAtStart.get(0).get("selector").asText());
        assertThat(received).allSatisfy(message -> assertThat(message).doesNotContainIgnoringCase("X-Helpdesk-"));
    }

    @Test
    void afterARotationTheNewSelectorSignsAndAnEd25519KeyAddsASecondSignature() throws Exception {
        publish(addAndActivate("customer.example", "2024a", "rsa"));
        publish(addAndActivate("customer.example", "2024b", "rsa"));
        publish(addAndActivate("customer.example", "ed1", "ed25519"));
        JsonNode keys = webadmin("GET", "/dkim/keys/customer.example", null, 200);
        assertThat(keys).extracting(key -> key.get("selector").asText() + " " + key.get("active").asBoolean())
            .containsExactlyInAnyOrder("2024a false", "2024b true", "ed1 true");

        String received = submitAndReceive("support@customer.example").get(0);

        SignatureRecord signature = verified(received);
        assertThat(signature.getSelector().toString()).isEqualTo("2024b");
        assertThat(received).containsPattern("a=ed25519-sha256;[^:]*s=ed1;");
        // The old selector stays published until in-flight mail is gone, then it can be removed.
        assertThat(server.request("DELETE", "/dkim/keys/customer.example/2024b", null).statusCode()).isEqualTo(409);
        assertThat(server.request("DELETE", "/dkim/keys/customer.example/2024a", null).statusCode()).isEqualTo(204);
        assertThat(webadmin("GET", "/dkim/keys/customer.example", null, 200)).hasSize(2);
    }

    /** Generates a key through webadmin and activates it; answers the activated key. */
    private JsonNode addAndActivate(String domain, String selector, String algorithm) throws Exception {
        JsonNode added = webadmin("PUT", "/dkim/keys/" + domain + "/" + selector + "?algorithm=" + algorithm, null, 201);
        assertThat(added.get("active").asBoolean()).isFalse();
        assertThat(added.get("dnsName").asText()).isEqualTo(selector + "._domainkey." + domain);
        assertThat(added.get("dnsRecord").asText()).startsWith("v=DKIM1; k=" + algorithm + "; p=");
        JsonNode activated = webadmin("POST", "/dkim/keys/" + domain + "/" + selector + "/activate", null, 200);
        assertThat(activated.get("active").asBoolean()).isTrue();
        return activated;
    }

    private void publish(JsonNode key) {
        String domain = key.get("domain").asText();
        server.dns().addRecords(domain + ".", key.get("dnsName").asText() + ". IN TXT " + TestDnsServer.txtStrings(key.get("dnsRecord").asText()));
    }

    private JsonNode webadmin(String method, String path, String body, int expectedStatus) throws Exception {
        HttpResponse<String> response = server.request(method, path, body);
        assertThat(response.statusCode()).as(method + " " + path + ": " + response.body()).isEqualTo(expectedStatus);
        return JSON.readTree(response.body());
    }

    /** One message per From address, submitted with STARTTLS and AUTH; what the MX received, in the same order. */
    private List<String> submitAndReceive(String... fromAddresses) throws Exception {
        server.request("PUT", "/users/" + USER, "{\"password\":\"" + PASSWORD + "\"}");
        try (SmtpSink sink = SmtpSink.start(sinkPort); SmtpClient client = SmtpClient.connect(server.ports().submission())) {
            client.ehlo("app.helpdesk.localhost");
            assertThat(client.startTls().code()).isEqualTo(220);
            client.ehlo("app.helpdesk.localhost");
            assertThat(client.authPlain(USER, PASSWORD).code()).isEqualTo(235);
            for (String from : fromAddresses) {
                assertThat(client.mailFrom(USER).code()).isEqualTo(250);
                assertThat(client.rcptTo("customer@customer.test").code()).isEqualTo(250);
                SmtpClient.Reply accepted = client.data("From: Support <" + from + ">\r\nTo: customer@customer.test\r\n"
                    + "Subject: ticket " + from + "\r\nX-Helpdesk-Ticket: T-" + UUID.randomUUID() + "\r\nX-Helpdesk-Tenant: acme\r\n"
                    + "\r\nYour ticket was updated.\r\n\r\n-- \r\nThe helpdesk\r\n");
                assertThat(accepted.code()).as(accepted.toString()).isEqualTo(250);
            }
            await().atMost(Duration.ofSeconds(30)).until(() -> sink.messages().size() == fromAddresses.length);
            return List.of(fromAddresses).stream()
                .map(from -> sink.messages().stream().map(SmtpSink.Received::data).filter(data -> data.contains("Subject: ticket " + from))
                    .findFirst().orElseThrow())
                .toList();
        }
    }

    /** jDKIM's verifier, looking keys up in the test DNS; answers the (first) signature that verifies. */
    private SignatureRecord verified(String message) throws Exception {
        SimpleResolver resolver = new SimpleResolver(InetAddress.getLoopbackAddress());
        resolver.setPort(server.dns().port());
        List<SignatureRecord> verified = new DKIMVerifier(new DNSPublicKeyRecordRetriever(resolver))
            .verify(new ByteArrayInputStream(message.getBytes(StandardCharsets.UTF_8)));
        assertThat(verified).isNotEmpty();
        return verified.get(0);
    }
}
