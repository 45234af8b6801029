package org.helpdeskmail.clients.bounce;

import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The parts of a message that tell whether and how it is a bounce, read by {@link BounceMessageReader}.
 *
 * @param headers        the top-level header fields, values unfolded
 * @param reportType     the {@code report-type} of a {@code multipart/report} found outside any attached message
 * @param deliveryStatus the body of the first {@code message/delivery-status} (or RFC 6533 global) part
 * @param feedbackReport the body of the first {@code message/feedback-report} part
 * @param text           the human-readable text outside any attached message: the plain parts, else the HTML ones as text
 * @param original       the returned message or its headers, from an attached part
 */
record BounceMessage(List<HeaderField> headers, Optional<String> reportType, Optional<String> deliveryStatus,
                     Optional<String> feedbackReport, String text, Optional<OriginalMessage> original) {
    record HeaderField(String name, String value) {
    }

    BounceMessage {
        headers = List.copyOf(headers);
    }

    Optional<String> header(String name) {
        return headers.stream().filter(field -> field.name().equalsIgnoreCase(name)).map(HeaderField::value).findFirst();
    }

    boolean hasHeader(String name) {
        return header(name).isPresent();
    }

    boolean isReport(String type) {
        return reportType.map(value -> value.toLowerCase(Locale.ROOT).equals(type)).orElse(false);
    }
}
