package org.helpdeskmail.clients.bounce;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Exim's notice: "This message was created automatically by mail delivery software." then each failed
 * address indented by two spaces, its reason indented by four:
 * <pre>
 *   nobody@example.net
 *     host mx.example.net [192.0.2.25]
 *     SMTP error from remote mail server after RCPT TO:&lt;nobody@example.net&gt;:
 *     550 5.1.1 &lt;nobody@example.net&gt;: Recipient address rejected: User unknown
 * </pre>
 * Its delay warning ("has not yet been delivered ... after more than 24 hours") lists addresses the same way.
 */
final class EximNotice implements NoticeFormat {
    private static final Pattern SIGNATURE = Pattern.compile("(?i)this message was created automatically by mail delivery software");
    private static final Pattern WARNING = Pattern.compile("(?i)has not yet been delivered to one or more of its");
    private static final Pattern ENTRY = Pattern.compile(
        "(?m)^ {1,3}(" + NoticeText.ADDRESS + ")[ \\t]*:?[ \\t]*$((?:\\n(?: {4,}|\\t).*)*)");

    @Override
    public String name() {
        return "exim";
    }

    @Override
    public boolean recognizes(BounceMessage message) {
        return SIGNATURE.matcher(message.text()).find();
    }

    @Override
    public List<BouncedRecipient> recipients(String notice) {
        boolean delayed = WARNING.matcher(notice).find();
        List<BouncedRecipient> recipients = new ArrayList<>();
        Matcher entry = ENTRY.matcher(notice);
        while (recipients.size() < NoticeText.MAX_RECIPIENTS && entry.find()) {
            recipients.add(NoticeText.recipient(entry.group(1), entry.group(2), NoticeText.remoteHost(entry.group(2)), delayed));
        }
        return recipients;
    }
}
