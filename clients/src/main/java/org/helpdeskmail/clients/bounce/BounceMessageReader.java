package org.helpdeskmail.clients.bounce;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.Charset;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.apache.james.mime4j.codec.DecodeMonitor;
import org.apache.james.mime4j.dom.BinaryBody;
import org.apache.james.mime4j.dom.Body;
import org.apache.james.mime4j.dom.Entity;
import org.apache.james.mime4j.dom.Message;
import org.apache.james.mime4j.dom.Multipart;
import org.apache.james.mime4j.dom.SingleBody;
import org.apache.james.mime4j.dom.TextBody;
import org.apache.james.mime4j.dom.field.ContentTypeField;
import org.apache.james.mime4j.message.BasicBodyFactory;
import org.apache.james.mime4j.message.BodyFactory;
import org.apache.james.mime4j.message.DefaultMessageBuilder;
import org.apache.james.mime4j.stream.MimeConfig;
import org.apache.james.mime4j.util.MimeUtil;

import com.google.common.io.ByteStreams;

/**
 * Reads a message with Mime4j into a {@link BounceMessage}, leniently and within bounds: only the first
 * {@value #MAX_MESSAGE_BYTES} bytes are read (the report parts come first; what follows is the tail of the
 * returned message) and only the first {@value #MAX_PART_BYTES} bytes of each part are kept.
 */
final class BounceMessageReader {
    static final int MAX_MESSAGE_BYTES = 1024 * 1024;
    static final int MAX_PART_BYTES = 256 * 1024;
    private static final int MAX_DEPTH = 12;
    private static final Pattern LINE_BREAKING_TAG = Pattern.compile("(?i)<br\\s*/?>|</(?:p|div|tr|li|h\\d|table|pre)\\s*>");
    // Not "<[^>]*>": on text full of unclosed '<' that would rescan to the end from each one.
    private static final Pattern TAG = Pattern.compile("<[^<>]*>");
    private static final Pattern NUMERIC_ENTITY = Pattern.compile("&#(x?)([0-9a-fA-F]{1,6});");

    /** What the walk over the MIME tree found so far. */
    private static final class Found {
        Optional<String> reportType = Optional.empty();
        Optional<String> deliveryStatus = Optional.empty();
        Optional<String> feedbackReport = Optional.empty();
        Optional<OriginalMessage> original = Optional.empty();
        final StringBuilder plain = new StringBuilder();
        final StringBuilder html = new StringBuilder();
    }

    /** @throws IOException when the stream fails, or Mime4j gives up on the message ({@link org.apache.james.mime4j.MimeIOException}) */
    BounceMessage read(InputStream rawMessage) throws IOException {
        DefaultMessageBuilder builder = builder();
        Message message = builder.parseMessage(ByteStreams.limit(rawMessage, MAX_MESSAGE_BYTES));
        try {
            Found found = new Found();
            collect(message, found, builder, 0);
            List<BounceMessage.HeaderField> headers = message.getHeader().getFields().stream()
                .map(field -> new BounceMessage.HeaderField(field.getName(), MimeUtil.unfold(field.getBody() == null ? "" : field.getBody())))
                .toList();
            String text = found.plain.length() > 0 ? found.plain.toString() : found.html.toString();
            return new BounceMessage(headers, found.reportType, found.deliveryStatus, found.feedbackReport, text, found.original);
        } finally {
            message.dispose();
        }
    }

    private static DefaultMessageBuilder builder() {
        DefaultMessageBuilder builder = new DefaultMessageBuilder();
        builder.setMimeEntityConfig(MimeConfig.PERMISSIVE);
        builder.setDecodeMonitor(DecodeMonitor.SILENT);
        builder.setBodyFactory(new CappedBodyFactory());
        return builder;
    }

    /** Walks multiparts but not into attached messages: a bounce forwarded as an attachment is not a bounce of ours. */
    private void collect(Entity entity, Found found, DefaultMessageBuilder builder, int depth) throws IOException {
        Body body = entity.getBody();
        if (body instanceof Multipart multipart) {
            if ("report".equalsIgnoreCase(multipart.getSubType()) && found.reportType.isEmpty()
                && entity.getHeader().getField("Content-Type") instanceof ContentTypeField contentType) {
                found.reportType = Optional.ofNullable(contentType.getParameter("report-type")).map(String::strip);
            }
            if (depth < MAX_DEPTH) {
                for (Entity part : multipart.getBodyParts()) {
                    collect(part, found, builder, depth + 1);
                }
            }
            return;
        }
        if (body instanceof Message attached) {
            if (found.original.isEmpty()) {
                found.original = Optional.of(OriginalMessage.of(attached.getHeader()));
            }
            return;
        }
        if (!(body instanceof SingleBody single)) {
            return;
        }
        String mimeType = entity.getMimeType() == null ? "text/plain" : entity.getMimeType().toLowerCase(Locale.ROOT);
        switch (mimeType) {
            case "message/delivery-status", "message/global-delivery-status" -> {
                if (found.deliveryStatus.isEmpty()) {
                    found.deliveryStatus = Optional.of(decode(bytes(single), StandardCharsets.UTF_8));
                }
            }
            case "message/feedback-report" -> {
                if (found.feedbackReport.isEmpty()) {
                    found.feedbackReport = Optional.of(decode(bytes(single), StandardCharsets.UTF_8));
                }
            }
            // Parts Mime4j does not parse as messages: the headers alone, RFC 6532 messages, encoded message/rfc822.
            case "text/rfc822-headers", "message/rfc822-headers", "message/global-headers", "message/global", "message/rfc822" -> {
                if (found.original.isEmpty()) {
                    found.original = Optional.of(OriginalMessage.of(builder.parseHeader(new ByteArrayInputStream(bytes(single)))));
                }
            }
            case "text/plain" -> append(found.plain, decode(bytes(single), charset(entity)));
            case "text/html" -> append(found.html, htmlToText(decode(bytes(single), charset(entity))));
            default -> {
                // images, attachments: nothing a bounce parser needs
            }
        }
    }

    private static byte[] bytes(SingleBody body) throws IOException {
        try (InputStream input = body.getInputStream()) {
            return input.readNBytes(MAX_PART_BYTES);
        }
    }

    private static void append(StringBuilder target, String text) {
        if (target.length() > 0) {
            target.append('\n');
        }
        target.append(text);
    }

    private static Charset charset(Entity entity) {
        String name = entity.getCharset();
        if (name == null || name.isBlank() || name.strip().replace("\"", "").toLowerCase(Locale.ROOT).matches("(?:us-)?ascii")) {
            // Unlabelled or "ASCII" 8-bit text is mostly UTF-8 in practice, which reads real ASCII the same.
            return StandardCharsets.UTF_8;
        }
        try {
            return Charset.forName(name.strip().replace("\"", ""));
        } catch (IllegalArgumentException unknownCharset) {
            // ISO-8859-1 maps every byte, so the ASCII of the codes and addresses still reads.
            return StandardCharsets.ISO_8859_1;
        }
    }

    private static String decode(byte[] bytes, Charset charset) {
        try {
            return charset.newDecoder()
                .onMalformedInput(CodingErrorAction.REPLACE)
                .onUnmappableCharacter(CodingErrorAction.REPLACE)
                .decode(ByteBuffer.wrap(bytes)).toString()
                .replace("\r\n", "\n").replace('\r', '\n');
        } catch (CharacterCodingException cannotHappenWithReplace) {
            return new String(bytes, StandardCharsets.ISO_8859_1);
        }
    }

    /**
     * Enough of HTML to text for finding addresses and replies in HTML-only notices; layout does not matter, and
     * style sheets are left in since notices hold no addresses there.
     */
    static String htmlToText(String html) {
        String text = LINE_BREAKING_TAG.matcher(html).replaceAll("\n");
        text = TAG.matcher(text).replaceAll("");
        Matcher numeric = NUMERIC_ENTITY.matcher(text);
        StringBuilder decoded = new StringBuilder();
        while (numeric.find()) {
            int codePoint = Integer.parseInt(numeric.group(2), numeric.group(1).isEmpty() ? 10 : 16);
            String replacement = Character.isValidCodePoint(codePoint) ? new String(Character.toChars(codePoint)) : " ";
            numeric.appendReplacement(decoded, Matcher.quoteReplacement(replacement));
        }
        numeric.appendTail(decoded);
        return decoded.toString().replace("&nbsp;", " ").replace("&lt;", "<").replace("&gt;", ">")
            .replace("&quot;", "\"").replace("&#39;", "'").replace("&amp;", "&");
    }

    /** Keeps at most {@link #MAX_PART_BYTES} of each body; the parser skips the rest of the part. */
    private static final class CappedBodyFactory implements BodyFactory {
        @Override
        public BinaryBody binaryBody(InputStream input) throws IOException {
            return BasicBodyFactory.INSTANCE.binaryBody(input.readNBytes(MAX_PART_BYTES));
        }

        @Override
        public TextBody textBody(InputStream input, String mimeCharset) throws IOException {
            // The charset is applied when the text is read (see charset()), leniently.
            return BasicBodyFactory.INSTANCE.textBody(input.readNBytes(MAX_PART_BYTES), StandardCharsets.ISO_8859_1);
        }
    }
}
