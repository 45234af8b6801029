package org.helpdeskmail.mailets.events;

import java.time.Instant;
import java.util.Optional;

/**
 * One delivery result for the app (DESIGN.md 4.2). Fields are absent when unknown; {@code nextAttempt}
 * only for {@code deferred}, {@code bounceType} for {@code bounced} (hard: the address does not
 * exist and is now suppressed; soft: a full mailbox, a policy block, expiry) and {@code feedbackType}
 * for {@code complained} (RFC 5965).
 */
public record DeliveryEvent(Type type, Optional<String> messageId, String recipient, Optional<Integer> smtpCode,
                            Optional<String> enhancedStatus, Optional<String> diagnostic, Optional<String> remoteMx,
                            Optional<String> sourceIp, Optional<Integer> attempt, Instant at, Optional<Instant> nextAttempt,
                            Optional<String> bounceType, Optional<String> feedbackType) {

    public enum Type {
        DELIVERED, DEFERRED, BOUNCED, COMPLAINED, SUPPRESSED;

        public String jsonName() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /** A result of an SMTP attempt (delivered, deferred, bounced in session or at expiry). */
    public static DeliveryEvent attempt(Type type, Optional<String> messageId, String recipient, Attempt attempt, Instant at) {
        return new DeliveryEvent(type, messageId, recipient, attempt.smtpCode(), attempt.enhancedStatus(), attempt.diagnostic(),
            attempt.remoteMx(), attempt.sourceIp(), Optional.of(attempt.number()), at, Optional.empty(), Optional.empty(), Optional.empty());
    }

    /** What an SMTP attempt ended with, as far as it got. */
    public record Attempt(int number, Optional<Integer> smtpCode, Optional<String> enhancedStatus, Optional<String> diagnostic,
                          Optional<String> remoteMx, Optional<String> sourceIp) {
    }

    public DeliveryEvent withNextAttempt(Instant next) {
        return new DeliveryEvent(type, messageId, recipient, smtpCode, enhancedStatus, diagnostic, remoteMx, sourceIp, attempt, at,
            Optional.of(next), bounceType, feedbackType);
    }

    public DeliveryEvent withBounceType(String kind) {
        return new DeliveryEvent(type, messageId, recipient, smtpCode, enhancedStatus, diagnostic, remoteMx, sourceIp, attempt, at,
            nextAttempt, Optional.of(kind), feedbackType);
    }

    /** A report that came back later: a DSN, a non-standard bounce or a complaint. */
    public static DeliveryEvent report(Type type, Optional<String> messageId, String recipient, Optional<Integer> smtpCode,
                                       Optional<String> enhancedStatus, Optional<String> diagnostic, Optional<String> remoteMx,
                                       Instant at, Optional<String> bounceType, Optional<String> feedbackType) {
        return new DeliveryEvent(type, messageId, recipient, smtpCode, enhancedStatus, diagnostic, remoteMx, Optional.empty(),
            Optional.empty(), at, Optional.empty(), bounceType, feedbackType);
    }

    /** A recipient on the suppression list: not attempted. */
    public static DeliveryEvent suppressed(Optional<String> messageId, String recipient, String why, Instant at) {
        return new DeliveryEvent(Type.SUPPRESSED, messageId, recipient, Optional.empty(), Optional.empty(), Optional.of(why),
            Optional.empty(), Optional.empty(), Optional.empty(), at, Optional.empty(), Optional.empty(), Optional.empty());
    }
}
