package org.helpdeskmail.smtp;

import java.net.InetSocketAddress;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import org.apache.commons.configuration2.Configuration;
import org.apache.commons.configuration2.ex.ConfigurationException;
import org.apache.commons.configuration2.ex.ConversionException;
import org.apache.james.protocols.api.ProtocolSession;
import org.apache.james.protocols.smtp.SMTPSession;
import org.apache.james.protocols.smtp.hook.HeloHook;
import org.apache.james.protocols.smtp.hook.HookResult;
import org.apache.james.protocols.smtp.hook.HookReturnCode;
import org.helpdeskmail.clients.NetworkAllowList;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.google.common.annotations.VisibleForTesting;
import com.google.common.net.InetAddresses;

/**
 * Checks the syntax of the EHLO/HELO argument: a fully qualified domain name (two labels or more of
 * letters, digits and hyphens, no label starting or ending with a hyphen, a top-level label that is not
 * all digits, so a bare IP address is not a name) or an RFC 5321 address literal ({@code [192.0.2.1]},
 * {@code [IPv6:2001:db8::1]}). Only the syntax: RFC 5321 §4.1.4 forbids refusing a client because its
 * name does not match its address, and many legitimate servers announce names that do not resolve.
 *
 * <p>By default the verdict is only recorded ({@link #verdict(SMTPSession)}, connection state) for
 * scoring and greylisting; with {@code <reject>true</reject>} an invalid name gets
 * {@code 501 5.5.2 Invalid HELO/EHLO name}, the reply most MTAs send, and the client may try again.
 * Authenticated sessions and clients inside {@code <allowList>} are not checked.
 *
 * <pre>{@code
 * <handler class="org.helpdeskmail.smtp.HeloNameCheck">
 *     <reject>false</reject>                 <!-- true: 501 5.5.2 instead of recording only -->
 *     <allowList>10.0.0.0/8</allowList>      <!-- optional: never checked -->
 * </handler>
 * }</pre>
 */
public class HeloNameCheck implements HeloHook {
    private static final Logger LOGGER = LoggerFactory.getLogger(HeloNameCheck.class);
    static final ProtocolSession.AttachmentKey<HeloVerdict> VERDICT = ProtocolSession.AttachmentKey.of("helpdesk.helo", HeloVerdict.class);

    private static final int MAXIMUM_NAME_LENGTH = 253;
    private static final Pattern LABEL = Pattern.compile("[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?");
    private static final Pattern DIGITS = Pattern.compile("[0-9]+");
    private static final Pattern IPV4_LITERAL = Pattern.compile("(\\d{1,3})\\.(\\d{1,3})\\.(\\d{1,3})\\.(\\d{1,3})");
    private static final String IPV6_TAG = "ipv6:";

    /** @param problem why the name is invalid; "" when it is valid */
    public record HeloVerdict(String name, String problem) {
        public boolean valid() {
            return problem.isEmpty();
        }
    }

    private boolean reject = false;
    private NetworkAllowList allowList = new NetworkAllowList(List.of());

    @Override
    public void init(Configuration configuration) throws ConfigurationException {
        String name = getClass().getSimpleName();
        try {
            reject = configuration.getBoolean("reject", false);
        } catch (ConversionException e) {
            throw new ConfigurationException(name + ": <reject> must be true or false", e);
        }
        String networks = configuration.containsKey("allowList")
            ? Arrays.stream(configuration.getStringArray("allowList")).collect(Collectors.joining(","))
            : "";
        if (!networks.isBlank()) {
            try {
                allowList = NetworkAllowList.parse(networks);
            } catch (IllegalArgumentException e) {
                throw new ConfigurationException(name + ": <allowList> " + e.getMessage(), e);
            }
        }
    }

    @Override
    public HookResult doHelo(SMTPSession session, String helo) {
        try {
            if (session.getUsername() != null) {
                return HookResult.DECLINED;
            }
            InetSocketAddress remote = session.getRemoteAddress();
            if (remote != null && remote.getAddress() != null && allowList.contains(remote.getAddress())) {
                return HookResult.DECLINED;
            }
            String name = helo == null ? "" : helo.trim();
            HeloVerdict verdict = new HeloVerdict(name, problem(name).orElse(""));
            session.setAttachment(VERDICT, verdict, ProtocolSession.State.Connection);
            if (verdict.valid()) {
                return HookResult.DECLINED;
            }
            LOGGER.info("Invalid HELO/EHLO name '{}' from {} ({}){}", printable(name),
                remote == null ? "?" : remote.getHostString(), verdict.problem(), reject ? ": refused" : "");
            if (!reject) {
                return HookResult.DECLINED;
            }
            return HookResult.builder()
                .hookReturnCode(HookReturnCode.deny())
                .smtpReturnCode("501")
                .smtpDescription("5.5.2 Invalid HELO/EHLO name: " + verdict.problem())
                .build();
        } catch (RuntimeException e) {
            LOGGER.warn("HELO name check failed for session {}, accepting", session.getSessionID(), e);
            return HookResult.DECLINED;
        }
    }

    /**
     * Why {@code name} is neither a fully qualified domain name nor an address literal, or empty
     * when it is one of them.
     */
    @VisibleForTesting
    static Optional<String> problem(String name) {
        if (name.isEmpty()) {
            return Optional.of("no name given");
        }
        if (name.startsWith("[")) {
            return addressLiteralProblem(name);
        }
        // A final dot is the absolute form of the same name, not a different one.
        String domain = name.endsWith(".") ? name.substring(0, name.length() - 1) : name;
        if (domain.length() > MAXIMUM_NAME_LENGTH) {
            return Optional.of("the name is longer than " + MAXIMUM_NAME_LENGTH + " characters");
        }
        String[] labels = domain.toLowerCase(Locale.ROOT).split("\\.", -1);
        if (labels.length < 2) {
            return Optional.of("not a fully qualified domain name");
        }
        for (String label : labels) {
            if (!LABEL.matcher(label).matches()) {
                return Optional.of("not a valid domain name");
            }
        }
        if (DIGITS.matcher(labels[labels.length - 1]).matches()) {
            // 192.0.2.1 without brackets, or a name under a numeric "top-level domain".
            return Optional.of("an IP address must be written as an address literal such as [192.0.2.1]");
        }
        return Optional.empty();
    }

    private static Optional<String> addressLiteralProblem(String literal) {
        if (!literal.endsWith("]") || literal.length() < 3) {
            return Optional.of("not a valid address literal");
        }
        String content = literal.substring(1, literal.length() - 1);
        if (content.regionMatches(true, 0, IPV6_TAG, 0, IPV6_TAG.length())) {
            String address = content.substring(IPV6_TAG.length());
            // Guava also takes IPv4 and scoped addresses, which the IPv6 tag does not allow.
            boolean valid = address.contains(":") && !address.contains("%") && InetAddresses.isInetAddress(address);
            return valid ? Optional.empty() : Optional.of("not a valid IPv6 address literal");
        }
        Matcher quad = IPV4_LITERAL.matcher(content);
        if (!quad.matches()) {
            return Optional.of("not a valid address literal (expected [192.0.2.1] or [IPv6:2001:db8::1])");
        }
        for (int group = 1; group <= 4; group++) {
            if (Integer.parseInt(quad.group(group)) > 255) {
                return Optional.of("not a valid IPv4 address literal");
            }
        }
        return Optional.empty();
    }

    private static String printable(String name) {
        String shown = name.replaceAll("[^\\x21-\\x7e]", "?");
        return shown.length() > 100 ? shown.substring(0, 100) + "..." : shown;
    }

    /** The syntax verdict of the last EHLO/HELO of this connection, when it was checked. */
    public static Optional<HeloVerdict> verdict(SMTPSession session) {
        return session.getAttachment(VERDICT, ProtocolSession.State.Connection);
    }

    /** Whether the client announced a name that is neither a domain name nor an address literal. */
    public static boolean invalidHelo(SMTPSession session) {
        return verdict(session).map(verdict -> !verdict.valid()).orElse(false);
    }
}
