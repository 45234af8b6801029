package org.helpdeskmail.smtp;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import javax.inject.Inject;

import org.apache.commons.configuration2.Configuration;
import org.apache.commons.configuration2.HierarchicalConfiguration;
import org.apache.commons.configuration2.ex.ConfigurationException;
import org.apache.james.core.MailAddress;
import org.apache.james.core.MaybeSender;
import org.apache.james.core.Username;
import org.apache.james.protocols.smtp.SMTPSession;
import org.apache.james.protocols.smtp.hook.HookResult;
import org.apache.james.protocols.smtp.hook.HookReturnCode;
import org.apache.james.protocols.smtp.hook.MailHook;
import org.helpdeskmail.clients.HelpdeskDomains;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Decides, at MAIL FROM on the submission listeners, which envelope senders an authenticated user may
 * use, so that a submission password (the app's, or a leaked one) cannot send as any domain on the
 * internet with our IP addresses and DKIM keys:
 * <ul>
 *     <li>no AUTH yet: {@code 530 5.7.0 Authentication required} (RFC 4954), even for mail to local
 *     recipients, since the listener is a message submission agent only (RFC 6409);</li>
 *     <li>a sender whose domain is one the user may send for: accepted (the other hooks go on);</li>
 *     <li>any other domain: {@code 550 5.7.1}, naming the domain and the user;</li>
 *     <li>the null sender {@code <>}: {@code 550 5.7.1}. Only delivery status notifications use it
 *     (RFC 5321 4.5.5), the helpdesk app never writes one, and this server produces its own; a
 *     submitted message with {@code <>} would be a bounce nobody could bounce back, so it is refused.</li>
 * </ul>
 * The domains a user may send for, each including its subdomains ({@code helpdesk.example} allows
 * {@code support@acme.helpdesk.example}):
 * <ul>
 *     <li>the helpdesk domains ({@code HELPDESK_DOMAINS}), for every user;</li>
 *     <li>the domain of the user's own name ({@code app@notify.example} may send as
 *     {@code anything@notify.example}): James only has users in its own domains;</li>
 *     <li>{@code <domains>}: further domains for every user (comma list, may repeat);</li>
 *     <li>{@code <user name="...">}: domains for that user only, for example the customers' verified
 *     domains the app sends for (comma list; the element may repeat, also for the same user).</li>
 * </ul>
 * Domains are compared in lower case and as ASCII: write internationalized domains in their
 * {@code xn--} form. A domain that is not a host name stops startup, naming the element.
 *
 * <pre>{@code
 * <handler class="org.helpdeskmail.smtp.SenderDomainAuthorization">
 *     <domains>notify.example</domains>                                  <!-- optional -->
 *     <user name="app@helpdesk.example">customer.example, other.example</user>  <!-- optional, may repeat -->
 * </handler>
 * }</pre>
 * Put it before the rate limits of the submission chain, so that a refused sender does not count.
 * Replaces James's {@code verifyIdentity} (which only lets a user send as its own address): set
 * {@code <verifyIdentity>false</verifyIdentity>} on the listener.
 */
public class SenderDomainAuthorization implements MailHook {
    private static final Logger LOGGER = LoggerFactory.getLogger(SenderDomainAuthorization.class);
    private static final Pattern HOST_NAME =
        Pattern.compile("(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\\.)*[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?");
    private static final HookResult AUTHENTICATION_REQUIRED = refusal("530", "5.7.0 Authentication required: "
        + "this port is for message submission; after STARTTLS, authenticate with AUTH before MAIL");

    /**
     * What init read: the domains every user may use and those of single users (keys in lower case).
     */
    record Authorizations(Set<String> everyUser, Map<String, Set<String>> perUser) {
        Authorizations {
            everyUser = Set.copyOf(everyUser);
            perUser = Map.copyOf(perUser);
        }

        boolean allows(String user, String domain) {
            String userDomain = user.substring(user.lastIndexOf('@') + 1);
            return Stream.concat(Stream.concat(everyUser.stream(), perUser.getOrDefault(user, Set.of()).stream()), Stream.of(userDomain))
                .anyMatch(allowed -> domain.equals(allowed) || domain.endsWith("." + allowed));
        }
    }

    private final HelpdeskDomains helpdeskDomains;
    private Authorizations authorizations;

    @Inject
    public SenderDomainAuthorization(HelpdeskDomains helpdeskDomains) {
        this.helpdeskDomains = helpdeskDomains;
        this.authorizations = new Authorizations(Set.copyOf(helpdeskDomains.domains()), Map.of());
    }

    @Override
    public void init(Configuration configuration) throws ConfigurationException {
        List<String> everyUser = new ArrayList<>(helpdeskDomains.domains());
        for (String value : configuration.getList(String.class, "domains", List.of())) {
            everyUser.addAll(domainList(value, "<domains>"));
        }
        Map<String, Set<String>> perUser = new HashMap<>();
        for (int index = 0; index <= lastUserIndex(configuration); index++) {
            String name = configuration.getString("user(" + index + ")[@name]", "").trim().toLowerCase(Locale.ROOT);
            if (name.isEmpty()) {
                throw new ConfigurationException(getClass().getSimpleName() + ": every <user> needs a name attribute, "
                    + "for example <user name=\"app@helpdesk.example\">customer.example</user>");
            }
            List<String> domains = domainList(configuration.getString("user(" + index + ")", ""), "<user name=\"" + name + "\">");
            perUser.merge(name, Set.copyOf(domains),
                (known, added) -> Stream.concat(known.stream(), added.stream()).collect(Collectors.toUnmodifiableSet()));
        }
        authorizations = new Authorizations(Set.copyOf(everyUser), perUser);
        LOGGER.info("Submission senders: every user may send for {} and its own domain; per user: {}",
            authorizations.everyUser(), authorizations.perUser().isEmpty() ? "none" : authorizations.perUser());
    }

    private int lastUserIndex(Configuration configuration) throws ConfigurationException {
        if (configuration instanceof HierarchicalConfiguration<?> hierarchical) {
            return hierarchical.getMaxIndex("user");
        }
        if (configuration.containsKey("user")) {
            throw new ConfigurationException(getClass().getSimpleName() + ": <user> needs an XML configuration");
        }
        return -1;
    }

    private List<String> domainList(String value, String element) throws ConfigurationException {
        List<String> domains = Arrays.stream(value.split(","))
            .map(domain -> domain.trim().toLowerCase(Locale.ROOT))
            .filter(domain -> !domain.isEmpty())
            .toList();
        if (domains.isEmpty()) {
            throw new ConfigurationException(getClass().getSimpleName() + ": " + element + " lists no domain");
        }
        for (String domain : domains) {
            if (!HOST_NAME.matcher(domain).matches()) {
                throw new ConfigurationException(getClass().getSimpleName() + ": " + element + " '" + domain + "' is not a domain name");
            }
        }
        return domains;
    }

    Authorizations authorizations() {
        return authorizations;
    }

    @Override
    public HookResult doMail(SMTPSession session, MaybeSender sender) {
        Username username = session.getUsername();
        if (username == null) {
            return AUTHENTICATION_REQUIRED;
        }
        String user = username.asString().toLowerCase(Locale.ROOT);
        if (sender.isNullSender()) {
            LOGGER.warn("Submission from {} refused: the null sender <>", user);
            return refusal("550", "5.7.1 The null sender <> is not accepted from user " + user
                + ": delivery status notifications are written by this server only");
        }
        MailAddress address = sender.get();
        String domain = address.getDomain().asString().toLowerCase(Locale.ROOT);
        if (authorizations.allows(user, domain)) {
            return HookResult.DECLINED;
        }
        // WARN: an app bug or a stolen password trying other domains, both worth an operator's look.
        LOGGER.warn("Submission from {} refused: may not send for {} (sender <{}>)", user, domain, address.asString());
        return refusal("550", "5.7.1 User " + user + " may not send mail from domain " + domain);
    }

    private static HookResult refusal(String code, String description) {
        return HookResult.builder()
            .hookReturnCode(HookReturnCode.deny())
            .smtpReturnCode(code)
            .smtpDescription(description)
            .build();
    }
}
