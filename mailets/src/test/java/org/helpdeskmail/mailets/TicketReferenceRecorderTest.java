package org.helpdeskmail.mailets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Properties;

import javax.mail.Session;
import javax.mail.internet.MimeMessage;

import org.apache.james.core.MailAddress;
import org.apache.james.server.core.MimeMessageWrapper;
import org.apache.mailet.Mail;
import org.apache.mailet.base.test.FakeMail;
import org.apache.mailet.base.test.FakeMailContext;
import org.apache.mailet.base.test.FakeMailetConfig;
import org.helpdeskmail.clients.JdbcTicketThreads;
import org.helpdeskmail.clients.TicketThreads;
import org.helpdeskmail.testing.ManualClock;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.helpdeskmail.testing.EmbeddedDerby;

/** With the real ticket store on an embedded Derby database. */
class TicketReferenceRecorderTest {
    private final ManualClock clock = new ManualClock();

    @TempDir
    Path directory;
    private EmbeddedDerby derby;
    private TicketThreads threads;
    private FakeMailContext context;

    @BeforeEach
    void openDatabase() throws Exception {
        derby = new EmbeddedDerby(directory);
        threads = new JdbcTicketThreads(derby.dataSource());
        context = FakeMailContext.builder().postmaster(new MailAddress("postmaster@helpdesk.example")).build();
    }

    @AfterEach
    void closeDatabase() throws Exception {
        derby.close();
    }

    private TicketReferenceRecorder recorder(String... parameters) throws Exception {
        TicketReferenceRecorder recorder = new TicketReferenceRecorder(threads, clock);
        FakeMailetConfig.Builder config = FakeMailetConfig.builder().mailetName("ticket-recorder").mailetContext(context);
        for (int i = 0; i < parameters.length; i += 2) {
            config.setProperty(parameters[i], parameters[i + 1]);
        }
        recorder.init(config.build());
        return recorder;
    }

    /** Parsed as James keeps a message in the spool (a MimeMessageWrapper), headers exactly as written. */
    private static Mail mail(String... headers) throws Exception {
        String text = String.join("\r\n", headers) + "\r\nFrom: app@notify.example\r\nTo: customer@example.org\r\n"
            + "Subject: Your ticket was updated\r\n\r\nHello.\r\n";
        MimeMessage parsed = new MimeMessage(Session.getInstance(new Properties()),
            new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8)));
        return FakeMail.builder().name("notification").sender("app@notify.example").recipient("customer@example.org")
            .mimeMessage(new MimeMessageWrapper(parsed)).state("outbound").build();
    }

    @Test
    void messageIdOfAMessageWithATicketIsRemembered() throws Exception {
        Mail mail = mail("X-Helpdesk-Ticket: T-1234", "Message-ID: <notification-1@notify.example>");

        recorder().service(mail);

        assertThat(threads.ticketFor(List.of("<notification-1@notify.example>"))).contains("T-1234");
        assertThat(mail.getMessage().getHeader("X-Helpdesk-Ticket")).as("removed later, by RemoveMimeHeaderByPrefix")
            .containsExactly("T-1234");
        assertThat(mail.getState()).isEqualTo("outbound");
    }

    @Test
    void messageWithoutMessageIdGetsOneInThePostmastersDomainThatIsRemembered() throws Exception {
        Mail mail = mail("X-Helpdesk-Ticket: T-1234");

        recorder().service(mail);

        String messageId = mail.getMessage().getMessageID();
        assertThat(messageId).matches("<[0-9a-f-]{36}@helpdesk\\.example>");
        assertThat(threads.ticketFor(List.of(messageId))).contains("T-1234");
    }

    @Test
    void messageIdDomainCanBeConfigured() throws Exception {
        Mail first = mail("X-Helpdesk-Ticket: T-1");
        Mail second = mail("X-Helpdesk-Ticket: T-2");
        TicketReferenceRecorder recorder = recorder("messageIdDomain", "mail.notify.example");

        recorder.service(first);
        recorder.service(second);

        assertThat(first.getMessage().getMessageID()).endsWith("@mail.notify.example>")
            .isNotEqualTo(second.getMessage().getMessageID());
        assertThat(threads.ticketFor(List.of(second.getMessage().getMessageID()))).contains("T-2");
    }

    @Test
    void foldedAndEncodedReferenceIsReadAsTheAppWroteIt() throws Exception {
        Mail mail = mail("X-Helpdesk-Ticket: =?UTF-8?Q?T-12=C3=A9?=\r\n ", "Message-ID: <n@notify.example>");

        recorder().service(mail);

        assertThat(threads.ticketFor(List.of("<n@notify.example>"))).contains("T-12\u00e9");
    }

    @Test
    void messageWithoutTicketIsLeftAsItIs() throws Exception {
        Mail mail = mail("X-Other: 1");

        recorder().service(mail);

        assertThat(mail.getMessage().getMessageID()).isNull();
    }

    @Test
    void otherHeaderCanCarryTheReference() throws Exception {
        Mail mail = mail("X-Ticket-Ref: T-55", "X-Helpdesk-Ticket: T-not-this", "Message-ID: <n@notify.example>");

        recorder("header", "X-Ticket-Ref").service(mail);

        assertThat(threads.ticketFor(List.of("<n@notify.example>"))).contains("T-55");
    }

    @Test
    void whatIsOlderThanForgetAfterIsForgottenAtStartAndThenDaily() throws Exception {
        threads.remember("<old@notify.example>", "T-old", clock.instant().minus(Duration.ofDays(31)));
        threads.remember("<recent@notify.example>", "T-recent", clock.instant().minus(Duration.ofDays(29).plusHours(18)));

        TicketReferenceRecorder recorder = recorder("forgetAfter", "30 days");

        assertThat(threads.ticketFor(List.of("<old@notify.example>"))).isEmpty();
        assertThat(threads.ticketFor(List.of("<recent@notify.example>"))).contains("T-recent");

        // Now 30 days older than "recent", but the next round is only due a day after the first.
        clock.advance(Duration.ofHours(12));
        recorder.service(mail("X-Other: 1"));
        assertThat(threads.ticketFor(List.of("<recent@notify.example>"))).contains("T-recent");

        clock.advance(TicketReferenceRecorder.FORGET_INTERVAL.minusHours(12));
        recorder.service(mail("X-Other: 1"));
        assertThat(threads.ticketFor(List.of("<recent@notify.example>"))).isEmpty();
    }

    @Test
    void storeFailureLetsTheMessageGoOn() throws Exception {
        TicketReferenceRecorder recorder = recorder();
        try (Connection connection = derby.dataSource().getConnection(); Statement statement = connection.createStatement()) {
            statement.executeUpdate("DROP TABLE " + JdbcTicketThreads.TABLE);
        }
        Mail mail = mail("X-Helpdesk-Ticket: T-1234", "Message-ID: <n@notify.example>");

        assertThatCode(() -> recorder.service(mail)).doesNotThrowAnyException();

        assertThat(mail.getState()).isEqualTo("outbound");
    }

    @Test
    void badParametersAreNamed() {
        assertThatThrownBy(() -> recorder("header", "X Ticket:")).hasMessageContaining("<header>");
        assertThatThrownBy(() -> recorder("forgetAfter", "forever")).hasMessageContaining("<forgetAfter>");
        assertThatThrownBy(() -> recorder("forgetAfter", "0 days")).hasMessageContaining("<forgetAfter>");
        assertThatThrownBy(() -> recorder("messageIdDomain", "not a domain!")).hasMessageContaining("<messageIdDomain>");
    }
}
