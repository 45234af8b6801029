package org.helpdeskmail.smtp;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Arrays;
import java.util.Collection;

import org.apache.james.dnsservice.api.DNSService;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.google.common.net.InetAddresses;

/**
 * The name a client's address has in DNS (its PTR record, as the resolver answered it) and whether that
 * name's addresses include the client (forward-confirmed reverse DNS). {@link #NONE}: no PTR record.
 */
public record ReverseDns(String name, boolean confirmed) {
    private static final Logger LOGGER = LoggerFactory.getLogger(ReverseDns.class);
    public static final ReverseDns NONE = new ReverseDns("", false);

    /** The name to show for the client: the confirmed name, else "unknown" (as Postfix writes it). */
    public String confirmedNameOrUnknown() {
        return confirmed ? withoutFinalDot(name) : "unknown";
    }

    private static String withoutFinalDot(String name) {
        return name.endsWith(".") ? name.substring(0, name.length() - 1) : name;
    }

    /**
     * Looks the client up through James's {@link DNSService}. Its {@code getHostName} answers the
     * address itself when there is no PTR record (and also when the lookup failed: through it a
     * timeout looks like no record), and its {@code getAllByName} returns an address literal as is,
     * so an address literal for a name means "no PTR", not "confirmed".
     */
    public static ReverseDns lookUp(DNSService dnsService, InetAddress client) {
        String name;
        try {
            name = dnsService.getHostName(client);
        } catch (RuntimeException e) {
            LOGGER.debug("PTR lookup of {} failed", client.getHostAddress(), e);
            return NONE;
        }
        if (name == null || name.isBlank()) {
            return NONE;
        }
        if (InetAddresses.isInetAddress(withoutFinalDot(name))) {
            return NONE;
        }
        try {
            Collection<InetAddress> addresses = dnsService.getAllByName(name);
            byte[] clientBytes = client.getAddress();
            boolean confirmed = addresses.stream().anyMatch(address -> Arrays.equals(address.getAddress(), clientBytes));
            return new ReverseDns(name, confirmed);
        } catch (UnknownHostException e) {
            return new ReverseDns(name, false);
        } catch (RuntimeException e) {
            LOGGER.debug("Forward lookup of {} (PTR of {}) failed", name, client.getHostAddress(), e);
            return new ReverseDns(name, false);
        }
    }
}
