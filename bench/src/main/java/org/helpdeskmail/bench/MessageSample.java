package org.helpdeskmail.bench;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * One sample message (an .eml file of the peer baseline) prepared once as the bytes that follow
 * {@code DATA}: CRLF line ends, dot-stuffed, ending with the {@code .} line. Its Subject header is
 * replaced by the benchmark token of each message, which is how an arrival (a webhook POST, whose
 * JSON carries the subject, or a message at the sink MX) is matched to the message it came from.
 * With {@code uniqueMessageId} its Message-ID becomes {@code <token@bench.test>} as well, as the
 * app gives every notification its own (the outbound path remembers Message-IDs). Everything else
 * is sent as the file has it, as the peer's smtp-source does.
 */
public final class MessageSample {
    private static final byte[] CRLF = {'\r', '\n'};

    /** A header the benchmark writes for each message, in place of the sample's own. */
    private enum Field {
        SUBJECT("Subject:"), MESSAGE_ID("Message-ID:");

        final String prefix;

        Field(String prefix) {
            this.prefix = prefix;
        }

        byte[] line(String token) {
            String value = this == SUBJECT ? token : "<" + token + "@bench.test>";
            return (prefix + " " + value + "\r\n").getBytes(StandardCharsets.US_ASCII);
        }
    }

    /** Lines [start, end) of the sample replaced by the benchmark's own field. */
    private record Replacement(Field field, int start, int end) {
    }

    private final String name;
    /** The sample's bytes between the replaced fields: one more than fields. */
    private final List<byte[]> segments;
    private final List<Field> fields;

    private MessageSample(String name, List<byte[]> segments, List<Field> fields) {
        this.name = name;
        this.segments = segments;
        this.fields = fields;
    }

    public static MessageSample load(String name, Path file) throws IOException {
        return load(name, file, false);
    }

    public static MessageSample load(String name, Path file, boolean uniqueMessageId) throws IOException {
        return parse(name, Files.readAllBytes(file), uniqueMessageId);
    }

    static MessageSample parse(String name, byte[] message) {
        return parse(name, message, false);
    }

    /** Splits the message around its Subject (and Message-ID) header; a missing one goes at the end of the header block. */
    static MessageSample parse(String name, byte[] message, boolean uniqueMessageId) {
        // ISO-8859-1 maps every byte to one char and back: 8-bit bodies pass through unchanged.
        List<String> lines = new ArrayList<>(List.of(new String(message, StandardCharsets.ISO_8859_1).split("\r?\n", -1)));
        if (!lines.isEmpty() && lines.get(lines.size() - 1).isEmpty()) {
            lines.remove(lines.size() - 1); // the final line end, not an empty last line
        }
        int headerEnd = lines.indexOf("");
        if (headerEnd < 0) {
            headerEnd = lines.size();
        }
        List<Replacement> replacements = new ArrayList<>();
        replacements.add(locate(Field.SUBJECT, lines, headerEnd));
        if (uniqueMessageId) {
            replacements.add(locate(Field.MESSAGE_ID, lines, headerEnd));
        }
        replacements.sort(Comparator.comparingInt(Replacement::start));
        List<byte[]> segments = new ArrayList<>();
        int position = 0;
        for (Replacement replacement : replacements) {
            segments.add(dataLines(lines.subList(position, replacement.start()), false));
            position = replacement.end();
        }
        segments.add(dataLines(lines.subList(position, lines.size()), true));
        return new MessageSample(name, List.copyOf(segments), replacements.stream().map(Replacement::field).toList());
    }

    private static Replacement locate(Field field, List<String> lines, int headerEnd) {
        for (int i = 0; i < headerEnd; i++) {
            if (lines.get(i).regionMatches(true, 0, field.prefix, 0, field.prefix.length())) {
                int end = i + 1;
                while (end < headerEnd && isFoldedContinuation(lines.get(end))) {
                    end++;
                }
                return new Replacement(field, i, end);
            }
        }
        return new Replacement(field, headerEnd, headerEnd);
    }

    private static boolean isFoldedContinuation(String line) {
        return line.startsWith(" ") || line.startsWith("\t");
    }

    private static byte[] dataLines(List<String> lines, boolean terminate) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (String line : lines) {
            if (line.startsWith(".")) {
                out.write('.'); // RFC 5321 4.5.2 transparency
            }
            out.writeBytes(line.getBytes(StandardCharsets.ISO_8859_1));
            out.writeBytes(CRLF);
        }
        if (terminate) {
            out.writeBytes(".\r\n".getBytes(StandardCharsets.US_ASCII));
        }
        return out.toByteArray();
    }

    public String name() {
        return name;
    }

    /** What to write after the server's 354: the message with {@code Subject: token} (and its Message-ID), then the final dot. */
    public byte[] dataWithSubject(String token) {
        ByteArrayOutputStream data = new ByteArrayOutputStream(segments.stream().mapToInt(segment -> segment.length).sum() + 128);
        for (int i = 0; i < fields.size(); i++) {
            data.writeBytes(segments.get(i));
            data.writeBytes(fields.get(i).line(token));
        }
        data.writeBytes(segments.get(segments.size() - 1));
        return data.toByteArray();
    }
}
