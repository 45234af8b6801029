package org.helpdeskmail.it;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Selective greylisting through the real server: a client without forward-confirmed reverse DNS
 * (127.0.0.20 has no PTR in the test DNS) is deferred once, and its proper retry is remembered,
 * also across a restart (the triplets are in the Derby database under var/).
 */
class GreylistingTest {
    private static final String RECIPIENT = "support@acme.helpdesk.localhost";

    @RegisterExtension
    final HelpdeskServerExtension server = HelpdeskServerExtension.builder()
        .configure(conf -> {
            ConfigurationFiles.replace(conf, "smtpserver.xml", "<delay>5 minutes</delay>", "<delay>3 seconds</delay>");
            // Listed in one zone: not enough to refuse (two needed), enough to greylist.
            ConfigurationFiles.replace(conf, "smtpserver.xml", "<cacheSeconds>300</cacheSeconds>",
                "<cacheSeconds>300</cacheSeconds>\n                <rejectWeight>2</rejectWeight>\n                <checkLoopback>true</checkLoopback>");
            ConfigurationFiles.replace(conf, "smtpserver.xml", "<dnsblWeight>1</dnsblWeight>",
                "<dnsblWeight>1</dnsblWeight>\n                <allowList>127.0.0.21/32</allowList>");
        })
        .build();

    private SmtpClient.Reply rcptFrom(String clientAddress, String sender) throws Exception {
        try (SmtpClient client = SmtpClient.connect(clientAddress, server.ports().mx())) {
            client.ehlo("mail.example.org");
            assertThat(client.mailFrom(sender).code()).isEqualTo(250);
            return client.rcptTo(RECIPIENT);
        }
    }

    @Test
    void unknownClientIsDeferredOnceAndItsRetryRemembered() throws Exception {
        SmtpClient.Reply first = rcptFrom("127.0.0.20", "someone@example.org");
        assertThat(first.code()).as(first.toString()).isEqualTo(451);
        assertThat(first.enhancedStatus()).isEqualTo("4.7.1");
        assertThat(first.text()).contains("Greylisted");

        assertThat(rcptFrom("127.0.0.20", "someone@example.org").code()).as("retry before the delay").isEqualTo(451);
        Thread.sleep(3500);
        assertThat(rcptFrom("127.0.0.20", "someone@example.org").code()).as("retry after the delay").isEqualTo(250);
        assertThat(rcptFrom("127.0.0.20", "someone@example.org").code()).as("allowed triplet").isEqualTo(250);
        assertThat(rcptFrom("127.0.0.20", "other@example.org").code()).as("another triplet").isEqualTo(451);

        assertThat(rcptFrom("127.0.0.2", "someone@example.org").code()).as("forward-confirmed reverse DNS").isEqualTo(250);
        assertThat(rcptFrom("127.0.0.21", "someone@example.org").code()).as("allow-listed network, no reverse DNS").isEqualTo(250);
        server.dns().addZone("zen.spamhaus.org.", "7.0.0.127.zen.spamhaus.org. IN A 127.0.0.2");
        SmtpClient.Reply listed = rcptFrom("127.0.0.7", "listed@example.org");
        assertThat(listed.code()).as("reverse DNS but listed in one DNSBL: " + listed).isEqualTo(451);
        assertThat(listed.text()).contains("Greylisted");
        assertThat(server.request("GET", "/metrics", null).body()).contains("helpdesk_greylisted");

        server.stop();
        server.start();
        assertThat(rcptFrom("127.0.0.20", "someone@example.org").code()).as("remembered across a restart").isEqualTo(250);
    }
}
