package org.helpdeskmail.clients.tls;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * An MTA-STS policy (RFC 8461 §3.2) as served at {@code https://mta-sts.<domain>/.well-known/mta-sts.txt},
 * with the {@code id} of the TXT record it was fetched under (§3.1), which tells when to fetch it again.
 */
public record MtaStsPolicy(Mode mode, List<String> mx, Duration maxAge, String id) {
    /** RFC 8461 §3.2: the largest {@code max_age}, about a year. */
    public static final long MAX_AGE_LIMIT_SECONDS = 31_557_600;

    /** {@code key: value}; §3.2 ABNF: the key, a colon, optional white space, the value (trailing white space allowed). */
    private static final Pattern FIELD = Pattern.compile("([A-Za-z0-9][A-Za-z0-9_.-]{0,31}):[ \\t]*(.*?)[ \\t]*");
    private static final Pattern MAX_AGE = Pattern.compile("[0-9]{1,10}");
    /** §3.2 sts-policy-mx-value: a domain name, optionally with "*." in front. */
    private static final Pattern MX_PATTERN = Pattern.compile(
            "(\\*\\.)?[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+\\.?");

    public enum Mode {
        /** Deliver only to matching MX hosts over verified TLS. */
        ENFORCE,
        /** Check as in enforce, report failures, deliver anyway. */
        TESTING,
        /** The domain has withdrawn its policy: behave as without MTA-STS. */
        NONE
    }

    public MtaStsPolicy {
        mx = List.copyOf(mx);
    }

    /**
     * Parses a policy body. Lines end in CRLF or LF; unknown keys are ignored; {@code mx} may
     * repeat; for any other key that repeats the first occurrence counts. {@code version: STSv1},
     * {@code mode} and {@code max_age} (at most {@value #MAX_AGE_LIMIT_SECONDS}) are required, and
     * at least one {@code mx} unless the mode is {@code none}.
     *
     * @return the policy, or empty if the text is not a valid policy (then the domain has none)
     */
    public static Optional<MtaStsPolicy> parse(String text, String id) {
        Map<String, String> first = new HashMap<>();
        List<String> mx = new ArrayList<>();
        for (String line : text.split("\r?\n")) {
            if (line.isEmpty()) {
                continue;
            }
            Matcher field = FIELD.matcher(line);
            if (!field.matches()) {
                return Optional.empty();
            }
            String key = field.group(1).toLowerCase(Locale.ROOT);
            String value = field.group(2);
            if (key.equals("mx")) {
                if (!MX_PATTERN.matcher(value).matches()) {
                    return Optional.empty();
                }
                mx.add(HostNames.normalize(value));
            } else {
                first.putIfAbsent(key, value);
            }
        }
        if (!"STSv1".equalsIgnoreCase(first.get("version"))) {
            return Optional.empty();
        }
        Optional<Mode> mode = mode(first.get("mode"));
        String maxAge = first.get("max_age");
        if (mode.isEmpty() || maxAge == null || !MAX_AGE.matcher(maxAge).matches()) {
            return Optional.empty();
        }
        long maxAgeSeconds = Long.parseLong(maxAge);
        if (maxAgeSeconds > MAX_AGE_LIMIT_SECONDS || (mx.isEmpty() && mode.get() != Mode.NONE)) {
            return Optional.empty();
        }
        return Optional.of(new MtaStsPolicy(mode.get(), mx, Duration.ofSeconds(maxAgeSeconds), id));
    }

    /** Whether {@code mxHost} matches one of the policy's {@code mx} patterns (§4.1). */
    public boolean matchesMx(String mxHost) {
        return mx.stream().anyMatch(pattern -> HostNames.matches(pattern, mxHost));
    }

    private static Optional<Mode> mode(String value) {
        if (value == null) {
            return Optional.empty();
        }
        for (Mode mode : Mode.values()) {
            if (mode.name().equalsIgnoreCase(value)) {
                return Optional.of(mode);
            }
        }
        return Optional.empty();
    }
}
