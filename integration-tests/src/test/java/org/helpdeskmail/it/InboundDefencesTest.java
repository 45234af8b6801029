package org.helpdeskmail.it;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.xbill.DNS.Rcode;

/**
 * The MX's connection and sender policy through the real server and the real DNS server: DNSBL,
 * HELO, sender domain, throttling; and the submission listener's AUTH lock-out.
 */
class InboundDefencesTest {
    private static final String RECIPIENT = "support@acme.helpdesk.localhost";

    @RegisterExtension
    final HelpdeskServerExtension server = HelpdeskServerExtension.builder()
        .configure(conf -> {
            // The tests connect from 127.0.0.x, which production never looks up.
            ConfigurationFiles.replace(conf, "smtpserver.xml", "<cacheSeconds>300</cacheSeconds>",
                "<cacheSeconds>300</cacheSeconds>\n                <checkLoopback>true</checkLoopback>");
            ConfigurationFiles.replace(conf, "smtpserver.xml", "<reject>false</reject>", "<reject>true</reject>");
            ConfigurationFiles.replace(conf, "smtpserver.xml", "<messagesPerMinute>300</messagesPerMinute>",
                "<messagesPerMinute>5</messagesPerMinute>");
        })
        .build();

    private SmtpClient.Reply rcptFrom(String clientAddress) throws Exception {
        try (SmtpClient client = SmtpClient.connect(clientAddress, server.ports().mx())) {
            client.ehlo("mail.example.org");
            assertThat(client.mailFrom("someone@example.org").code()).isEqualTo(250);
            return client.rcptTo(RECIPIENT);
        }
    }

    @Test
    void listedClientIsRefusedAtTheFirstRcptNamingTheList() throws Exception {
        server.dns().addZone("zen.spamhaus.org.", String.join("\n",
            "1.0.0.127.zen.spamhaus.org. IN A 127.0.0.2",
            "1.0.0.127.zen.spamhaus.org. IN TXT \"Listed in SBL, see the lookup page\"",
            "3.0.0.127.zen.spamhaus.org. IN A 127.255.255.254"));

        SmtpClient.Reply listed = rcptFrom("127.0.0.1");
        assertThat(listed.code()).as(listed.toString()).isEqualTo(554);
        assertThat(listed.enhancedStatus()).isEqualTo("5.7.1");
        assertThat(listed.text()).contains("127.0.0.1").contains("zen.spamhaus.org").contains("Listed in SBL");

        assertThat(rcptFrom("127.0.0.2").code()).as("not listed").isEqualTo(250);
        assertThat(rcptFrom("127.0.0.3").code()).as("127.255.255.254: the list refused our query").isEqualTo(250);
    }

    @Test
    void invalidHeloIsRefusedAndAddressLiteralsAccepted() throws Exception {
        try (SmtpClient client = SmtpClient.connect(server.ports().mx())) {
            SmtpClient.Reply bare = client.ehlo("localhost");
            assertThat(bare.code()).as(bare.toString()).isEqualTo(501);
            assertThat(bare.enhancedStatus()).isEqualTo("5.5.2");
            assertThat(client.ehlo("[127.0.0.1]").code()).isEqualTo(250);
            assertThat(client.ehlo("mail.example.org").code()).isEqualTo(250);
        }
    }

    @Test
    void senderDomainMustResolve() throws Exception {
        server.dns().addZone("broken.test.", "broken.test. IN A 127.0.0.1");
        server.dns().failWith("broken.test", Rcode.SERVFAIL);
        try (SmtpClient client = SmtpClient.connect(server.ports().mx())) {
            client.ehlo("mail.example.org");
            SmtpClient.Reply missing = client.mailFrom("someone@nowhere.test");
            assertThat(missing.code()).as(missing.toString()).isEqualTo(550);
            assertThat(missing.enhancedStatus()).isEqualTo("5.1.8");

            SmtpClient.Reply failing = client.mailFrom("someone@broken.test");
            assertThat(failing.code()).as(failing.toString()).isEqualTo(451);
            assertThat(failing.enhancedStatus()).isEqualTo("4.4.3");

            assertThat(client.mailFrom("").code()).as("null sender").isEqualTo(250);
        }
    }

    @Test
    void messagesAboveTheRateAreDeferredUntilTheBucketRefills() throws Exception {
        for (int i = 0; i < 5; i++) {
            try (SmtpClient client = SmtpClient.connect("127.0.0.4", server.ports().mx())) {
                client.ehlo("mail.example.org");
                assertThat(client.mailFrom("someone@example.org").code()).as("message " + i).isEqualTo(250);
            }
        }
        try (SmtpClient client = SmtpClient.connect("127.0.0.4", server.ports().mx())) {
            client.ehlo("mail.example.org");
            SmtpClient.Reply throttled = client.mailFrom("someone@example.org");
            assertThat(throttled.code()).as(throttled.toString()).isEqualTo(451);
            assertThat(throttled.enhancedStatus()).isEqualTo("4.7.1");
        }
        assertThat(server.request("GET", "/metrics", null).body()).containsPattern("helpdesk_throttled(_total)? 1");

        // 5 per minute: one message every 12 seconds.
        Thread.sleep(12_500);
        try (SmtpClient client = SmtpClient.connect("127.0.0.4", server.ports().mx())) {
            client.ehlo("mail.example.org");
            assertThat(client.mailFrom("someone@example.org").code()).isEqualTo(250);
        }
    }

    @Test
    void repeatedAuthFailuresLockTheClientAddressOut() throws Exception {
        assertThat(server.request("PUT", "/domains/notify.example", null).statusCode()).isEqualTo(204);
        assertThat(server.request("PUT", "/users/app@notify.example", "{\"password\":\"s3cret-Passw0rd\"}").statusCode()).isEqualTo(204);
        try (SmtpClient client = SmtpClient.connect("127.0.0.5", server.ports().submission())) {
            client.ehlo("app.example");
            client.startTls();
            client.ehlo("app.example");
            for (int i = 0; i < 5; i++) {
                assertThat(client.authPlain("app@notify.example", "guess-" + i).code()).isEqualTo(535);
            }
            SmtpClient.Reply locked = client.authPlain("app@notify.example", "s3cret-Passw0rd");
            assertThat(locked.code()).as(locked.toString()).isEqualTo(454);
            assertThat(locked.enhancedStatus()).isEqualTo("4.7.0");
        }
        try (SmtpClient other = SmtpClient.connect("127.0.0.6", server.ports().submission())) {
            other.ehlo("app.example");
            other.startTls();
            other.ehlo("app.example");
            assertThat(other.authPlain("app@notify.example", "s3cret-Passw0rd").code()).as("another address").isEqualTo(235);
        }
    }
}
