package org.helpdeskmail.clients;

import java.util.List;
import java.util.Locale;
import java.util.function.Function;

/**
 * Says whether a message was sent by a machine rather than typed by a person: vacation replies,
 * ticket acknowledgements, bounces, list traffic. Helpdesks must not answer those (RFC 3834), and
 * two helpdesks answering each other would open tickets forever.
 */
public final class AutoReplyDetector {
    private static final List<String> BULK_PRECEDENCE = List.of("bulk", "junk", "list", "auto_reply");

    private AutoReplyDetector() {
    }

    /**
     * @param headerValues all values of a header by (case-insensitive) name, empty when absent
     * @param nullSender   whether the envelope sender is {@code <>} (bounces and notifications)
     */
    public static boolean isAutoReply(Function<String, List<String>> headerValues, boolean nullSender) {
        if (nullSender) {
            return true;
        }
        for (String value : headerValues.apply("Auto-Submitted")) {
            // RFC 3834: anything but "no" means a machine sent it.
            if (!firstToken(value).equals("no")) {
                return true;
            }
        }
        if (!headerValues.apply("X-Autoreply").isEmpty() || !headerValues.apply("X-Autorespond").isEmpty()
            || !headerValues.apply("X-Auto-Response-Suppress").isEmpty()) {
            return true;
        }
        return headerValues.apply("Precedence").stream().map(AutoReplyDetector::firstToken).anyMatch(BULK_PRECEDENCE::contains);
    }

    private static String firstToken(String value) {
        String trimmed = value.trim().toLowerCase(Locale.ROOT);
        int end = 0;
        while (end < trimmed.length() && !Character.isWhitespace(trimmed.charAt(end)) && trimmed.charAt(end) != ';') {
            end++;
        }
        return trimmed.substring(0, end);
    }
}
