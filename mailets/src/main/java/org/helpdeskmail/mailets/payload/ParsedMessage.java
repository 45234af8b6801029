package org.helpdeskmail.mailets.payload;

import java.io.IOException;
import java.io.InputStream;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * What the webhook needs of a message, decoded: header fields (RFC 2047 words decoded), the text and
 * HTML bodies in Unicode, and the attachments, whose content stays in Mime4j's storage (memory or
 * temporary file) until it is streamed into the JSON.
 */
public record ParsedMessage(
    List<Header> headers,
    Optional<String> messageId,
    Optional<String> inReplyTo,
    List<String> references,
    Optional<Instant> date,
    Optional<String> subject,
    Optional<Party> from,
    List<Party> replyTo,
    List<Party> to,
    List<Party> cc,
    Optional<String> text,
    Optional<String> html,
    List<Attachment> attachments) {

    /** A header field as it came, unfolded. */
    public record Header(String name, String value) {
    }

    /** A mailbox of From, To, Cc, Reply-To. */
    public record Party(Optional<String> name, String address) {
    }

    /** Opens the decoded content (transfer encoding removed) each time it is called. */
    @FunctionalInterface
    public interface Content {
        InputStream open() throws IOException;
    }

    public record Attachment(Optional<String> filename, String contentType, Optional<String> contentId, boolean inline, Content content) {
    }

    public List<String> headerValues(String name) {
        return headers.stream().filter(header -> header.name().equalsIgnoreCase(name)).map(Header::value).toList();
    }
}
