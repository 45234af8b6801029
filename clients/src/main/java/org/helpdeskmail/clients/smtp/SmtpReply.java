package org.helpdeskmail.clients.smtp;

import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One SMTP reply, all its lines joined: the three-digit code and, when the server gave one, the
 * RFC 3463 enhanced status code that starts the text (RFC 2034).
 */
public record SmtpReply(int code, Optional<String> enhancedStatus, List<String> lines) {
    private static final Pattern ENHANCED_STATUS = Pattern.compile("^([245]\\.\\d{1,3}\\.\\d{1,3})(?:\\s|$)");

    public SmtpReply {
        lines = List.copyOf(lines);
    }

    /** Reads the enhanced status code from the first line, if the server sent one that agrees with the code's class. */
    public static SmtpReply of(int code, List<String> lines) {
        Optional<String> status = Optional.empty();
        if (!lines.isEmpty()) {
            Matcher matcher = ENHANCED_STATUS.matcher(lines.get(0));
            if (matcher.find() && matcher.group(1).charAt(0) == Character.forDigit(code / 100, 10)) {
                status = Optional.of(matcher.group(1));
            }
        }
        return new SmtpReply(code, status, lines);
    }

    public boolean positive() {
        return code >= 200 && code < 400;
    }

    public boolean transientFailure() {
        return code >= 400 && code < 500;
    }

    public boolean permanentFailure() {
        return code >= 500;
    }

    /** The text of the reply without its enhanced status code, lines joined by a space. */
    public String text() {
        String joined = String.join(" ", lines);
        return enhancedStatus.map(status -> joined.substring(status.length()).trim()).orElse(joined);
    }

    /** As the server sent it, on one line: for logs and for the events' diagnostic. */
    @Override
    public String toString() {
        return code + " " + String.join(" / ", lines);
    }
}
