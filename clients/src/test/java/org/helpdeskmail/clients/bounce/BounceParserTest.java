package org.helpdeskmail.clients.bounce;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Optional;

import org.helpdeskmail.clients.bounce.BounceReport.Kind;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class BounceParserTest {
    private final BounceParser parser = new BounceParser();

    @Test
    void rfc3464SingleRecipient() {
        BounceReport report = parse("rfc3464-single.eml");

        assertThat(report.kind()).isEqualTo(Kind.DSN);
        assertThat(report.format()).isEqualTo("rfc3464");
        assertThat(report.originalMessageId()).contains("<ticket-4711.1710234900.8f3a@helpdesk.example>");
        assertThat(report.originalEnvelopeSender()).contains("bounces+Ab3dE9fQ.1x2y3z@bounce.helpdesk.example");
        assertThat(report.recipients()).singleElement().satisfies(recipient -> {
            assertThat(recipient.address()).isEqualTo("nobody@example.net");
            assertThat(recipient.enhancedStatus()).contains("5.1.1");
            assertThat(recipient.smtpCode()).contains(550);
            assertThat(recipient.diagnostic()).isEqualTo("550 5.1.1 <nobody@example.net>... User unknown");
            assertThat(recipient.remoteMta()).contains("mx.example.net");
            assertThat(recipient.feedbackType()).isEmpty();
            assertThat(recipient.classification()).isEqualTo(Classification.HARD);
        });
    }

    @Test
    void rfc3464WithFailedDelayedAndFullMailboxEntries() {
        BounceReport report = parse("rfc3464-multi.eml");

        assertThat(report.kind()).isEqualTo(Kind.DSN);
        assertThat(report.format()).isEqualTo("rfc3464");
        assertThat(report.originalMessageId()).contains("<ticket-4802.1710331363.c0ffee@helpdesk.example>");
        assertThat(report.originalEnvelopeSender()).contains("bounces+Zz91kQ.8m@bounce.helpdesk.example");
        assertThat(report.recipients()).extracting(BouncedRecipient::address, BouncedRecipient::enhancedStatus, BouncedRecipient::smtpCode,
                BouncedRecipient::classification)
            .containsExactly(
                // Original-Recipient is the address we sent to; the forwarding target is only in Final-Recipient.
                tuple("alice@example.com", Optional.of("5.1.1"), Optional.of(550), Classification.HARD),
                tuple("bob@example.com", Optional.of("4.4.1"), Optional.of(421), Classification.DELAYED),
                // Status 5.0.0 says less than the reply's 5.2.2: mailbox full is soft.
                tuple("carol@example.com", Optional.of("5.2.2"), Optional.of(552), Classification.SOFT));
        assertThat(report.recipients().get(0).diagnostic())
            .isEqualTo("550 5.1.1 <alice.smith@mailhost.example.com>: Recipient address rejected: User unknown in local recipient table");
        assertThat(report.failures()).extracting(BouncedRecipient::address).containsExactly("alice@example.com", "carol@example.com");
    }

    @Test
    void office365NdrWithDeliveryStatus() {
        BounceReport report = parse("exchange-dsn.eml");

        assertThat(report.kind()).isEqualTo(Kind.DSN);
        assertThat(report.format()).isEqualTo("exchange");
        assertThat(report.originalMessageId()).contains("<ticket-4900.1710403270.beef@helpdesk.example>");
        assertThat(report.originalEnvelopeSender()).contains("bounces+Qm4tR2.77@bounce.helpdesk.example");
        assertThat(report.recipients()).singleElement().satisfies(recipient -> {
            assertThat(recipient.address()).isEqualTo("j.doe@contoso.com");
            assertThat(recipient.enhancedStatus()).contains("5.1.10");
            assertThat(recipient.smtpCode()).contains(550);
            assertThat(recipient.diagnostic()).contains("RESOLVER.ADR.RecipientNotFound");
            assertThat(recipient.remoteMta()).isEmpty();
            assertThat(recipient.classification()).isEqualTo(Classification.HARD);
        });
    }

    @Test
    void exchangeTextOnlyNdr() {
        BounceReport report = parse("exchange-text.eml");

        assertThat(report.kind()).isEqualTo(Kind.NON_STANDARD);
        assertThat(report.format()).isEqualTo("exchange");
        assertThat(report.originalMessageId()).contains("<ticket-5012.1710501640.a11ce@helpdesk.example>");
        assertThat(report.originalEnvelopeSender()).contains("bounces+Lk29xW.31@bounce.helpdesk.example");
        assertThat(report.recipients()).extracting(BouncedRecipient::address, BouncedRecipient::enhancedStatus, BouncedRecipient::smtpCode,
                BouncedRecipient::classification)
            .containsExactly(
                tuple("m.mueller@fabrikam.com", Optional.of("5.1.1"), Optional.of(550), Classification.HARD),
                tuple("k.schmidt@fabrikam.com", Optional.of("5.2.2"), Optional.of(554), Classification.SOFT));
        assertThat(report.recipients().get(0).diagnostic()).isEqualTo("550 5.1.1 RESOLVER.ADR.RecipNotFound; not found");
    }

    @Test
    void gmailWithDeliveryStatus() {
        BounceReport report = parse("gmail-dsn.eml");

        assertThat(report.kind()).isEqualTo(Kind.DSN);
        assertThat(report.format()).isEqualTo("gmail");
        assertThat(report.originalMessageId()).contains("<ticket-5100.1710598350.d00d@helpdesk.example>");
        assertThat(report.originalEnvelopeSender()).contains("bounces+Gm7pX1.05@bounce.helpdesk.example");
        assertThat(report.recipients()).singleElement().satisfies(recipient -> {
            assertThat(recipient.address()).isEqualTo("no.such.person@gmail.com");
            assertThat(recipient.enhancedStatus()).contains("5.1.1");
            assertThat(recipient.smtpCode()).contains(550);
            assertThat(recipient.diagnostic()).startsWith("550-5.1.1 The email account that you tried to reach does not exist.");
            assertThat(recipient.remoteMta()).contains("gmail-smtp-in.l.google.com");
            assertThat(recipient.classification()).isEqualTo(Classification.HARD);
        });
    }

    @Test
    void gmailTextNotice() {
        BounceReport report = parse("gmail-text.eml");

        assertThat(report.kind()).isEqualTo(Kind.NON_STANDARD);
        assertThat(report.format()).isEqualTo("gmail");
        assertThat(report.originalMessageId()).contains("<ticket-5150.1710757209.f00d@helpdesk.example>");
        assertThat(report.originalEnvelopeSender()).contains("bounces+Gt44aa.9@bounce.helpdesk.example");
        assertThat(report.recipients()).singleElement().satisfies(recipient -> {
            assertThat(recipient.address()).isEqualTo("someone@example.org");
            assertThat(recipient.enhancedStatus()).contains("5.1.1");
            assertThat(recipient.smtpCode()).contains(550);
            assertThat(recipient.diagnostic())
                .isEqualTo("550 5.1.1 <someone@example.org>: Recipient address rejected: User unknown in local recipient table");
            assertThat(recipient.remoteMta()).contains("mx.example.org");
            assertThat(recipient.classification()).isEqualTo(Classification.HARD);
        });
    }

    @Test
    void yahooNotice() {
        BounceReport report = parse("yahoo.eml");

        assertThat(report.kind()).isEqualTo(Kind.NON_STANDARD);
        assertThat(report.format()).isEqualTo("yahoo");
        assertThat(report.originalMessageId()).contains("<ticket-5201.1710856975.cafe@helpdesk.example>");
        assertThat(report.originalEnvelopeSender()).contains("bounces+Yh0oo.12@bounce.helpdesk.example");
        assertThat(report.recipients()).singleElement().satisfies(recipient -> {
            assertThat(recipient.address()).isEqualTo("gone.away@yahoo.com");
            assertThat(recipient.enhancedStatus()).isEmpty();
            assertThat(recipient.smtpCode()).contains(554);
            assertThat(recipient.diagnostic()).startsWith("554: delivery error: dd This user doesn't have a yahoo.com account");
            // No status code: the text says the account does not exist.
            assertThat(recipient.classification()).isEqualTo(Classification.HARD);
        });
    }

    @Test
    void postfixWithDeliveryStatus() {
        BounceReport report = parse("postfix-dsn.eml");

        assertThat(report.kind()).isEqualTo(Kind.DSN);
        assertThat(report.format()).isEqualTo("postfix");
        assertThat(report.originalMessageId()).contains("<ticket-5300.1710927002.babe@helpdesk.example>");
        assertThat(report.originalEnvelopeSender()).contains("bounces+Pf8sQ.40@bounce.helpdesk.example");
        assertThat(report.recipients()).singleElement().satisfies(recipient -> {
            assertThat(recipient.address()).isEqualTo("sales@example.org");
            assertThat(recipient.enhancedStatus()).contains("5.1.1");
            assertThat(recipient.smtpCode()).contains(550);
            assertThat(recipient.diagnostic())
                .isEqualTo("550 5.1.1 <info@shop.example.org>: Recipient address rejected: User unknown in virtual mailbox table");
            assertThat(recipient.remoteMta()).contains("mx.shop.example.org");
            assertThat(recipient.classification()).isEqualTo(Classification.HARD);
        });
    }

    @Test
    void postfixWithoutDeliveryStatus() {
        BounceReport report = parse("postfix-text.eml");

        assertThat(report.kind()).isEqualTo(Kind.NON_STANDARD);
        assertThat(report.format()).isEqualTo("postfix");
        assertThat(report.originalMessageId()).contains("<ticket-5333.1711043107.d1ce@helpdesk.example>");
        assertThat(report.originalEnvelopeSender()).contains("bounces+Pt2Lm.6@bounce.helpdesk.example");
        assertThat(report.recipients()).extracting(BouncedRecipient::address, BouncedRecipient::enhancedStatus, BouncedRecipient::smtpCode,
                BouncedRecipient::remoteMta, BouncedRecipient::classification)
            .containsExactly(
                tuple("dave@example.com", Optional.of("5.1.1"), Optional.of(550), Optional.of("mx.example.com"), Classification.HARD),
                tuple("erin@example.com", Optional.of("5.2.2"), Optional.of(552), Optional.of("mx.example.com"), Classification.SOFT));
        assertThat(report.recipients().get(1).diagnostic())
            .isEqualTo("host mx.example.com[192.0.2.90] said: 552 5.2.2 <erin@example.com>: Mailbox full (in reply to RCPT TO command)");
    }

    @Test
    void eximNotice() {
        BounceReport report = parse("exim.eml");

        assertThat(report.kind()).isEqualTo(Kind.NON_STANDARD);
        assertThat(report.format()).isEqualTo("exim");
        assertThat(report.originalMessageId()).contains("<ticket-5400.1711094731.5eed@helpdesk.example>");
        assertThat(report.originalEnvelopeSender()).contains("bounces+Ex5mM.3@bounce.helpdesk.example");
        assertThat(report.recipients()).singleElement().satisfies(recipient -> {
            assertThat(recipient.address()).isEqualTo("tom@example.net");
            assertThat(recipient.enhancedStatus()).contains("5.1.1");
            assertThat(recipient.smtpCode()).contains(550);
            assertThat(recipient.diagnostic()).endsWith("550 5.1.1 <tom@example.net>: Recipient address rejected: User unknown in virtual alias table");
            assertThat(recipient.remoteMta()).contains("mx1.example.net");
            assertThat(recipient.classification()).isEqualTo(Classification.HARD);
        });
    }

    @Test
    void qmailNotice() {
        BounceReport report = parse("qmail.eml");

        assertThat(report.kind()).isEqualTo(Kind.NON_STANDARD);
        assertThat(report.format()).isEqualTo("qmail");
        assertThat(report.originalMessageId()).contains("<ticket-5500.1711195239.face@helpdesk.example>");
        assertThat(report.originalEnvelopeSender()).contains("bounces+Qm1lX.88@bounce.helpdesk.example");
        assertThat(report.recipients()).extracting(BouncedRecipient::address, BouncedRecipient::enhancedStatus, BouncedRecipient::smtpCode,
                BouncedRecipient::remoteMta, BouncedRecipient::classification)
            .containsExactly(
                tuple("frank@example.com", Optional.of("5.1.1"), Optional.empty(), Optional.empty(), Classification.HARD),
                tuple("grace@remote.example.net", Optional.of("5.1.1"), Optional.of(550), Optional.of("192.0.2.150"), Classification.HARD),
                tuple("heidi@example.com", Optional.of("5.2.2"), Optional.empty(), Optional.empty(), Classification.SOFT));
        assertThat(report.recipients().get(0).diagnostic()).isEqualTo("Sorry, no mailbox here by that name. (#5.1.1)");
    }

    @Test
    void arfAbuseComplaint() {
        BounceReport report = parse("arf-abuse.eml");

        assertThat(report.kind()).isEqualTo(Kind.COMPLAINT);
        assertThat(report.format()).isEqualTo("arf");
        assertThat(report.originalMessageId()).contains("<ticket-5600.1711306539.abba@helpdesk.example>");
        assertThat(report.originalEnvelopeSender()).contains("bounces+Fb1aB.2@bounce.helpdesk.example");
        assertThat(report.recipients()).singleElement().satisfies(recipient -> {
            assertThat(recipient.address()).isEqualTo("pat@example-isp.net");
            assertThat(recipient.feedbackType()).contains("abuse");
            assertThat(recipient.enhancedStatus()).isEmpty();
            assertThat(recipient.smtpCode()).isEmpty();
            assertThat(recipient.diagnostic()).startsWith("This is an email abuse report");
            assertThat(recipient.classification()).isEqualTo(Classification.COMPLAINT);
        });
        assertThat(report.failures()).hasSize(1);
    }

    @Test
    void arfComplaintWithoutRecipientFieldNamesTheReportedMessagesRecipient() {
        BounceReport report = parse("arf-headers-only.eml");

        assertThat(report.kind()).isEqualTo(Kind.COMPLAINT);
        assertThat(report.format()).isEqualTo("arf");
        assertThat(report.originalMessageId()).contains("<ticket-5650.1711346566.0ddba11@helpdesk.example>");
        assertThat(report.originalEnvelopeSender()).contains("bounces+Fb9zZ.7@bounce.helpdesk.example");
        assertThat(report.recipients()).singleElement().satisfies(recipient -> {
            assertThat(recipient.address()).isEqualTo("quinn@mailprovider.example");
            assertThat(recipient.feedbackType()).contains("fraud");
            assertThat(recipient.classification()).isEqualTo(Classification.COMPLAINT);
        });
    }

    @ParameterizedTest
    @ValueSource(strings = {"out-of-office.eml", "reply-quoting-undeliverable.eml", "read-receipt.eml", "arf-auth-failure.eml", "garbage.eml"})
    void notABounce(String sample) throws IOException {
        try (InputStream message = resource(sample)) {
            assertThat(parser.parse(message)).isEmpty();
        }
    }

    @Test
    void emptyInputIsNotABounce() throws IOException {
        assertThat(parser.parse(new ByteArrayInputStream(new byte[0]))).isEmpty();
    }

    private BounceReport parse(String sample) {
        try (InputStream message = resource(sample)) {
            return parser.parse(message).orElseThrow(() -> new AssertionError(sample + " was not recognised as a bounce"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static InputStream resource(String sample) {
        InputStream stream = BounceParserTest.class.getResourceAsStream("/bounces/" + sample);
        if (stream == null) {
            throw new IllegalArgumentException("no sample " + sample);
        }
        return stream;
    }

    static byte[] bytes(String sample) {
        try (InputStream stream = resource(sample)) {
            return stream.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static String text(String sample) {
        return new String(bytes(sample), StandardCharsets.UTF_8);
    }
}
