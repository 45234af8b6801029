package org.helpdeskmail.clients.bounce;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * Reads an RFC 5965 {@code message/feedback-report} part. Only complaints count: {@code abuse}, {@code fraud},
 * {@code virus}, {@code other} and types not registered yet. {@code not-spam} (RFC 6430: the user says it is
 * wanted) and {@code auth-failure} (RFC 6591: a DMARC/SPF/DKIM failure report about our mail, not about the
 * recipient) are not complaints and give no recipients.
 */
final class FeedbackReports {
    private static final Set<String> NOT_COMPLAINTS = Set.of("not-spam", "auth-failure");
    private static final int MAX_DIAGNOSTIC_LENGTH = 500;

    private FeedbackReports() {
    }

    static boolean isComplaint(ReportFields report) {
        return !NOT_COMPLAINTS.contains(feedbackType(report));
    }

    static String feedbackType(ReportFields report) {
        return report.first("feedback-type").map(value -> value.strip().toLowerCase(Locale.ROOT)).orElse("abuse");
    }

    /**
     * @param text the report's human-readable part, kept as the diagnostic
     * @param original the reported message, whose {@code To} names the recipient when the report redacts {@code Original-Rcpt-To}
     */
    static List<BouncedRecipient> recipients(ReportFields report, String text, Optional<OriginalMessage> original) {
        List<String> addresses = report.all("original-rcpt-to").stream().map(NoticeText::address).filter(value -> value.contains("@")).toList();
        if (addresses.isEmpty()) {
            addresses = original.map(OriginalMessage::recipients).orElse(List.of());
        }
        String diagnostic = NoticeText.collapse(text);
        if (diagnostic.length() > MAX_DIAGNOSTIC_LENGTH) {
            diagnostic = diagnostic.substring(0, MAX_DIAGNOSTIC_LENGTH);
        }
        List<BouncedRecipient> recipients = new ArrayList<>();
        for (String address : addresses) {
            recipients.add(new BouncedRecipient(address, Optional.empty(), Optional.empty(), diagnostic, Optional.empty(),
                Optional.of(feedbackType(report)), Classification.COMPLAINT));
        }
        return recipients;
    }
}
