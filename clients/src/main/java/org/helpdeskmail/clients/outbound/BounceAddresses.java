package org.helpdeskmail.clients.outbound;

import java.util.Locale;
import java.util.Optional;

import org.apache.james.core.MailAddress;

/**
 * The VERP return paths of outbound mail: {@code <prefix>+<token>@<domain>}. Bounces and
 * complaints come back to these addresses on the MX, which accepts them for no other reason.
 */
public record BounceAddresses(String domain, String prefix) {
    public static final String DEFAULT_PREFIX = "bounces";

    public BounceAddresses {
        domain = domain.toLowerCase(Locale.ROOT);
        prefix = prefix.toLowerCase(Locale.ROOT);
    }

    public String address(String token) {
        return prefix + "+" + token + "@" + domain;
    }

    /** The token of one of our return paths; empty for any other address. */
    public Optional<String> token(MailAddress address) {
        if (!address.getDomain().asString().equalsIgnoreCase(domain)) {
            return Optional.empty();
        }
        String localPart = address.getLocalPart().toLowerCase(Locale.ROOT);
        if (!localPart.startsWith(prefix + "+") || localPart.length() == prefix.length() + 1) {
            return Optional.empty();
        }
        return Optional.of(localPart.substring(prefix.length() + 1));
    }

    public boolean isReturnPath(MailAddress address) {
        return token(address).isPresent();
    }
}
