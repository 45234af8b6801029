package org.helpdeskmail.clients.bounce;

import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Helpers for reading human-readable notices: addresses, the quoted copy, remote hosts, recipient entries. */
final class NoticeText {
    /**
     * An address as notices write it; surrounding brackets, quotes and punctuation are removed by {@link #address}.
     * Neither side may hold another {@code @}: with it, a long run of "a@a@a@" makes the matcher backtrack for hours.
     */
    static final String ADDRESS = "[^\\s<>()\"',;:\\[\\]@]+@[^\\s<>()\"',;:\\[\\]@]+";
    /** More recipients than a message of ours ever has: the rest of a notice that lists more is not read. */
    static final int MAX_RECIPIENTS = 1000;
    private static final int MAX_DIAGNOSTIC_LENGTH = 2000;
    // Where a notice starts quoting the returned message (Exim, qmail and Yahoo, Exchange, Gmail, others). No
    // quantifier may run ahead of the words: on a long line of dashes that would backtrack for minutes.
    private static final Pattern COPY_MARKER = Pattern.compile("(?i)this is a copy of the message|below this line is a copy of the message"
        + "|original message headers|(?<!-)-{3,}+ ?original message ?---|original message follows|returned message follows"
        + "|this is a copy of the headers|headers of the original message");
    private static final String ADDRESS_LEADING = "<'\"([";
    private static final String ADDRESS_TRAILING = ">'\"),.;:]";
    private static final List<Pattern> REMOTE_HOST = List.of(
        Pattern.compile("(?i)\\bhost\\s+([A-Za-z0-9][A-Za-z0-9.-]*[A-Za-z0-9])\\s*\\[[0-9a-fA-F.:]+\\]"),
        Pattern.compile("(?m)^[ \\t]*(\\d{1,3}(?:\\.\\d{1,3}){3}) does not like recipient"),
        Pattern.compile("(?i)giving up on (\\d{1,3}(?:\\.\\d{1,3}){3})"),
        Pattern.compile("(?i)\\bby ([A-Za-z0-9][A-Za-z0-9.-]*[A-Za-z0-9])\\.? \\[[0-9a-fA-F.:]+\\]"),
        Pattern.compile("(?i)message rejected by:?\\s*([A-Za-z0-9][A-Za-z0-9.-]*[A-Za-z0-9])"));

    private NoticeText() {
    }

    /** The notice without the copy of the returned message, whose addresses and codes are not the report's. */
    static String withoutCopy(String text) {
        Matcher marker = COPY_MARKER.matcher(text);
        return marker.find() ? text.substring(0, text.lastIndexOf('\n', marker.start()) + 1) : text;
    }

    /** The copy of the returned message quoted after the notice, when there is one. */
    static Optional<String> copy(String text) {
        Matcher marker = COPY_MARKER.matcher(text);
        if (!marker.find()) {
            return Optional.empty();
        }
        int lineEnd = text.indexOf('\n', marker.end());
        return Optional.of(lineEnd < 0 ? "" : text.substring(lineEnd + 1));
    }

    static String address(String raw) {
        String address = raw.strip();
        if (address.regionMatches(true, 0, "mailto:", 0, 7)) {
            address = address.substring(7);
        }
        int start = 0;
        int end = address.length();
        while (start < end && ADDRESS_LEADING.indexOf(address.charAt(start)) >= 0) {
            start++;
        }
        while (end > start && ADDRESS_TRAILING.indexOf(address.charAt(end - 1)) >= 0) {
            end--;
        }
        return address.substring(start, end);
    }

    static String collapse(String text) {
        String collapsed = text.replaceAll("\\s+", " ").strip();
        return collapsed.length() > MAX_DIAGNOSTIC_LENGTH ? collapsed.substring(0, MAX_DIAGNOSTIC_LENGTH) : collapsed;
    }

    static Optional<String> remoteHost(String text) {
        for (Pattern pattern : REMOTE_HOST) {
            Matcher matcher = pattern.matcher(text);
            if (matcher.find()) {
                return Optional.of(matcher.group(1));
            }
        }
        return Optional.empty();
    }

    /**
     * A recipient entry of a notice.
     *
     * @param diagnostic what the notice says about this recipient
     * @param remoteHost from {@link #remoteHost} of the entry, or of the whole notice (looked up once, not per entry)
     */
    static BouncedRecipient recipient(String address, String diagnostic, Optional<String> remoteHost, boolean delayed) {
        String text = collapse(diagnostic);
        Optional<String> status = StatusCodes.enhancedStatus(text);
        Optional<Integer> code = StatusCodes.smtpCode(diagnostic);
        Classification classification = delayed ? Classification.DELAYED : BounceClassifier.classify(status, code, text);
        return new BouncedRecipient(address(address), status, code, text, remoteHost, Optional.empty(), classification);
    }
}
