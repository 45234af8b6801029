package org.helpdeskmail.smtp;

import java.net.IDN;
import java.net.InetSocketAddress;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

import org.apache.commons.configuration2.Configuration;
import org.apache.commons.configuration2.ex.ConfigurationException;
import org.apache.james.core.MaybeSender;
import org.apache.james.protocols.smtp.SMTPSession;
import org.apache.james.protocols.smtp.hook.HookResult;
import org.apache.james.protocols.smtp.hook.HookReturnCode;
import org.apache.james.protocols.smtp.hook.MailHook;
import org.helpdeskmail.clients.NetworkAllowList;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.xbill.DNS.Lookup;
import org.xbill.DNS.MXRecord;
import org.xbill.DNS.Name;
import org.xbill.DNS.Record;
import org.xbill.DNS.TextParseException;
import org.xbill.DNS.Type;

import com.google.common.annotations.VisibleForTesting;
import com.google.common.net.InetAddresses;

/**
 * Refuses, at MAIL FROM, a sender whose domain has neither an MX nor an A/AAAA record: nothing could
 * ever reach it, so a bounce or a helpdesk reply would be undeliverable, and such senders are forged.
 *
 * <ul>
 *     <li>the domain does not exist (NXDOMAIN), or has none of those records:
 *         {@code 550 5.1.8 Sender address rejected: domain <d> not found};</li>
 *     <li>its only MX is the RFC 7505 null MX ({@code 0 .}), the domain's statement that it takes no mail:
 *         {@code 550 5.7.27 Sender address rejected: domain <d> does not accept mail};</li>
 *     <li>the lookup failed for now (SERVFAIL, timeout) and no record was found:
 *         {@code 451 4.4.3 Temporary DNS failure for <d>, try again later}.</li>
 * </ul>
 * The null sender {@code <>}, address-literal domains, authenticated sessions and clients inside
 * {@code <allowList>} are accepted without a lookup. Any other failure (an unusable resolver answer, a
 * bug) accepts the mail with a log line.
 *
 * <p>The lookups go through dnsjava's {@link Lookup} rather than James's DNSService: DNSService reports
 * NXDOMAIN and a failed lookup alike for A records (both an UnknownHostException), never asks for AAAA,
 * and falls back from MX to A itself. dnsjava's default resolver is the one the server's DNS service
 * configured (servers, ports, timeout), and its default cache honours the records' TTLs. Names are
 * looked up as absolute names, so the resolver's search list never turns {@code example} into
 * {@code example.corp.lan}. Worst case, when every lookup times out, the reply waits for three timeouts.
 *
 * <pre>{@code
 * <handler class="org.helpdeskmail.smtp.SenderDomainCheck">
 *     <allowList>10.0.0.0/8</allowList>   <!-- optional: senders of these clients are not checked -->
 * </handler>
 * }</pre>
 */
public class SenderDomainCheck implements MailHook {
    private static final Logger LOGGER = LoggerFactory.getLogger(SenderDomainCheck.class);
    private static final int[] TYPES = {Type.MX, Type.A, Type.AAAA};

    enum Resolution { FOUND, NOT_FOUND, NULL_MX, TEMPORARY_FAILURE }

    private NetworkAllowList allowList = new NetworkAllowList(List.of());

    @Override
    public void init(Configuration configuration) throws ConfigurationException {
        String networks = configuration.containsKey("allowList")
            ? Arrays.stream(configuration.getStringArray("allowList")).collect(Collectors.joining(","))
            : "";
        if (!networks.isBlank()) {
            try {
                allowList = NetworkAllowList.parse(networks);
            } catch (IllegalArgumentException e) {
                throw new ConfigurationException(getClass().getSimpleName() + ": <allowList> " + e.getMessage(), e);
            }
        }
    }

    @Override
    public HookResult doMail(SMTPSession session, MaybeSender sender) {
        try {
            if (sender.isNullSender() || session.getUsername() != null) {
                return HookResult.DECLINED;
            }
            InetSocketAddress remote = session.getRemoteAddress();
            if (remote != null && remote.getAddress() != null && allowList.contains(remote.getAddress())) {
                return HookResult.DECLINED;
            }
            String domain = sender.get().getDomain().asString().toLowerCase(Locale.ROOT);
            if (isAddressLiteral(domain)) {
                // user@[192.0.2.1] (James hands it over without the brackets): there is no name to look up.
                return HookResult.DECLINED;
            }
            return switch (resolve(domain)) {
                case FOUND -> HookResult.DECLINED;
                case NOT_FOUND -> refusal("550", "5.1.8 Sender address rejected: domain " + domain + " not found");
                case NULL_MX -> refusal("550", "5.7.27 Sender address rejected: domain " + domain + " does not accept mail");
                case TEMPORARY_FAILURE -> HookResult.builder()
                    .hookReturnCode(HookReturnCode.denySoft())
                    .smtpReturnCode("451")
                    .smtpDescription("4.4.3 Temporary DNS failure for " + domain + ", try again later")
                    .build();
            };
        } catch (RuntimeException e) {
            LOGGER.warn("Sender domain check failed for session {}, accepting", session.getSessionID(), e);
            return HookResult.DECLINED;
        }
    }

    /** MX first, then A, then AAAA; the first record found settles it. */
    @VisibleForTesting
    static Resolution resolve(String domain) {
        Name name;
        try {
            name = Name.fromString(IDN.toASCII(domain), Name.root);
        } catch (TextParseException | IllegalArgumentException e) {
            // Too long a label or name, or not convertible to ASCII: it cannot exist in the DNS.
            LOGGER.debug("Sender domain {} is not a DNS name", domain, e);
            return Resolution.NOT_FOUND;
        }
        boolean temporaryFailure = false;
        String lastError = "";
        for (int type : TYPES) {
            Lookup lookup = new Lookup(name, type);
            Record[] records = lookup.run();
            switch (lookup.getResult()) {
                case Lookup.SUCCESSFUL:
                    if (type == Type.MX && isNullMx(records)) {
                        return Resolution.NULL_MX;
                    }
                    return Resolution.FOUND;
                case Lookup.HOST_NOT_FOUND:
                    // NXDOMAIN: the name has no record of any type, asking for the other types is pointless.
                    return Resolution.NOT_FOUND;
                case Lookup.TYPE_NOT_FOUND:
                    break;
                case Lookup.TRY_AGAIN:
                    // Keep going: a server that fails on one type may still answer another.
                    temporaryFailure = true;
                    lastError = lookup.getErrorString();
                    break;
                default:
                    // UNRECOVERABLE (a referral, a malformed answer): not the sender's fault, and retrying
                    // would not help either; accept rather than delay mail for days.
                    LOGGER.warn("Sender domain {}: {} lookup unusable ({}), accepting", domain, Type.string(type), lookup.getErrorString());
                    return Resolution.FOUND;
            }
        }
        if (temporaryFailure) {
            LOGGER.info("Sender domain {}: temporary DNS failure ({}), answering 451", domain, lastError);
            return Resolution.TEMPORARY_FAILURE;
        }
        return Resolution.NOT_FOUND;
    }

    private static boolean isAddressLiteral(String domain) {
        String address = domain.startsWith("[") && domain.endsWith("]") ? domain.substring(1, domain.length() - 1) : domain;
        if (address.startsWith("ipv6:")) {
            address = address.substring("ipv6:".length());
        }
        return InetAddresses.isInetAddress(address);
    }

    private static boolean isNullMx(Record[] records) {
        return Arrays.stream(records).allMatch(record -> record instanceof MXRecord mx && mx.getTarget().equals(Name.root));
    }

    private static HookResult refusal(String code, String description) {
        return HookResult.builder()
            .hookReturnCode(HookReturnCode.deny())
            .smtpReturnCode(code)
            .smtpDescription(description)
            .build();
    }
}
