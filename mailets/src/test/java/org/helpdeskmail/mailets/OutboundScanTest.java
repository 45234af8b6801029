package org.helpdeskmail.mailets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Properties;

import javax.mail.Session;
import javax.mail.internet.MimeMessage;

import org.apache.james.core.builder.MimeMessageBuilder;
import org.apache.mailet.Mail;
import org.apache.mailet.base.GenericMailet;
import org.apache.mailet.base.test.FakeMail;
import org.apache.mailet.base.test.FakeMailContext;
import org.apache.mailet.base.test.FakeMailetConfig;
import org.helpdeskmail.clients.HelpdeskSettings;
import org.helpdeskmail.clients.MailAttributes;
import org.helpdeskmail.testing.clamav.ClamdDaemon;
import org.helpdeskmail.testing.rspamd.RspamdDaemon;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The outbound scanning mailets against the real clamd and rspamd. */
class OutboundScanTest {
    private static ClamdDaemon clamd;
    private static RspamdDaemon rspamd;

    @BeforeAll
    static void startDaemons() throws Exception {
        clamd = ClamdDaemon.start();
        rspamd = RspamdDaemon.start();
    }

    @AfterAll
    static void stopDaemons() {
        clamd.close();
        rspamd.close();
    }

    private static HelpdeskSettings settings(Optional<String> clamdAddress, Optional<URI> rspamdUrl) {
        return new HelpdeskSettings(List.of("helpdesk.example"), URI.create("http://127.0.0.1:9/inbound"), Optional.of("unit-test-secret-value"),
            Optional.empty(), rspamdUrl, clamdAddress, Optional.empty(), Duration.ofMinutes(5));
    }

    private static Mail outbound(MimeMessage message) throws Exception {
        return FakeMail.builder().name("out1").sender("app@notify.example").recipient("customer@customer.test")
            .mimeMessage(message).state("outbound").build();
    }

    private static <T extends GenericMailet> T init(T mailet, String... parameters) throws Exception {
        FakeMailetConfig.Builder config = FakeMailetConfig.builder().mailetName("scan").mailetContext(FakeMailContext.defaultContext());
        for (int i = 0; i < parameters.length; i += 2) {
            config.setProperty(parameters[i], parameters[i + 1]);
        }
        mailet.init(config.build());
        return mailet;
    }

    @Test
    void infectedOutboundMailGoesToTheVirusProcessor() throws Exception {
        ClamAvScan scan = init(new ClamAvScan(settings(Optional.of(clamd.address()), Optional.empty())), "virusProcessor", "outbound-virus");
        Mail infected = outbound(MimeMessageBuilder.mimeMessageBuilder().setMultipartWithBodyParts(
            MimeMessageBuilder.bodyPartBuilder().data("see attached"),
            MimeMessageBuilder.bodyPartBuilder().data(ClamdDaemon.eicar()).filename("eicar.com")
                .addHeader("Content-Type", "application/octet-stream")).build());
        Mail clean = outbound(MimeMessageBuilder.mimeMessageBuilder().setText("Your ticket was updated.").build());

        scan.service(infected);
        scan.service(clean);

        assertThat(infected.getState()).isEqualTo("outbound-virus");
        assertThat(infected.getAttribute(MailAttributes.VIRUS).orElseThrow().getValue().value().toString()).contains("infected");
        assertThat(clean.getState()).isEqualTo("outbound");
        assertThat(clean.getAttribute(MailAttributes.VIRUS).orElseThrow().getValue().value().toString()).contains("clean");
    }

    @Test
    void outboundSpamGoesToTheSpamProcessor() throws Exception {
        RspamdScan scan = init(new RspamdScan(settings(Optional.empty(), Optional.of(rspamd.url()))), "spamProcessor", "outbound-spam");
        Mail spam = outbound(new MimeMessage(Session.getDefaultInstance(new Properties()), new ByteArrayInputStream(
            ("From: app@notify.example\r\nTo: customer@customer.test\r\nSubject: offer\r\n\r\n" + RspamdDaemon.GTUBE + "\r\n")
                .getBytes(StandardCharsets.US_ASCII))));
        Mail ham = outbound(MimeMessageBuilder.mimeMessageBuilder().setSubject("ticket").setText("Your ticket was updated.").build());

        scan.service(spam);
        scan.service(ham);

        assertThat(spam.getState()).isEqualTo("outbound-spam");
        assertThat(ham.getState()).isEqualTo("outbound");
        assertThat(ham.getAttribute(MailAttributes.SPAM).orElseThrow().getValue().value().toString()).contains("\"action\"");
    }

    @Test
    void withoutScannerConfiguredNothingHappensAndParametersAreNamed() throws Exception {
        ClamAvScan scan = init(new ClamAvScan(settings(Optional.empty(), Optional.empty())), "virusProcessor", "outbound-virus");
        Mail mail = outbound(MimeMessageBuilder.mimeMessageBuilder().setText("x").build());
        scan.service(mail);
        assertThat(mail.getState()).isEqualTo("outbound");
        assertThat(mail.getAttribute(MailAttributes.VIRUS)).isEmpty();

        assertThatThrownBy(() -> init(new ClamAvScan(settings(Optional.empty(), Optional.empty())))).hasMessageContaining("<virusProcessor>");
        assertThatThrownBy(() -> init(new RspamdScan(settings(Optional.empty(), Optional.empty())), "spamProcessor", "x", "timeout", "soon"))
            .hasMessageContaining("<timeout>");
    }
}
