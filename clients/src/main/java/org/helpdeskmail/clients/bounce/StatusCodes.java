package org.helpdeskmail.clients.bounce;

import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Finds the RFC 3463 enhanced status and the SMTP reply code in a server's reply or a report's text. */
final class StatusCodes {
    // Not part of an IP address or a version number: no digit or dot around it.
    private static final Pattern ENHANCED_STATUS = Pattern.compile("(?<![\\d.])([245])\\.(\\d{1,3})\\.(\\d{1,3})(?!\\d|\\.\\d)");
    private static final Pattern CODE_BEFORE_STATUS = Pattern.compile("(?<![\\d.])([245]\\d\\d)[ -]+[245]\\.\\d{1,3}\\.\\d{1,3}");
    // A reply code where replies are quoted: at a line start, after "said:", Exchange's "#550" and "returned '550".
    private static final Pattern CODE = Pattern.compile("(?im)(?:^|said:|returned '|#)[ \\t]*([245]\\d\\d)(?=[ \\t:-]|$)");

    private StatusCodes() {
    }

    static Optional<String> enhancedStatus(String text) {
        Matcher matcher = ENHANCED_STATUS.matcher(text);
        return matcher.find() ? Optional.of(matcher.group()) : Optional.empty();
    }

    static Optional<Integer> smtpCode(String text) {
        Matcher beforeStatus = CODE_BEFORE_STATUS.matcher(text);
        if (beforeStatus.find()) {
            return Optional.of(Integer.parseInt(beforeStatus.group(1)));
        }
        Matcher code = CODE.matcher(text);
        return code.find() ? Optional.of(Integer.parseInt(code.group(1))) : Optional.empty();
    }

    /**
     * The more telling of a report's own status and the one in the server's reply: MTAs often report
     * {@code 5.0.0} while the reply they quote says {@code 5.1.1}.
     */
    static Optional<String> moreSpecific(Optional<String> reported, Optional<String> quoted) {
        if (reported.isEmpty()) {
            return quoted;
        }
        if (quoted.isPresent() && reported.get().endsWith(".0.0") && quoted.get().charAt(0) == reported.get().charAt(0)) {
            return quoted;
        }
        return reported;
    }
}
