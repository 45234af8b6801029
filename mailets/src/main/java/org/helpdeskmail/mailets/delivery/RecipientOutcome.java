package org.helpdeskmail.mailets.delivery;

import java.util.Optional;

import org.apache.james.core.MailAddress;
import org.helpdeskmail.clients.smtp.SmtpReply;

/**
 * What became of one recipient in one attempt.
 *
 * @param smtpCode       the code of the reply that decided the recipient's fate, when a server gave one
 * @param enhancedStatus the reply's enhanced status, or the RFC 3463 code of a failure without a
 *                       reply (4.4.3 DNS, 4.4.1 no answer, 4.7.5 TLS, 5.1.10 null MX, ...)
 * @param diagnostic     the reply, or what went wrong before any reply
 */
public record RecipientOutcome(MailAddress recipient, Kind kind, Optional<Integer> smtpCode, Optional<String> enhancedStatus,
                               String diagnostic, Optional<String> remoteMx, Optional<String> sourceIp) {

    public enum Kind { DELIVERED, DEFERRED, BOUNCED }

    static RecipientOutcome answered(MailAddress recipient, SmtpReply reply, String remoteMx, String sourceIp) {
        Kind kind = reply.positive() ? Kind.DELIVERED : reply.permanentFailure() ? Kind.BOUNCED : Kind.DEFERRED;
        return new RecipientOutcome(recipient, kind, Optional.of(reply.code()), reply.enhancedStatus(), reply.toString(),
            Optional.of(remoteMx), Optional.of(sourceIp));
    }

    static RecipientOutcome failed(MailAddress recipient, Failure failure) {
        // The failure's own status decides and is reported: a host that greeted with 554 makes the
        // recipient wait for another host or attempt, which a 5.x.x status in a "deferred" event would misstate.
        Kind kind = failure.enhancedStatus().startsWith("5") ? Kind.BOUNCED : Kind.DEFERRED;
        return new RecipientOutcome(recipient, kind, Optional.empty(), Optional.of(failure.enhancedStatus()),
            failure.diagnostic(), failure.remoteMx(), failure.sourceIp());
    }

    /**
     * Why a whole attempt failed before any recipient was answered: for every recipient of the domain.
     *
     * @param enhancedStatus its class (4 or 5) decides between deferring and bouncing
     */
    record Failure(String enhancedStatus, String diagnostic, Optional<String> remoteMx, Optional<String> sourceIp) {
        static Failure of(String enhancedStatus, String diagnostic) {
            return new Failure(enhancedStatus, diagnostic, Optional.empty(), Optional.empty());
        }
    }
}
