package org.helpdeskmail.clients;

import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;

import javax.mail.internet.AddressException;

import org.apache.james.core.MailAddress;

/**
 * The addresses outbound mail is no longer sent to: those that hard-bounced or complained, and those
 * an operator added. Consulted for every outbound recipient, so a lookup is one indexed read.
 *
 * <p>Addresses are kept and compared in lower case, local part included. RFC 5321 (2.4) lets a
 * receiving system treat local parts as case-sensitive but discourages it, and no mainstream mailbox
 * provider does; the cost of the other choice is real: the app writing {@code John@example.com} once
 * and {@code john@example.com} later would send to a bounced or complaining address again, and each
 * such attempt damages the reputation of our sending IPs. The cost of this choice, two distinct
 * mailboxes that differ only in case on one remote system, is not met in practice.
 *
 * <p>Every operation may fail with a {@link DataStoreException}; the caller decides (a delivery
 * would rather wait than send to an address that may be suppressed).
 */
public interface SuppressionList {
    /** The longest address kept: 64 octets of local part, {@code @}, 255 of domain. */
    int MAX_ADDRESS_LENGTH = 320;

    /** Why an address is suppressed. */
    enum Reason {
        HARD_BOUNCE, COMPLAINT, MANUAL
    }

    /**
     * One suppressed address.
     *
     * @param address lower case, as {@link #key(MailAddress)} gives it
     * @param detail  the bounce's diagnostic, the complaint's feedback type, the operator's note
     * @param since   when it was first suppressed
     */
    record SuppressedAddress(String address, Reason reason, Optional<String> detail, Instant since) {
        public SuppressedAddress {
            Objects.requireNonNull(address, "address");
            Objects.requireNonNull(reason, "reason");
            Objects.requireNonNull(detail, "detail");
            Objects.requireNonNull(since, "since");
        }
    }

    /** Whether mail to {@code address} must not be attempted. */
    boolean isSuppressed(MailAddress address) throws DataStoreException;

    /**
     * Whether mail to {@code address} must not be attempted.
     *
     * @throws IllegalArgumentException when {@code address} is no mail address
     */
    default boolean isSuppressed(String address) throws DataStoreException {
        return isSuppressed(parse(address));
    }

    /** What the list holds for {@code address}, if it is suppressed. */
    Optional<SuppressedAddress> find(MailAddress address) throws DataStoreException;

    /**
     * Suppresses {@code address}, idempotently: an address already on the list keeps its first
     * reason, detail and time (the event that got it there), so repeated bounces or several nodes
     * recording the same bounce change nothing.
     *
     * @param detail may be empty; cut to what the store keeps
     * @return true when the address was not on the list before
     * @throws IllegalArgumentException when the address is longer than {@value #MAX_ADDRESS_LENGTH} characters
     */
    boolean suppress(MailAddress address, Reason reason, String detail, Instant at) throws DataStoreException;

    /** Takes {@code address} off the list; returns false when it was not on it. */
    boolean remove(MailAddress address) throws DataStoreException;

    /** A page of the list, ordered by address. */
    List<SuppressedAddress> list(int limit, int offset) throws DataStoreException;

    /** The whole list, ordered by address. */
    List<SuppressedAddress> list() throws DataStoreException;

    /** How the list keys an address: the whole address in lower case. */
    static String key(MailAddress address) {
        return address.asString().toLowerCase(Locale.ROOT);
    }

    /**
     * {@code address} as a mail address.
     *
     * @throws IllegalArgumentException when it is none
     */
    static MailAddress parse(String address) {
        try {
            return new MailAddress(address);
        } catch (AddressException e) {
            throw new IllegalArgumentException("'" + address + "' is not a mail address: " + e.getMessage(), e);
        }
    }
}
