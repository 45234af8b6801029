package org.helpdeskmail.mailets.payload;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.Charset;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.apache.james.mime4j.codec.DecodeMonitor;
import org.apache.james.mime4j.codec.DecoderUtil;
import org.apache.james.mime4j.dom.Body;
import org.apache.james.mime4j.dom.Entity;
import org.apache.james.mime4j.dom.Message;
import org.apache.james.mime4j.dom.MessageWriter;
import org.apache.james.mime4j.dom.Multipart;
import org.apache.james.mime4j.dom.SingleBody;
import org.apache.james.mime4j.dom.address.Address;
import org.apache.james.mime4j.dom.address.Group;
import org.apache.james.mime4j.dom.address.Mailbox;
import org.apache.james.mime4j.dom.field.ContentDispositionField;
import org.apache.james.mime4j.dom.field.ContentTypeField;
import org.apache.james.mime4j.field.address.LenientAddressParser;
import org.apache.james.mime4j.message.DefaultMessageBuilder;
import org.apache.james.mime4j.message.DefaultMessageWriter;
import org.apache.james.mime4j.storage.StorageBodyFactory;
import org.apache.james.mime4j.storage.TempFileStorageProvider;
import org.apache.james.mime4j.storage.ThresholdStorageProvider;
import org.apache.james.mime4j.stream.Field;
import org.apache.james.mime4j.stream.MimeConfig;
import org.apache.james.mime4j.util.MimeUtil;

/**
 * Parses a raw message with Mime4j, leniently (mail from the internet is often broken and must still
 * become a ticket): bodies above a threshold go to temporary files instead of memory; every charset
 * is decoded to Unicode with invalid bytes replaced; RFC 2047 words and RFC 2231 parameters decoded.
 * The caller disposes the returned {@link Parsed} when done with it.
 */
public final class InboundMessageParser {
    private static final int IN_MEMORY_BODY_LIMIT = 256 * 1024;
    private static final Pattern MESSAGE_ID = Pattern.compile("<[^<>\\s]+>");
    private static final Pattern RFC2231_PARAMETER = Pattern.compile("(?i)filename\\*(\\d+)?(\\*)?=\\s*(\"[^\"]*\"|[^;\\s]+)");

    /** A parsed message and the Mime4j tree whose storage it still uses. */
    public record Parsed(ParsedMessage message, Message tree) implements AutoCloseable {
        @Override
        public void close() {
            tree.dispose();
        }
    }

    public Parsed parse(InputStream rawMessage) throws IOException {
        DefaultMessageBuilder builder = new DefaultMessageBuilder();
        builder.setMimeEntityConfig(MimeConfig.PERMISSIVE);
        builder.setDecodeMonitor(DecodeMonitor.SILENT);
        builder.setBodyFactory(new StorageBodyFactory(
            new ThresholdStorageProvider(new TempFileStorageProvider(), IN_MEMORY_BODY_LIMIT), DecodeMonitor.SILENT));
        Message tree = builder.parseMessage(rawMessage);
        try {
            return new Parsed(toParsedMessage(tree), tree);
        } catch (RuntimeException | IOException e) {
            tree.dispose();
            throw e;
        }
    }

    private ParsedMessage toParsedMessage(Message tree) throws IOException {
        List<ParsedMessage.Header> headers = tree.getHeader().getFields().stream()
            .map(field -> new ParsedMessage.Header(field.getName(), unfold(field.getBody())))
            .toList();
        Bodies bodies = new Bodies();
        collect(tree, bodies);
        return new ParsedMessage(
            headers,
            firstHeader(tree, "Message-ID").flatMap(InboundMessageParser::firstMessageId),
            firstHeader(tree, "In-Reply-To").flatMap(InboundMessageParser::firstMessageId),
            firstHeader(tree, "References").map(InboundMessageParser::messageIds).orElse(List.of()),
            date(tree),
            firstHeader(tree, "Subject").map(InboundMessageParser::decodeWords),
            firstHeader(tree, "From").flatMap(value -> parties(value).stream().findFirst()),
            firstHeader(tree, "Reply-To").map(InboundMessageParser::parties).orElse(List.of()),
            allHeaders(tree, "To"),
            allHeaders(tree, "Cc"),
            bodies.text(),
            bodies.html(),
            List.copyOf(bodies.attachments));
    }

    /** Collects the readable bodies and the attachments of a MIME tree. */
    private static final class Bodies {
        private final StringBuilder text = new StringBuilder();
        private final StringBuilder html = new StringBuilder();
        private final List<ParsedMessage.Attachment> attachments = new ArrayList<>();

        Optional<String> text() {
            return text.length() == 0 ? Optional.empty() : Optional.of(text.toString());
        }

        Optional<String> html() {
            return html.length() == 0 ? Optional.empty() : Optional.of(html.toString());
        }
    }

    private void collect(Entity entity, Bodies bodies) throws IOException {
        Body body = entity.getBody();
        if (body instanceof Multipart multipart) {
            if ("alternative".equalsIgnoreCase(multipart.getSubType())) {
                collectAlternatives(multipart, bodies);
            } else {
                for (Entity part : multipart.getBodyParts()) {
                    collect(part, bodies);
                }
            }
            return;
        }
        if (body instanceof Message attached) {
            bodies.attachments.add(new ParsedMessage.Attachment(
                Optional.of(filename(entity).orElseGet(() -> Optional.ofNullable(attached.getSubject())
                    .map(subject -> subject.replaceAll("[\\\\/:*?\"<>|\\r\\n]", "_") + ".eml").orElse("message.eml"))),
                "message/rfc822", contentId(entity), false, () -> serialize(attached)));
            return;
        }
        SingleBody single = (SingleBody) body;
        String mimeType = entity.getMimeType() == null ? "text/plain" : entity.getMimeType().toLowerCase(Locale.ROOT);
        boolean attachment = ContentDispositionField.DISPOSITION_TYPE_ATTACHMENT.equalsIgnoreCase(entity.getDispositionType())
            || filename(entity).isPresent() && !mimeType.startsWith("text/");
        if (!attachment && mimeType.equals("text/plain")) {
            append(bodies.text, decodeText(single, entity));
        } else if (!attachment && mimeType.equals("text/html")) {
            append(bodies.html, decodeText(single, entity));
        } else {
            boolean inline = ContentDispositionField.DISPOSITION_TYPE_INLINE.equalsIgnoreCase(entity.getDispositionType())
                || entity.getDispositionType() == null && contentId(entity).isPresent();
            bodies.attachments.add(new ParsedMessage.Attachment(filename(entity), mimeType, contentId(entity), inline, single::getInputStream));
        }
    }

    /** multipart/alternative: the last plain and the last HTML version (RFC 2046: the last is preferred). */
    private void collectAlternatives(Multipart alternative, Bodies bodies) throws IOException {
        Entity plain = null;
        Entity html = null;
        List<Entity> others = new ArrayList<>();
        for (Entity part : alternative.getBodyParts()) {
            String mimeType = part.getMimeType() == null ? "text/plain" : part.getMimeType().toLowerCase(Locale.ROOT);
            if (mimeType.equals("text/plain") && part.getBody() instanceof SingleBody) {
                plain = part;
            } else if (mimeType.equals("text/html") && part.getBody() instanceof SingleBody) {
                html = part;
            } else {
                others.add(part);
            }
        }
        if (plain != null) {
            append(bodies.text, decodeText((SingleBody) plain.getBody(), plain));
        }
        if (html != null) {
            append(bodies.html, decodeText((SingleBody) html.getBody(), html));
        }
        // e.g. multipart/related holding the HTML and its inline images
        for (Entity other : others) {
            collect(other, bodies);
        }
    }

    private static void append(StringBuilder target, String text) {
        if (target.length() > 0) {
            target.append("\n");
        }
        target.append(text);
    }

    static String decodeText(SingleBody body, Entity entity) throws IOException {
        Charset charset = charset(entity);
        CharsetDecoder decoder = charset.newDecoder()
            .onMalformedInput(CodingErrorAction.REPLACE)
            .onUnmappableCharacter(CodingErrorAction.REPLACE);
        try (InputStream input = body.getInputStream()) {
            // Webhook consumers expect one line ending; MIME text arrives with CRLF.
            return decoder.decode(ByteBuffer.wrap(input.readAllBytes())).toString().replace("\r\n", "\n");
        }
    }

    private static Charset charset(Entity entity) {
        String name = entity.getCharset();
        if (name == null || name.isBlank()) {
            // RFC 2045 says US-ASCII; unlabelled 8-bit text is mostly UTF-8, which decodes ASCII the same.
            return StandardCharsets.UTF_8;
        }
        String normalized = name.trim().replace("\"", "");
        try {
            if (normalized.equalsIgnoreCase("us-ascii") || normalized.equalsIgnoreCase("ascii")) {
                // Mislabelled 8-bit text is common; UTF-8 decodes real ASCII the same.
                return StandardCharsets.UTF_8;
            }
            return Charset.forName(normalized);
        } catch (IllegalArgumentException unknown) {
            // An unknown or misspelt charset: Windows-1252 decodes every byte to something readable.
            return Charset.forName("windows-1252");
        }
    }

    private static Optional<String> contentId(Entity entity) {
        Field field = entity.getHeader().getField("Content-ID");
        if (field == null) {
            return Optional.empty();
        }
        String value = field.getBody().trim();
        if (value.startsWith("<") && value.endsWith(">")) {
            value = value.substring(1, value.length() - 1);
        }
        return value.isEmpty() ? Optional.empty() : Optional.of(value);
    }

    static Optional<String> filename(Entity entity) {
        Field disposition = entity.getHeader().getField("Content-Disposition");
        if (disposition != null) {
            Optional<String> extended = rfc2231Filename(unfold(disposition.getBody()));
            if (extended.isPresent()) {
                return extended;
            }
            if (disposition instanceof ContentDispositionField parsed && parsed.getFilename() != null) {
                return Optional.of(decodeWords(parsed.getFilename()));
            }
        }
        Field contentType = entity.getHeader().getField("Content-Type");
        if (contentType instanceof ContentTypeField parsed && parsed.getParameter("name") != null) {
            return Optional.of(decodeWords(parsed.getParameter("name")));
        }
        return Optional.empty();
    }

    /** RFC 2231: filename*=charset'lang'percent-encoded, possibly split as filename*0*, filename*1*, ... */
    static Optional<String> rfc2231Filename(String disposition) {
        Matcher matcher = RFC2231_PARAMETER.matcher(disposition);
        List<String[]> sections = new ArrayList<>();
        while (matcher.find()) {
            int index = matcher.group(1) == null ? 0 : Integer.parseInt(matcher.group(1));
            String value = matcher.group(3);
            if (value.startsWith("\"")) {
                value = value.substring(1, value.length() - 1);
            }
            sections.add(new String[] {String.valueOf(index), matcher.group(2) == null && matcher.group(1) != null ? "plain" : "encoded", value});
        }
        if (sections.isEmpty()) {
            return Optional.empty();
        }
        sections.sort((left, right) -> Integer.compare(Integer.parseInt(left[0]), Integer.parseInt(right[0])));
        String first = sections.get(0)[2];
        Charset charset = StandardCharsets.UTF_8;
        String[] parts = first.split("'", 3);
        if (parts.length == 3) {
            try {
                charset = Charset.forName(parts[0].isEmpty() ? "UTF-8" : parts[0]);
            } catch (IllegalArgumentException unknown) {
                charset = StandardCharsets.UTF_8;
            }
            sections.get(0)[2] = parts[2];
        }
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        for (String[] section : sections) {
            byte[] decoded = section[1].equals("plain") ? section[2].getBytes(charset) : percentDecode(section[2]);
            bytes.write(decoded, 0, decoded.length);
        }
        return Optional.of(bytes.toString(charset));
    }

    private static byte[] percentDecode(String value) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        for (int i = 0; i < value.length(); i++) {
            char character = value.charAt(i);
            if (character == '%' && i + 2 < value.length()
                && Character.digit(value.charAt(i + 1), 16) >= 0 && Character.digit(value.charAt(i + 2), 16) >= 0) {
                bytes.write(Integer.parseInt(value.substring(i + 1, i + 3), 16));
                i += 2;
            } else {
                byte[] raw = String.valueOf(character).getBytes(StandardCharsets.UTF_8);
                bytes.write(raw, 0, raw.length);
            }
        }
        return bytes.toByteArray();
    }

    private static InputStream serialize(Message message) throws IOException {
        ByteArrayOutputStream output = new ByteArrayOutputStream();
        MessageWriter writer = new DefaultMessageWriter();
        writer.writeMessage(message, output);
        return new java.io.ByteArrayInputStream(output.toByteArray());
    }

    private static Optional<String> firstHeader(Message tree, String name) {
        Field field = tree.getHeader().getField(name);
        return field == null ? Optional.empty() : Optional.of(unfold(field.getBody()));
    }

    private static List<ParsedMessage.Party> allHeaders(Message tree, String name) {
        List<ParsedMessage.Party> parties = new ArrayList<>();
        for (Field field : tree.getHeader().getFields(name)) {
            parties.addAll(parties(unfold(field.getBody())));
        }
        return parties;
    }

    static List<ParsedMessage.Party> parties(String value) {
        List<ParsedMessage.Party> parties = new ArrayList<>();
        for (Address address : LenientAddressParser.DEFAULT.parseAddressList(value)) {
            if (address instanceof Mailbox mailbox) {
                parties.add(party(mailbox));
            } else if (address instanceof Group group) {
                group.getMailboxes().forEach(mailbox -> parties.add(party(mailbox)));
            }
        }
        return parties;
    }

    private static ParsedMessage.Party party(Mailbox mailbox) {
        Optional<String> name = Optional.ofNullable(mailbox.getName()).map(InboundMessageParser::decodeWords)
            .map(String::strip).filter(text -> !text.isEmpty());
        return new ParsedMessage.Party(name, mailbox.getAddress());
    }

    private static Optional<String> firstMessageId(String value) {
        Matcher matcher = MESSAGE_ID.matcher(value);
        return matcher.find() ? Optional.of(matcher.group()) : Optional.empty();
    }

    private static List<String> messageIds(String value) {
        List<String> identifiers = new ArrayList<>();
        Matcher matcher = MESSAGE_ID.matcher(value);
        while (matcher.find()) {
            identifiers.add(matcher.group());
        }
        return identifiers;
    }

    private static Optional<Instant> date(Message tree) {
        try {
            return Optional.ofNullable(tree.getDate()).map(java.util.Date::toInstant);
        } catch (RuntimeException unparseable) {
            return Optional.empty();
        }
    }

    static String decodeWords(String value) {
        return DecoderUtil.decodeEncodedWords(unfold(value), DecodeMonitor.SILENT);
    }

    static String unfold(String value) {
        return MimeUtil.unfold(value == null ? "" : value);
    }
}
