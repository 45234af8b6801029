package org.helpdeskmail.mailets.payload;

import java.time.Instant;
import java.util.Optional;

import org.helpdeskmail.clients.HelpdeskDomains.TenantMailbox;

/**
 * What one webhook POST says besides the message itself: which (tenant, mailbox) it is for, under
 * which stable id, and what the SMTP envelope was.
 *
 * @param ticket the helpdesk ticket of the message this one replies to (by its In-Reply-To or
 *               References), when that message was one of the app's and is remembered
 */
public record WebhookPayload(String id, Instant receivedAt, TenantMailbox recipient, Envelope envelope, Readable readable,
                             boolean autoReply, Verdicts verdicts, Optional<String> ticket) {

    /** Absent fields are unknown, never invented. */
    public record Envelope(Optional<String> mailFrom, String rcptTo, Optional<String> remoteIp, Optional<String> helo,
                           Optional<Boolean> tls) {
    }

    /**
     * What the SMTP-time checks concluded.
     *
     * @param authJson   the "auth" object as JSON, as the authentication hook wrote it
     * @param quarantine the sender's DMARC policy asks to quarantine this message
     * @param virusJson  the "virus" object as JSON, as the virus scan wrote it
     * @param spamJson   the "spam" object as JSON, as the spam scan wrote it
     */
    public record Verdicts(Optional<String> authJson, boolean quarantine, Optional<String> virusJson, Optional<String> spamJson) {
    }

    /** The readable text of a message, computed once for all its recipients. */
    public record Readable(Optional<String> text, Optional<String> strippedText) {
    }
}
