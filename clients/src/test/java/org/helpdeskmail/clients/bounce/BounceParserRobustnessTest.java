package org.helpdeskmail.clients.bounce;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.SequenceInputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Optional;

import org.helpdeskmail.clients.bounce.BounceReport.Kind;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import com.google.common.io.CountingInputStream;

/** Broken, truncated, huge and unusual input, and the warning notices. */
class BounceParserRobustnessTest {
    private final BounceParser parser = new BounceParser();

    @Test
    void aHugeReturnedMessageIsNotReadToItsEnd() throws IOException {
        String sample = BounceParserTest.text("postfix-dsn.eml");
        String head = sample.substring(0, sample.indexOf("Please find our quote below."));
        long hugeBodyLength = 200L * 1024 * 1024;
        CountingInputStream input = new CountingInputStream(new SequenceInputStream(
            new ByteArrayInputStream(head.getBytes(StandardCharsets.UTF_8)), new RepeatingInputStream(hugeBodyLength)));

        Optional<BounceReport> report = parser.parse(input);

        assertThat(report).hasValueSatisfying(bounce -> {
            assertThat(bounce.originalMessageId()).contains("<ticket-5300.1710927002.babe@helpdesk.example>");
            assertThat(bounce.recipients()).extracting(BouncedRecipient::address).containsExactly("sales@example.org");
        });
        assertThat(input.getCount()).isLessThanOrEqualTo(BounceMessageReader.MAX_MESSAGE_BYTES);
    }

    @Test
    void aHugeNoticeIsScannedOnlyInPart() throws IOException {
        String notice = "This is the mail system at host mail.example.org.\n\n<a@example.com>: host mx.example.com[192.0.2.1] said: 550 5.1.1"
            + " unknown user (in reply to RCPT TO command)\n\n" + "padding line\n".repeat(100_000);
        String message = "From: MAILER-DAEMON@mail.example.org (Mail Delivery System)\nSubject: Undelivered Mail Returned to Sender\n"
            + "Content-Type: text/plain\n\n" + notice;

        Optional<BounceReport> report = parse(message);

        assertThat(report).hasValueSatisfying(bounce -> assertThat(bounce.recipients())
            .extracting(BouncedRecipient::address, BouncedRecipient::classification)
            .containsExactly(tuple("a@example.com", Classification.HARD)));
    }

    @Test
    void aTruncatedDeliveryStatusStillGivesItsRecipient() throws IOException {
        String sample = BounceParserTest.text("exchange-dsn.eml");
        String truncated = sample.substring(0, sample.indexOf("Status: 5.1.10") + "Status: 5.1.10".length());

        Optional<BounceReport> report = parse(truncated);

        assertThat(report).hasValueSatisfying(bounce -> {
            assertThat(bounce.kind()).isEqualTo(Kind.DSN);
            // The attached original is cut off; the notice's "Original Message Headers" still name it.
            assertThat(bounce.originalMessageId()).contains("<ticket-4900.1710403270.beef@helpdesk.example>");
            assertThat(bounce.recipients()).extracting(BouncedRecipient::address, BouncedRecipient::enhancedStatus, BouncedRecipient::classification)
                .containsExactly(tuple("j.doe@contoso.com", Optional.of("5.1.10"), Classification.HARD));
        });
    }

    @ParameterizedTest
    @ValueSource(strings = {"rfc3464-multi.eml", "exim.eml", "qmail.eml", "exchange-text.eml"})
    void lineEndingsDoNotMatter(String sample) throws IOException {
        String text = BounceParserTest.text(sample);

        Optional<BounceReport> withLineFeeds = parse(text);
        Optional<BounceReport> withCrLf = parse(text.replace("\n", "\r\n"));

        assertThat(withLineFeeds).isPresent();
        assertThat(withCrLf).isEqualTo(withLineFeeds);
    }

    @Test
    void aMessageCutInItsHeaderIsNotABounce() throws IOException {
        byte[] sample = BounceParserTest.bytes("rfc3464-single.eml");

        assertThat(parser.parse(new ByteArrayInputStream(Arrays.copyOf(sample, 200)))).isEmpty();
    }

    @Test
    void anUnknownCharsetAndInvalidBytesDoNotStopTheParser() throws IOException {
        byte[] message = ("From: MAILER-DAEMON@mail.example.com\nSubject: failure notice\n"
            + "Content-Type: text/plain; charset=\"x-no-such-charset\"\nContent-Transfer-Encoding: 8bit\n\n"
            + "Hi. This is the qmail-send program at mail.example.com.\n\n<r\u00e9mi@example.com>:\n"
            + "Sorry, no mailbox here by that name. (#5.1.1) \u00ff\u00fe\n").getBytes(StandardCharsets.ISO_8859_1);

        Optional<BounceReport> report = parser.parse(new ByteArrayInputStream(message));

        assertThat(report).hasValueSatisfying(bounce -> assertThat(bounce.recipients())
            .extracting(BouncedRecipient::address, BouncedRecipient::classification)
            .containsExactly(tuple("r\u00e9mi@example.com", Classification.HARD)));
    }

    @Test
    void gmailNamesTheOriginalInItsDeliveryStatusWhenTheCopyIsMissing() throws IOException {
        String sample = BounceParserTest.text("gmail-dsn.eml");
        String withoutCopy = sample.substring(0, sample.indexOf("Content-Type: message/rfc822")) + "\n";

        Optional<BounceReport> report = parse(withoutCopy);

        assertThat(report).hasValueSatisfying(bounce -> {
            assertThat(bounce.originalMessageId()).contains("<ticket-5100.1710598350.d00d@helpdesk.example>");
            assertThat(bounce.originalEnvelopeSender()).isEmpty();
        });
    }

    @Test
    void aDeliveryStatusWithoutRecipientFieldsFallsBackToTheNotice() throws IOException {
        String sample = BounceParserTest.text("postfix-dsn.eml");
        String start = sample.substring(0, sample.indexOf("Final-Recipient:"));
        String withoutRecipients = start + sample.substring(sample.indexOf("--4TzXJx1hQbz9sRt.1710927005/mail.example.org\nContent-Description: Undelivered"));

        Optional<BounceReport> report = parse(withoutRecipients);

        assertThat(report).hasValueSatisfying(bounce -> {
            assertThat(bounce.kind()).isEqualTo(Kind.NON_STANDARD);
            assertThat(bounce.format()).isEqualTo("postfix");
            // The notice names the alias we sent to as "expanded from".
            assertThat(bounce.recipients()).extracting(BouncedRecipient::address, BouncedRecipient::remoteMta, BouncedRecipient::classification)
                .containsExactly(tuple("sales@example.org", Optional.of("mx.shop.example.org"), Classification.HARD));
        });
    }

    @Test
    void aSuccessNotificationHasNoFailures() throws IOException {
        String message = """
            From: Mail Delivery System <MAILER-DAEMON@mail.example.org>
            Subject: Successful Mail Delivery Report
            Content-Type: multipart/report; report-type=delivery-status; boundary="b"

            --b
            Content-Type: text/plain

            Your message was successfully delivered to the destination(s) listed below.

            --b
            Content-Type: message/delivery-status

            Reporting-MTA: dns; mail.example.org

            Final-Recipient: rfc822; a@example.com
            Action: delivered
            Status: 2.0.0
            Diagnostic-Code: smtp; 250 2.0.0 Ok: queued as 4TzXJ
            --b--
            """;

        Optional<BounceReport> report = parse(message);

        assertThat(report).hasValueSatisfying(bounce -> {
            assertThat(bounce.recipients()).extracting(BouncedRecipient::address, BouncedRecipient::classification)
                .containsExactly(tuple("a@example.com", Classification.DELIVERED));
            assertThat(bounce.failures()).isEmpty();
        });
    }

    @Test
    void postfixDelayWarningIsDelayed() throws IOException {
        String message = """
            From: MAILER-DAEMON@mail.example.org (Mail Delivery System)
            Subject: Delayed Mail (still being retried)
            Content-Type: text/plain; charset=us-ascii

            This is the mail system at host mail.example.org.

            ####################################################################
            # THIS IS A WARNING ONLY.  YOU DO NOT NEED TO RESEND YOUR MESSAGE. #
            ####################################################################

            Your message could not be delivered for more than 4 hour(s).
            It will be retried until it is 5 day(s) old.

                               The mail system

            <slow@example.com>: host mx.example.com[192.0.2.5] said: 452 4.2.2
                Mailbox full (in reply to RCPT TO command)
            """;

        Optional<BounceReport> report = parse(message);

        assertThat(report).hasValueSatisfying(bounce -> {
            assertThat(bounce.recipients()).extracting(BouncedRecipient::address, BouncedRecipient::enhancedStatus, BouncedRecipient::classification)
                .containsExactly(tuple("slow@example.com", Optional.of("4.2.2"), Classification.DELAYED));
            assertThat(bounce.failures()).isEmpty();
        });
    }

    @Test
    void eximDelayWarningIsDelayed() throws IOException {
        String message = """
            From: Mail Delivery System <Mailer-Daemon@mail.example.co.uk>
            Subject: Warning: message 1rnQwy-0004Bq-1f delayed 24 hours
            Content-Type: text/plain; charset=us-ascii

            This message was created automatically by mail delivery software.
            A message that you sent has not yet been delivered to one or more of its
            recipients after more than 24 hours on the queue on mail.example.co.uk.

            The address to which the message has not yet been delivered is:

              slow@example.net
                host mx.example.net [192.0.2.9]
                Delay reason: SMTP error from remote mail server after RCPT TO:<slow@example.net>:
                451 4.3.0 Temporary lookup failure

            No action is required on your part.
            """;

        Optional<BounceReport> report = parse(message);

        assertThat(report).hasValueSatisfying(bounce -> assertThat(bounce.recipients())
            .extracting(BouncedRecipient::address, BouncedRecipient::smtpCode, BouncedRecipient::remoteMta, BouncedRecipient::classification)
            .containsExactly(tuple("slow@example.net", Optional.of(451), Optional.of("mx.example.net"), Classification.DELAYED)));
    }

    @Test
    void anHtmlOnlyExchangeNoticeIsRead() throws IOException {
        String message = """
            From: Microsoft Exchange <MicrosoftExchange329e71ec88ae4615bbc36ab6ce41109e@fabrikam.com>
            Subject: Undeliverable: hello
            Content-Type: text/html; charset=utf-8

            <html><body><p><b>Delivery has failed to these recipients or groups:</b></p>
            <p><a href="mailto:x@fabrikam.com">x@fabrikam.com</a><br>The e-mail address you entered couldn't be found.</p>
            <p>Diagnostic information for administrators:</p><p>Generating server: EXCH01</p>
            <p>x@fabrikam.com<br>#550 5.1.1 RESOLVER.ADR.RecipNotFound; not found ##</p></body></html>
            """;

        Optional<BounceReport> report = parse(message);

        assertThat(report).hasValueSatisfying(bounce -> {
            assertThat(bounce.format()).isEqualTo("exchange");
            assertThat(bounce.recipients()).extracting(BouncedRecipient::address, BouncedRecipient::enhancedStatus, BouncedRecipient::classification)
                .containsExactly(tuple("x@fabrikam.com", Optional.of("5.1.1"), Classification.HARD));
        });
    }

    @Test
    void aBounceForwardedByAPersonAsAnAttachmentIsNotABounce() throws IOException {
        String message = "From: Kim Customer <kim@customer.example>\nSubject: Fwd: Undelivered Mail Returned to Sender\n"
            + "Content-Type: multipart/mixed; boundary=\"fwd\"\n\n--fwd\nContent-Type: text/plain\n\nSee the bounce below.\n\n"
            + "--fwd\nContent-Type: message/rfc822\n\n" + BounceParserTest.text("postfix-dsn.eml") + "\n--fwd--\n";

        assertThat(parse(message)).isEmpty();
    }

    @Test
    void aNoticeFromAPersonIsNotABounceEvenWithTheWording() throws IOException {
        String message = "From: Lee <lee@customer.example>\nSubject: look at this\n\n"
            + "Hi. This is the qmail-send program at mail.example.com.\n\n<a@example.com>:\nSorry, no mailbox here by that name. (#5.1.1)\n";

        assertThat(parse(message)).isEmpty();
    }

    @Test
    void anAutoReplyWithANullReturnPathFromAGoogleMailUserIsNotABounce() throws IOException {
        String message = """
            Return-Path: <>
            From: Nina <nina@googlemail.com>
            Subject: Re: [#5900] Your request
            Auto-Submitted: auto-replied

            I'm away until Monday. Your message wasn't delivered to my assistant; write to her directly.
            """;

        assertThat(parse(message)).isEmpty();
    }

    @Test
    void aMailSystemNoticeNamingNoRecipientIsNotABounce() throws IOException {
        String message = """
            From: MAILER-DAEMON@mail.example.org (Mail Delivery System)
            Subject: Postmaster notification

            This is the mail system at host mail.example.org.

            The queue is being flushed; no action is needed.
            """;

        assertThat(parse(message)).isEmpty();
    }

    /**
     * Inputs that once made a pattern backtrack for minutes; a regression shows as a test that does not end.
     * Every notice signature is present, so every notice pattern runs over the filler.
     */
    @ParameterizedTest
    @ValueSource(strings = {"a@", "-", "\n", "<", " \n", "by a", "host a", "550 "})
    void longRunsOfOneTokenEndQuickly(String token) throws IOException {
        String signatures = "This is the mail system at host x. Hi. This is the qmail-send program.\n"
            + "Delivery has failed to these recipients or groups:\nDiagnostic information for administrators:\n"
            + "This message was created automatically by mail delivery software\n** Address not found **\nThe response was:\n";
        String filler = token.repeat(BounceMessageReader.MAX_PART_BYTES / token.length());

        assertThat(parse("From: MAILER-DAEMON@mail.example.org\nContent-Type: text/plain\n\n" + signatures + filler)).isEmpty();
        assertThat(parse("From: MAILER-DAEMON@mail.example.org\nContent-Type: text/html\n\n" + signatures + filler)).isEmpty();
    }

    @Test
    void aDeliveryStatusListingThousandsOfRecipientsIsCut() throws IOException {
        String message = "From: MAILER-DAEMON@mail.example.org\nContent-Type: multipart/report; report-type=delivery-status; boundary=b\n\n"
            + "--b\nContent-Type: message/delivery-status\n\nReporting-MTA: dns; mail.example.org\n\n"
            + "Final-Recipient: rfc822; a@example.com\nAction: failed\nStatus: 5.1.1\n\n".repeat(5000) + "--b--\n";

        Optional<BounceReport> report = parse(message);

        assertThat(report).hasValueSatisfying(bounce -> assertThat(bounce.recipients()).hasSize(NoticeText.MAX_RECIPIENTS));
    }

    private Optional<BounceReport> parse(String message) throws IOException {
        return parser.parse(new ByteArrayInputStream(message.getBytes(StandardCharsets.UTF_8)));
    }

    /** A long message body made on the fly, so the test needs no memory for it. */
    private static final class RepeatingInputStream extends InputStream {
        private static final byte[] LINE = "All work and no play makes Jack a dull boy.\n".getBytes(StandardCharsets.US_ASCII);
        private long remaining;

        RepeatingInputStream(long length) {
            this.remaining = length;
        }

        @Override
        public int read() {
            if (remaining <= 0) {
                return -1;
            }
            return LINE[(int) (remaining-- % LINE.length)];
        }

        @Override
        public int read(byte[] buffer, int offset, int length) {
            if (remaining <= 0) {
                return -1;
            }
            int count = (int) Math.min(length, remaining);
            for (int i = 0; i < count; i++) {
                buffer[offset + i] = LINE[(int) (remaining-- % LINE.length)];
            }
            return count;
        }
    }
}
