package org.helpdeskmail.clients.bounce;

import java.util.Objects;
import java.util.Optional;

/**
 * One recipient named by a bounce or complaint.
 *
 * @param address        the address as the report names it: a DSN's {@code Original-Recipient} when present (the
 *                       address we sent to, before any forwarding), else its {@code Final-Recipient}; an ARF
 *                       report's {@code Original-Rcpt-To}, else the {@code To} of the reported message
 * @param enhancedStatus RFC 3463 code such as {@code 5.1.1}
 * @param smtpCode       the remote server's reply code such as 550
 * @param diagnostic     the remote server's reply or the report's explanation, whitespace collapsed; may be empty
 * @param remoteMta      the host that gave the reply, when the report names it
 * @param feedbackType   RFC 5965 {@code Feedback-Type} (abuse, fraud, virus, other), complaints only
 * @param classification see {@link BounceClassifier} for how failures are classified
 */
public record BouncedRecipient(String address, Optional<String> enhancedStatus, Optional<Integer> smtpCode, String diagnostic,
                               Optional<String> remoteMta, Optional<String> feedbackType, Classification classification) {
    public BouncedRecipient {
        Objects.requireNonNull(address, "address");
        Objects.requireNonNull(enhancedStatus, "enhancedStatus");
        Objects.requireNonNull(smtpCode, "smtpCode");
        Objects.requireNonNull(diagnostic, "diagnostic");
        Objects.requireNonNull(remoteMta, "remoteMta");
        Objects.requireNonNull(feedbackType, "feedbackType");
        Objects.requireNonNull(classification, "classification");
    }
}
