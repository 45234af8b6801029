package org.helpdeskmail.clients.bounce;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The notices that list each recipient as {@code <address>:} followed by the reason up to a blank line:
 * Postfix ({@code <a@b>: host mx[ip] said: 550 ...}, possibly {@code (expanded from <alias>)}), qmail
 * ({@code <a@b>:} then the remote reply and {@code (#5.1.1)}) and Yahoo, whose MTA descends from qmail.
 */
final class AngleBracketNotice implements NoticeFormat {
    private static final Pattern ENTRY = Pattern.compile(
        "(?m)^<(" + NoticeText.ADDRESS + ")>(?:[ \\t]*\\(expanded from <(" + NoticeText.ADDRESS + ")>\\))?[ \\t]*:[ \\t]*(.*(?:\\n(?![ \\t]*$)(?!<).*)*)");

    private final String name;
    private final Pattern signature;
    private final Optional<Pattern> warning;

    /**
     * @param signature wording only this producer's notices have
     * @param warning   wording of its "still retrying" notices, whose recipients are {@link Classification#DELAYED}
     */
    AngleBracketNotice(String name, Pattern signature, Optional<Pattern> warning) {
        this.name = name;
        this.signature = signature;
        this.warning = warning;
    }

    static AngleBracketNotice postfix() {
        return new AngleBracketNotice("postfix", Pattern.compile("(?i)this is the (?:mail system|postfix program) at host"),
            Optional.of(Pattern.compile("(?i)this is a warning only|delayed mail \\(still being retried\\)")));
    }

    static AngleBracketNotice qmail() {
        return new AngleBracketNotice("qmail", Pattern.compile("(?i)this is the qmail-send program|i'm afraid i wasn't able to deliver your message"),
            Optional.empty());
    }

    static AngleBracketNotice yahoo() {
        return new AngleBracketNotice("yahoo", Pattern.compile("(?i)sorry,? we were unable to deliver your message to the following address"),
            Optional.empty());
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public boolean recognizes(BounceMessage message) {
        return signature.matcher(message.text()).find();
    }

    @Override
    public List<BouncedRecipient> recipients(String notice) {
        boolean delayed = warning.map(pattern -> pattern.matcher(notice).find()).orElse(false);
        List<BouncedRecipient> recipients = new ArrayList<>();
        Matcher entry = ENTRY.matcher(notice);
        while (recipients.size() < NoticeText.MAX_RECIPIENTS && entry.find()) {
            // Postfix names the alias we sent to as "expanded from": that is the address the report is about.
            String address = entry.group(2) != null ? entry.group(2) : entry.group(1);
            recipients.add(NoticeText.recipient(address, entry.group(3), NoticeText.remoteHost(entry.group(3)), delayed));
        }
        return recipients;
    }
}
