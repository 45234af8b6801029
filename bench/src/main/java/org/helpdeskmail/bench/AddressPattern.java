package org.helpdeskmail.bench;

/**
 * The envelope address of message number {@code n}: a pattern where {@code {n}} is the message
 * number and {@code {k}} a group, 1..groups in turn. The default recipients,
 * {@code user{n}@tenant{k}.helpdesk.localhost}, spread the load over ten tenant subdomains with a
 * different mailbox for every message, as the peer's {@code smtp-source -N} to
 * {@code user@tenantK.helpdesk.test} does. The default senders, {@code customer{n}@customer-corp.example},
 * are a different customer for every message, as at a real MX (and as the server's per-sender rate
 * limit expects).
 */
public record AddressPattern(String pattern, int groups) {
    public static final String DEFAULT_RECIPIENTS = "user{n}@tenant{k}.helpdesk.localhost";
    public static final String DEFAULT_SENDERS = "customer{n}@customer-corp.example";

    public AddressPattern {
        if (groups < 1) {
            throw new IllegalArgumentException("the number of groups ({k}) must be at least 1");
        }
        if (!pattern.contains("@")) {
            throw new IllegalArgumentException("address pattern '" + pattern + "' is not an address");
        }
    }

    public String addressFor(int messageNumber) {
        return pattern.replace("{n}", Integer.toString(messageNumber))
            .replace("{k}", Integer.toString(Math.floorMod(messageNumber, groups) + 1));
    }

    /** The domain part, which must not depend on {n}: the DNS responder serves one sender domain. */
    public String domain() {
        String domain = pattern.substring(pattern.lastIndexOf('@') + 1);
        if (domain.contains("{")) {
            throw new IllegalArgumentException("the domain of '" + pattern + "' must be fixed");
        }
        return domain;
    }
}
