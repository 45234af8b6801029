package org.helpdeskmail.clients.bounce;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.apache.james.mime4j.dom.Header;
import org.apache.james.mime4j.dom.address.Address;
import org.apache.james.mime4j.dom.address.Group;
import org.apache.james.mime4j.dom.address.Mailbox;
import org.apache.james.mime4j.field.address.LenientAddressParser;
import org.apache.james.mime4j.stream.Field;
import org.apache.james.mime4j.util.MimeUtil;

/**
 * What a report tells of the message it is about, read from the returned message or its headers.
 *
 * @param messageId  with angle brackets
 * @param returnPath without angle brackets; empty for a null return path
 * @param recipients the addresses of its {@code To} header
 */
record OriginalMessage(Optional<String> messageId, Optional<String> returnPath, List<String> recipients) {
    private static final Pattern MESSAGE_ID = Pattern.compile("<[^<>\\s]+>");
    private static final Pattern MESSAGE_ID_LINE = Pattern.compile("(?im)^Message-ID:\\s*(<[^<>\\s]+>)");
    private static final Pattern RETURN_PATH_LINE = Pattern.compile("(?im)^Return-Path:[ \\t]*<([^<>\\s]*)>");

    OriginalMessage {
        recipients = List.copyOf(recipients);
    }

    static OriginalMessage of(Header header) {
        List<String> recipients = new ArrayList<>();
        for (Field to : header.getFields("To")) {
            for (Address address : LenientAddressParser.DEFAULT.parseAddressList(MimeUtil.unfold(to.getBody()))) {
                if (address instanceof Mailbox mailbox) {
                    recipients.add(mailbox.getAddress());
                } else if (address instanceof Group group) {
                    group.getMailboxes().forEach(mailbox -> recipients.add(mailbox.getAddress()));
                }
            }
        }
        return new OriginalMessage(
            value(header, "Message-ID").flatMap(OriginalMessage::messageId),
            value(header, "Return-Path").flatMap(OriginalMessage::path),
            recipients);
    }

    /**
     * A copy of the message quoted in the text of a notice (qmail, Yahoo, Exim, Exchange's "Original message
     * headers"): the notice's own headers are not in its body, so header lines there belong to the copy.
     */
    static Optional<OriginalMessage> quotedIn(String text) {
        Matcher messageId = MESSAGE_ID_LINE.matcher(text);
        Matcher returnPath = RETURN_PATH_LINE.matcher(text);
        Optional<String> id = messageId.find() ? Optional.of(messageId.group(1)) : Optional.empty();
        Optional<String> path = returnPath.find() ? path(returnPath.group(1)) : Optional.empty();
        return id.isEmpty() && path.isEmpty() ? Optional.empty() : Optional.of(new OriginalMessage(id, path, List.of()));
    }

    static Optional<String> messageId(String value) {
        Matcher matcher = MESSAGE_ID.matcher(value);
        if (matcher.find()) {
            return Optional.of(matcher.group());
        }
        // Broken generators leave the brackets out; the identifier is still what threading compares.
        String bare = value.strip();
        return bare.isEmpty() || bare.contains(" ") ? Optional.empty() : Optional.of("<" + bare + ">");
    }

    static Optional<String> path(String value) {
        String bare = value.strip();
        if (bare.startsWith("<")) {
            int end = bare.indexOf('>');
            bare = bare.substring(1, end < 0 ? bare.length() : end).strip();
        }
        return bare.isEmpty() ? Optional.empty() : Optional.of(bare);
    }

    private static Optional<String> value(Header header, String name) {
        Field field = header.getField(name);
        return field == null ? Optional.empty() : Optional.of(MimeUtil.unfold(field.getBody()));
    }
}
