package org.helpdeskmail.clients;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;

import com.google.common.net.InetAddresses;

/**
 * Where greylisting remembers the triplets it has seen: when a (client network, sender, recipient)
 * first tried, when it was last used, and whether it has passed (is allowed). The store only keeps
 * the data; the decisions (how long the delay, the window and the auto-allow lifetime are) belong to
 * the caller, which passes the times in so that a store shared by several nodes never needs a clock
 * of its own.
 *
 * <p>Every operation may fail with a {@link StoreException} (the database is down, a statement
 * timed out); the caller is expected to let the mail through then, as greylisting must never lose
 * mail nor refuse everything.
 */
public interface GreylistStore {

    /**
     * The greylisting key, normalised: the client's network ({@code 198.51.100.0/24} for IPv4,
     * {@code 2001:db8:1:2::/64} for IPv6, as a sending farm or an IPv6 host may retry from another
     * address of the same network), and the envelope sender and recipient in lower case
     * ({@value #NULL_SENDER} for the null sender of bounces).
     */
    record Triplet(String clientNetwork, String sender, String recipient) {
        public static final String NULL_SENDER = "<>";
        private static final int IPV4_PREFIX_BYTES = 3;
        private static final int IPV6_PREFIX_BYTES = 8;

        public Triplet {
            clientNetwork = Objects.requireNonNull(clientNetwork, "clientNetwork").toLowerCase(Locale.ROOT);
            sender = Objects.requireNonNull(sender, "sender").toLowerCase(Locale.ROOT);
            recipient = Objects.requireNonNull(recipient, "recipient").toLowerCase(Locale.ROOT);
        }

        /** @param sender the envelope sender, or {@link Optional#empty()} for the null sender */
        public static Triplet of(InetAddress client, Optional<String> sender, String recipient) {
            return new Triplet(clientNetwork(client), sender.orElse(NULL_SENDER), recipient);
        }

        /** The /24 of an IPv4 address or the /64 of an IPv6 address, written {@code <network>/<prefix length>}. */
        public static String clientNetwork(InetAddress client) {
            // An IPv4-mapped IPv6 address arrives as an Inet4Address already (InetAddress converts it).
            int prefixBytes = client instanceof Inet4Address ? IPV4_PREFIX_BYTES : IPV6_PREFIX_BYTES;
            byte[] network = client.getAddress();
            Arrays.fill(network, prefixBytes, network.length, (byte) 0);
            try {
                return InetAddresses.toAddrString(InetAddress.getByAddress(network)) + "/" + (prefixBytes * 8);
            } catch (UnknownHostException e) {
                throw new IllegalStateException("4 or 16 bytes are an IP address", e);
            }
        }
    }

    /** What the store knows of a triplet; {@code allowed} once a retry came within the window. */
    record Entry(Instant firstSeen, Instant lastSeen, boolean allowed) {
    }

    /** The store could not answer; the message says what it was doing. */
    final class StoreException extends Exception {
        private static final long serialVersionUID = 1L;

        public StoreException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /** The entry of {@code triplet}, if it has one. */
    Optional<Entry> find(Triplet triplet) throws StoreException;

    /**
     * Records a first attempt (first and last seen {@code now}, not allowed) unless the triplet
     * already has an entry, atomically: when several threads or nodes record the same triplet at
     * once, one wins and the others get its entry.
     *
     * @return the entry now stored: the new one, or the one that was there first
     */
    Entry recordFirstAttempt(Triplet triplet, Instant now) throws StoreException;

    /**
     * Starts the triplet over: first and last seen {@code now}, not allowed; for an entry whose
     * window passed without a retry, or whose allowance lapsed. Creates the entry if it is gone.
     */
    void restart(Triplet triplet, Instant now) throws StoreException;

    /**
     * Marks the triplet allowed and used {@code now} (its last seen); also how a later use of an
     * allowed triplet extends its allowance.
     *
     * @return false when the triplet has no entry (nothing is created then)
     */
    boolean markAllowed(Triplet triplet, Instant now) throws StoreException;

    /**
     * Deletes the entries that no longer matter: never allowed and first seen more than
     * {@code window} before {@code now} (a retry would start over anyway), and allowed but unused
     * for more than {@code autoAllow}.
     *
     * @return how many entries were deleted
     */
    int deleteExpired(Instant now, Duration window, Duration autoAllow) throws StoreException;
}
