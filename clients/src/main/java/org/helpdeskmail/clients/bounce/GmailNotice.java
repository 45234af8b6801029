package org.helpdeskmail.clients.bounce;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Gmail's notices, sent by {@code mailer-daemon@googlemail.com}: the current "** Address not found ** Your message
 * wasn't delivered to a@b because ... The response from the remote server was: 550 ..." and the older
 * "Delivery to the following recipient failed permanently: a@b ... The error that the other server returned
 * was: 550 ...". "Delivery incomplete" and "has been delayed" notices are warnings.
 */
final class GmailNotice implements NoticeFormat {
    private static final Pattern SIGNATURE = Pattern.compile("(?i)\\*\\* (?:address not found|message not delivered|message blocked"
        + "|delivery incomplete) \\*\\*|your message wasn't delivered to|delivery to the following recipients? (?:failed permanently|has been delayed)");
    private static final Pattern WARNING = Pattern.compile("(?i)\\*\\* delivery incomplete \\*\\*|temporary problem delivering|has been delayed|will retry");
    private static final Pattern SENTENCE_ADDRESS = Pattern.compile(
        "(?i)(?:wasn't delivered to|couldn't be delivered to|problem delivering your message to)\\s+(" + NoticeText.ADDRESS + ")");
    private static final Pattern LISTED_ADDRESSES = Pattern.compile(
        "(?i)delivery to the following recipients? (?:failed permanently|has been delayed):[ \\t]*\\n((?:[ \\t]*\\n)*(?:[ \\t]*" + NoticeText.ADDRESS + "[ \\t]*\\n?)+)");
    private static final Pattern ADDRESS = Pattern.compile(NoticeText.ADDRESS);
    private static final Pattern REPLY = Pattern.compile(
        "(?is)(?:the response from the remote server was|the error that the other server returned was|the response was):[ \\t]*\\n(.+?)(?:\\n[ \\t]*\\n|$)");
    private static final Pattern FIRST_PARAGRAPH = Pattern.compile("(?is)((?:wasn't|couldn't be) delivered to.+?)(?:\\n[ \\t]*\\n|$)");

    @Override
    public String name() {
        return "gmail";
    }

    @Override
    public boolean recognizes(BounceMessage message) {
        return message.header("From").map(from -> from.toLowerCase(Locale.ROOT).contains("mailer-daemon@googlemail.com")).orElse(false)
            || SIGNATURE.matcher(message.text()).find();
    }

    @Override
    public List<BouncedRecipient> recipients(String notice) {
        Set<String> addresses = new LinkedHashSet<>();
        Matcher sentence = SENTENCE_ADDRESS.matcher(notice);
        while (addresses.size() < NoticeText.MAX_RECIPIENTS && sentence.find()) {
            addresses.add(NoticeText.address(sentence.group(1)));
        }
        Matcher listed = LISTED_ADDRESSES.matcher(notice);
        while (addresses.size() < NoticeText.MAX_RECIPIENTS && listed.find()) {
            Matcher address = ADDRESS.matcher(listed.group(1));
            while (addresses.size() < NoticeText.MAX_RECIPIENTS && address.find()) {
                addresses.add(NoticeText.address(address.group()));
            }
        }
        Matcher reply = REPLY.matcher(notice);
        Matcher paragraph = FIRST_PARAGRAPH.matcher(notice);
        String diagnostic = reply.find() ? reply.group(1) : paragraph.find() ? paragraph.group(1) : "";
        boolean delayed = WARNING.matcher(notice).find();
        Optional<String> remoteHost = NoticeText.remoteHost(notice);
        List<BouncedRecipient> recipients = new ArrayList<>();
        // One reply for all: Gmail's notices quote a single server reply even when they name several recipients.
        for (String address : addresses) {
            recipients.add(NoticeText.recipient(address, diagnostic, remoteHost, delayed));
        }
        return recipients;
    }
}
