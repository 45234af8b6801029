package org.helpdeskmail.matchers;

import javax.inject.Inject;

import org.apache.james.core.MailAddress;
import org.apache.mailet.base.GenericRecipientMatcher;
import org.helpdeskmail.clients.outbound.BounceAddresses;

/**
 * Matches the recipients that are VERP return paths of our outbound mail
 * ({@code bounces+<token>@<bounce domain>}): bounces and complaints coming back.
 *
 * <pre>{@code
 * <mailet match="org.helpdeskmail.matchers.IsReturnPath" class="ToProcessor">
 *     <processor>bounce-reports</processor>
 * </mailet>
 * }</pre>
 */
public class IsReturnPath extends GenericRecipientMatcher {
    private final BounceAddresses bounceAddresses;

    @Inject
    public IsReturnPath(BounceAddresses bounceAddresses) {
        this.bounceAddresses = bounceAddresses;
    }

    @Override
    public boolean matchRecipient(MailAddress recipient) {
        return bounceAddresses.isReturnPath(recipient);
    }
}
