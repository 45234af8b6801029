package org.helpdeskmail.clients.bounce;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * What an asynchronous bounce or complaint says.
 *
 * @param kind                   how the recipients were read: from a machine-readable RFC 3464 delivery-status part
 *                               ({@link Kind#DSN}), from a known MTA's human-readable text ({@link Kind#NON_STANDARD}),
 *                               or from an RFC 5965 feedback report ({@link Kind#COMPLAINT})
 * @param format                 who produced it: {@code exchange}, {@code gmail}, {@code yahoo}, {@code postfix},
 *                               {@code exim}, {@code qmail} when recognised (also for DSNs, whose text still shows the
 *                               producer), else {@code rfc3464} for a DSN and {@code arf} for a complaint
 * @param recipients             in report order; empty only for a DSN or complaint that names nobody (redacted
 *                               complaints, a broken DSN): the VERP address the report came to then says who it is about
 * @param originalMessageId      {@code Message-ID} of the returned message, with its angle brackets
 * @param originalEnvelopeSender the original message's envelope sender without angle brackets: a complaint's
 *                               {@code Original-Mail-From}, Postfix's {@code X-Postfix-Sender}, or the returned
 *                               message's {@code Return-Path} (with VERP, it carries the token)
 */
public record BounceReport(Kind kind, String format, List<BouncedRecipient> recipients, Optional<String> originalMessageId,
                           Optional<String> originalEnvelopeSender) {
    public enum Kind { DSN, NON_STANDARD, COMPLAINT }

    public BounceReport {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(format, "format");
        recipients = List.copyOf(recipients);
        Objects.requireNonNull(originalMessageId, "originalMessageId");
        Objects.requireNonNull(originalEnvelopeSender, "originalEnvelopeSender");
    }

    /** The recipients the message did not reach or who complained (not the delayed or delivered ones). */
    public List<BouncedRecipient> failures() {
        return recipients.stream().filter(recipient -> recipient.classification().isFailure()).toList();
    }
}
