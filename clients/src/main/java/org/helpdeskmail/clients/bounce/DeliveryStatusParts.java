package org.helpdeskmail.clients.bounce;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Reads the recipients of an RFC 3464 {@code message/delivery-status} part. Entries with {@code Action: delayed}
 * are {@link Classification#DELAYED}; {@code delivered}, {@code relayed} and {@code expanded} are
 * {@link Classification#DELIVERED}; {@code failed} (or a missing action) is classified by {@link BounceClassifier}.
 */
final class DeliveryStatusParts {
    private DeliveryStatusParts() {
    }

    /** The fields about the message as a whole: the first group, unless it already names a recipient. */
    static Optional<ReportFields> perMessage(List<ReportFields> groups) {
        return groups.stream().findFirst().filter(group -> !group.has("final-recipient") && !group.has("original-recipient"));
    }

    static List<BouncedRecipient> recipients(List<ReportFields> groups) {
        List<BouncedRecipient> recipients = new ArrayList<>();
        for (ReportFields group : groups) {
            if (recipients.size() == NoticeText.MAX_RECIPIENTS) {
                break;
            }
            Optional<String> address = group.typed("original-recipient").or(() -> group.typed("final-recipient")).map(NoticeText::address);
            if (address.isPresent() && address.get().contains("@")) {
                recipients.add(recipient(address.get(), group));
            }
        }
        return recipients;
    }

    private static BouncedRecipient recipient(String address, ReportFields group) {
        String diagnostic = NoticeText.collapse(group.typed("diagnostic-code").orElse(""));
        Optional<String> status = StatusCodes.moreSpecific(group.first("status").flatMap(StatusCodes::enhancedStatus),
            StatusCodes.enhancedStatus(diagnostic));
        Optional<Integer> code = StatusCodes.smtpCode(diagnostic);
        // "dns; mx.example.com. (192.0.2.1, the server for the domain example.com.)" → mx.example.com
        Optional<String> remoteMta = group.typed("remote-mta").map(value -> value.split("[\\s(\\[]", 2)[0].replaceAll("\\.$", ""))
            .filter(value -> !value.isEmpty());
        String action = group.first("action").map(value -> value.strip().toLowerCase(Locale.ROOT)).orElse("failed");
        Classification classification = switch (action) {
            case "delayed" -> Classification.DELAYED;
            case "delivered", "relayed", "expanded" -> Classification.DELIVERED;
            default -> status.filter(value -> value.startsWith("2")).isPresent()
                ? Classification.DELIVERED : BounceClassifier.classify(status, code, diagnostic);
        };
        return new BouncedRecipient(address, status, code, diagnostic, remoteMta, Optional.empty(), classification);
    }
}
