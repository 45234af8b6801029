package org.helpdeskmail.clients.bounce;

/**
 * What a report says about one recipient. Only {@link #HARD} and {@link #COMPLAINT} are grounds for
 * suppressing the address; {@link #DELAYED} and {@link #DELIVERED} are not failures at all: they come from
 * DSN entries with {@code Action: delayed} (the reporting MTA is still retrying) and {@code Action:
 * delivered | relayed | expanded}, and from the "warning only" notices of Postfix, Exim and Gmail.
 * They are reported rather than dropped so that a caller can turn a delay into a {@code deferred} event.
 */
public enum Classification {
    /** Permanent failure of the address itself: it does not exist, its domain does not exist, it is disabled. */
    HARD,
    /** A failure that says nothing final about the address: mailbox full, message too big, policy or spam block, transient trouble. */
    SOFT,
    /** The recipient reported the message as spam, fraud or virus (RFC 5965 feedback report). */
    COMPLAINT,
    /** The reporting MTA has not given up yet. */
    DELAYED,
    /** A positive notification: delivered, relayed to a system without DSN support, or expanded (mailing list). */
    DELIVERED;

    /** Whether the message did not and will not reach this recipient, or the recipient objected to it. */
    public boolean isFailure() {
        return this == HARD || this == SOFT || this == COMPLAINT;
    }
}
