package org.helpdeskmail.clients.bounce;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Microsoft Exchange and Office 365 notices. Their "Diagnostic information for administrators" section
 * gives each address and the reply, {@code #550 5.1.1 RESOLVER.ADR.RecipNotFound; not found ##} (Exchange
 * 2007/2010) or {@code Remote Server returned '550 5.1.10 ...'} (2013 and later, Office 365); without it, the
 * "Delivery has failed to these recipients or groups:" list gives each address and a sentence about it.
 * Office 365's newer layout says "Your message to a@b couldn't be delivered" and "Reported error: 550 ...".
 */
final class ExchangeNotice implements NoticeFormat {
    private static final Pattern SIGNATURE = Pattern.compile("(?i)delivery has (?:failed|been delayed) to these recipients or groups"
        + "|diagnostic information for administrators|your message did not reach some or all of the intended recipients");
    private static final Pattern WARNING = Pattern.compile("(?i)delivery has been delayed to these recipients or groups");
    private static final Pattern ADMINISTRATORS = Pattern.compile("(?i)diagnostic information for administrators:?");
    // An address alone on its line (Outlook adds "<mailto:...>"), then the reply on the next non-blank line.
    private static final Pattern ADMIN_ENTRY = Pattern.compile("(?m)^[ \\t]*(" + NoticeText.ADDRESS + ")(?:[ \\t]*<mailto:[^>]*>)?[ \\t]*\\n(?:[ \\t]*\\n)?"
        + "[ \\t]*(?:#([^\\n]*?)(?:##.*)?|Remote Server returned '([^\\n]*)'.*)$");
    private static final Pattern LISTED = Pattern.compile("(?i)delivery has (?:failed|been delayed) to these recipients or groups:?[ \\t]*\\n");
    private static final Pattern LISTED_ENTRY = Pattern.compile("(?m)^[ \\t]*(" + NoticeText.ADDRESS + ")(?:[ \\t]*<mailto:[^>]*>)?[ \\t]*(?:\\([^)\\n]*\\))?[ \\t]*\\n"
        + "((?:[ \\t]*(?![^\\s@]+@[^\\s@]+\\s*$)\\S.*\\n?)*)");
    private static final Pattern MESSAGE_TO = Pattern.compile("(?i)your message to (" + NoticeText.ADDRESS + ") couldn't be delivered");
    private static final Pattern REPORTED_ERROR = Pattern.compile("(?im)^[ \\t]*reported error:[ \\t]*(.+)$");

    @Override
    public String name() {
        return "exchange";
    }

    @Override
    public boolean recognizes(BounceMessage message) {
        return message.hasHeader("X-MS-Exchange-Message-Is-Ndr") || SIGNATURE.matcher(message.text()).find();
    }

    @Override
    public List<BouncedRecipient> recipients(String notice) {
        boolean delayed = WARNING.matcher(notice).find();
        // Exchange rarely names the remote host; when it does ("Message rejected by:"), once for the notice.
        Optional<String> remoteHost = NoticeText.remoteHost(notice);
        Map<String, BouncedRecipient> recipients = new LinkedHashMap<>();
        Matcher administrators = ADMINISTRATORS.matcher(notice);
        if (administrators.find()) {
            Matcher entry = ADMIN_ENTRY.matcher(notice);
            entry.region(administrators.end(), notice.length());
            while (recipients.size() < NoticeText.MAX_RECIPIENTS && entry.find()) {
                String reply = entry.group(2) != null ? entry.group(2) : entry.group(3);
                put(recipients, NoticeText.recipient(entry.group(1), reply, remoteHost, delayed));
            }
        }
        Matcher reportedError = REPORTED_ERROR.matcher(notice);
        if (reportedError.find()) {
            Matcher messageTo = MESSAGE_TO.matcher(notice);
            while (recipients.size() < NoticeText.MAX_RECIPIENTS && messageTo.find()) {
                putIfAbsent(recipients, NoticeText.recipient(messageTo.group(1), reportedError.group(1), remoteHost, delayed));
            }
        }
        Matcher listed = LISTED.matcher(notice);
        if (listed.find()) {
            int end = administrators.find(0) ? administrators.start() : notice.length();
            Matcher entry = LISTED_ENTRY.matcher(notice);
            entry.region(listed.end(), Math.max(listed.end(), end));
            while (recipients.size() < NoticeText.MAX_RECIPIENTS && entry.find()) {
                putIfAbsent(recipients, NoticeText.recipient(entry.group(1), entry.group(2), remoteHost, delayed));
            }
        }
        return new ArrayList<>(recipients.values());
    }

    private static void put(Map<String, BouncedRecipient> recipients, BouncedRecipient recipient) {
        recipients.put(recipient.address().toLowerCase(Locale.ROOT), recipient);
    }

    private static void putIfAbsent(Map<String, BouncedRecipient> recipients, BouncedRecipient recipient) {
        recipients.putIfAbsent(recipient.address().toLowerCase(Locale.ROOT), recipient);
    }
}
