package org.helpdeskmail.bench;

/**
 * The recipient of message number {@code n}: a pattern where {@code {n}} is the message number and
 * {@code {k}} the tenant, 1..tenants in turn. The default, {@code user{n}@tenant{k}.helpdesk.localhost},
 * spreads the load over ten tenant subdomains with a different mailbox for every message, as the
 * peer's {@code smtp-source -N} to {@code user@tenantK.helpdesk.test} does.
 */
public record RecipientPattern(String pattern, int tenants) {
    public static final String DEFAULT = "user{n}@tenant{k}.helpdesk.localhost";

    public RecipientPattern {
        if (tenants < 1) {
            throw new IllegalArgumentException("tenants must be at least 1");
        }
        if (!pattern.contains("@")) {
            throw new IllegalArgumentException("recipient pattern '" + pattern + "' is not an address");
        }
    }

    public String addressFor(int messageNumber) {
        return pattern.replace("{n}", Integer.toString(messageNumber))
            .replace("{k}", Integer.toString(Math.floorMod(messageNumber, tenants) + 1));
    }
}
