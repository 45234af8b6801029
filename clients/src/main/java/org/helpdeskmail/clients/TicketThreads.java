package org.helpdeskmail.clients;

import java.time.Instant;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

import com.google.common.base.CharMatcher;
import com.google.common.collect.Lists;

/**
 * Which helpdesk ticket an outbound message belonged to, by its Message-ID, so that a customer's
 * reply can be matched to the ticket through its In-Reply-To and References even when the subject
 * or the sender changed.
 *
 * <p>Message-IDs are compared in the form {@link #normalise(String)} gives: {@code <id-left@id-right>}
 * without folding white space, case kept (RFC 5322 gives no case rule for them).
 */
public interface TicketThreads {
    /** The longest Message-ID kept, angle brackets included; a longer one is neither remembered nor looked up. */
    int MAX_MESSAGE_ID_LENGTH = 500;
    /** The longest ticket reference kept. */
    int MAX_TICKET_LENGTH = 255;
    /** How many of a reply's Message-IDs are looked up: its In-Reply-To and the newest of its References. */
    int MAX_CANDIDATES = 50;

    /**
     * Remembers that the message {@code messageId} belongs to {@code ticket}; remembering the same
     * Message-ID again moves it to the new ticket and time.
     *
     * @throws IllegalArgumentException when the Message-ID is empty or longer than {@value #MAX_MESSAGE_ID_LENGTH}
     *                                  characters, or the ticket empty or longer than {@value #MAX_TICKET_LENGTH}
     */
    void remember(String messageId, String ticket, Instant at) throws DataStoreException;

    /**
     * The ticket of the first of {@code messageIds} that is remembered, in the order given: a reply's
     * {@link #replyChain(Optional, List)}. Only the first {@value #MAX_CANDIDATES} are looked up.
     */
    Optional<String> ticketFor(List<String> messageIds) throws DataStoreException;

    /**
     * Forgets what was remembered before {@code cutoff}: a reply to a message that old opens a new
     * ticket, and the table stays the size of the recent traffic.
     *
     * @return how many Message-IDs were forgotten
     */
    int forgetBefore(Instant cutoff) throws DataStoreException;

    /**
     * The Message-IDs a reply names, closest first: its In-Reply-To, then its References from the
     * newest (the last, RFC 5322 3.6.4) to the oldest; normalised, without repetitions.
     */
    static List<String> replyChain(Optional<String> inReplyTo, List<String> references) {
        Set<String> chain = new LinkedHashSet<>();
        inReplyTo.map(TicketThreads::normalise).filter(id -> !id.isEmpty()).ifPresent(chain::add);
        Lists.reverse(references).stream().map(TicketThreads::normalise).filter(id -> !id.isEmpty()).forEach(chain::add);
        return List.copyOf(chain);
    }

    /**
     * {@code <id-left@id-right>}: white space (folding, CFWS remains) removed and angle brackets
     * added where a writer left them out; empty for a blank value.
     */
    static String normalise(String messageId) {
        String compact = CharMatcher.whitespace().removeFrom(messageId);
        if (compact.isEmpty()) {
            return compact;
        }
        String bare = compact.startsWith("<") ? compact.substring(1) : compact;
        bare = bare.endsWith(">") ? bare.substring(0, bare.length() - 1) : bare;
        return bare.isEmpty() ? "" : "<" + bare + ">";
    }
}
