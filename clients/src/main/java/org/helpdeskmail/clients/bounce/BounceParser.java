package org.helpdeskmail.clients.bounce;

import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

import org.apache.james.mime4j.MimeIOException;

/**
 * Tells whether a message that reached the bounce address is an asynchronous bounce or a complaint, and what
 * it says. In order:
 * <ol>
 *   <li>A {@code message/feedback-report} part (RFC 5965 ARF): a complaint, unless its type is not one
 *       (see {@link FeedbackReports}).</li>
 *   <li>A {@code message/delivery-status} part (RFC 3464 DSN, also sent by Exchange/Office 365, Gmail, Postfix,
 *       recent Exim): the recipients come from it; the notice text only names the producer.</li>
 *   <li>Otherwise, a message from a mail system (From {@code MAILER-DAEMON}, {@code postmaster}, Exchange's
 *       system mailbox or "Mail Delivery ...", a null {@code Return-Path}, or {@code X-Failed-Recipients}) whose
 *       text has a known producer's wording: Exchange, Gmail, Yahoo, qmail, Postfix, Exim. Both are required, so
 *       a person's reply quoting a bounce, or an out-of-office reply (which often goes to the return path,
 *       RFC 3834), is not taken for a bounce; nor is a notice in which no recipient can be found.</li>
 * </ol>
 * Reads at most the first MiB of the message and 256 KiB of each part; broken MIME, charsets and truncated
 * messages are read as far as they go. Stateless and thread-safe.
 */
public final class BounceParser {
    private static final List<NoticeFormat> FORMATS = List.of(new ExchangeNotice(), new GmailNotice(), AngleBracketNotice.yahoo(),
        AngleBracketNotice.qmail(), AngleBracketNotice.postfix(), new EximNotice());
    private static final Pattern MAIL_SYSTEM_MAILBOX = Pattern.compile("(?i)^(?:mailer[-_]?daemon|mail[-_]?daemon|postmaster|microsoftexchange[0-9a-f]*"
        + "|mdaemon)@");
    private static final Pattern MAIL_SYSTEM_NAME = Pattern.compile("(?i)mail delivery (?:subsystem|system|service)|mailer[-_]daemon");

    private final BounceMessageReader reader = new BounceMessageReader();

    /**
     * @param message the whole RFC 5322 message; read, not closed
     * @return empty when the message is neither a bounce nor a complaint (a reply, an auto-reply, a read receipt,
     *         a DMARC failure report, garbage)
     * @throws IOException when reading the stream fails
     */
    public Optional<BounceReport> parse(InputStream message) throws IOException {
        BounceMessage bounce;
        try {
            bounce = reader.read(message);
        } catch (MimeIOException unreadable) {
            return Optional.empty();
        }
        if (bounce.feedbackReport().isPresent()) {
            return complaint(bounce, bounce.feedbackReport().get());
        }
        Optional<NoticeFormat> format = FORMATS.stream().filter(candidate -> candidate.recognizes(bounce)).findFirst();
        String notice = NoticeText.withoutCopy(bounce.text());
        if (bounce.deliveryStatus().isPresent()) {
            return Optional.of(deliveryStatus(bounce, bounce.deliveryStatus().get(), format, notice));
        }
        if (format.isEmpty() || !(bounce.isReport("delivery-status") || fromMailSystem(bounce))) {
            return Optional.empty();
        }
        List<BouncedRecipient> recipients = format.get().recipients(notice);
        if (recipients.isEmpty()) {
            // Without a machine-readable part, a notice that names nobody is too weak a sign of a bounce.
            return Optional.empty();
        }
        Optional<OriginalMessage> original = original(bounce);
        return Optional.of(new BounceReport(BounceReport.Kind.NON_STANDARD, format.get().name(), recipients,
            original.flatMap(OriginalMessage::messageId), original.flatMap(OriginalMessage::returnPath)));
    }

    private static Optional<BounceReport> complaint(BounceMessage bounce, String feedbackReport) {
        ReportFields report = ReportFields.parse(feedbackReport).stream().findFirst().orElse(new ReportFields(List.of()));
        if (!FeedbackReports.isComplaint(report)) {
            return Optional.empty();
        }
        Optional<OriginalMessage> original = original(bounce);
        return Optional.of(new BounceReport(BounceReport.Kind.COMPLAINT, "arf",
            FeedbackReports.recipients(report, bounce.text(), original),
            original.flatMap(OriginalMessage::messageId),
            report.first("original-mail-from").flatMap(OriginalMessage::path).or(() -> original.flatMap(OriginalMessage::returnPath))));
    }

    private static BounceReport deliveryStatus(BounceMessage bounce, String deliveryStatus, Optional<NoticeFormat> format, String notice) {
        List<ReportFields> groups = ReportFields.parse(deliveryStatus);
        Optional<ReportFields> perMessage = DeliveryStatusParts.perMessage(groups);
        Optional<OriginalMessage> original = original(bounce);
        // Gmail names the original in the per-message fields; Postfix gives the envelope sender there.
        Optional<String> messageId = original.flatMap(OriginalMessage::messageId)
            .or(() -> perMessage.flatMap(fields -> fields.first("x-original-message-id")).flatMap(OriginalMessage::messageId));
        Optional<String> envelopeSender = perMessage.flatMap(fields -> fields.typed("x-postfix-sender")).flatMap(OriginalMessage::path)
            .or(() -> original.flatMap(OriginalMessage::returnPath));
        String name = format.map(NoticeFormat::name).orElse("rfc3464");
        List<BouncedRecipient> recipients = DeliveryStatusParts.recipients(groups);
        if (recipients.isEmpty() && format.isPresent()) {
            // A delivery-status part without recipient fields: fall back to the notice.
            return new BounceReport(BounceReport.Kind.NON_STANDARD, name, format.get().recipients(notice), messageId, envelopeSender);
        }
        return new BounceReport(BounceReport.Kind.DSN, name, recipients, messageId, envelopeSender);
    }

    private static Optional<OriginalMessage> original(BounceMessage bounce) {
        return bounce.original().or(() -> NoticeText.copy(bounce.text()).flatMap(OriginalMessage::quotedIn));
    }

    private static boolean fromMailSystem(BounceMessage bounce) {
        if (bounce.hasHeader("X-Failed-Recipients")
            || bounce.header("Return-Path").map(path -> path.replaceAll("\\s", "").equals("<>")).orElse(false)) {
            return true;
        }
        String from = bounce.header("From").orElse("");
        String address = from.contains("<") ? from.substring(from.lastIndexOf('<') + 1).replace(">", "").strip() : from.strip();
        return MAIL_SYSTEM_MAILBOX.matcher(address).find() || MAIL_SYSTEM_NAME.matcher(from).find();
    }
}
