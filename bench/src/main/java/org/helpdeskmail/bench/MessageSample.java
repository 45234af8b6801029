package org.helpdeskmail.bench;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * One sample message (an .eml file of the peer baseline) prepared once as the bytes that follow
 * {@code DATA}: CRLF line ends, dot-stuffed, ending with the {@code .} line. Its Subject header is
 * replaced by the benchmark token of each message, which is how a webhook POST (whose JSON carries
 * the subject) is matched to the message it came from. Everything else is sent as the file has it,
 * as the peer's smtp-source does.
 */
public final class MessageSample {
    private static final byte[] CRLF = {'\r', '\n'};

    private final String name;
    private final byte[] beforeSubject;
    private final byte[] afterSubject;

    private MessageSample(String name, byte[] beforeSubject, byte[] afterSubject) {
        this.name = name;
        this.beforeSubject = beforeSubject;
        this.afterSubject = afterSubject;
    }

    public static MessageSample load(String name, Path file) throws IOException {
        return parse(name, Files.readAllBytes(file));
    }

    /** Splits the message around its Subject header (a new one goes at the end of the header block if it has none). */
    static MessageSample parse(String name, byte[] message) {
        // ISO-8859-1 maps every byte to one char and back: 8-bit bodies pass through unchanged.
        List<String> lines = new ArrayList<>(List.of(new String(message, StandardCharsets.ISO_8859_1).split("\r?\n", -1)));
        if (!lines.isEmpty() && lines.get(lines.size() - 1).isEmpty()) {
            lines.remove(lines.size() - 1); // the final line end, not an empty last line
        }
        int headerEnd = lines.indexOf("");
        if (headerEnd < 0) {
            headerEnd = lines.size();
        }
        int subject = -1;
        for (int i = 0; i < headerEnd; i++) {
            if (lines.get(i).regionMatches(true, 0, "Subject:", 0, 8)) {
                subject = i;
                break;
            }
        }
        int subjectEnd;
        if (subject < 0) {
            subject = headerEnd;
            subjectEnd = headerEnd;
        } else {
            subjectEnd = subject + 1;
            while (subjectEnd < headerEnd && isFoldedContinuation(lines.get(subjectEnd))) {
                subjectEnd++;
            }
        }
        return new MessageSample(name, dataLines(lines.subList(0, subject), false), dataLines(lines.subList(subjectEnd, lines.size()), true));
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

    /** What to write after the server's 354: the message with {@code Subject: token}, then the final dot. */
    public byte[] dataWithSubject(String token) {
        byte[] subject = ("Subject: " + token + "\r\n").getBytes(StandardCharsets.US_ASCII);
        byte[] data = new byte[beforeSubject.length + subject.length + afterSubject.length];
        System.arraycopy(beforeSubject, 0, data, 0, beforeSubject.length);
        System.arraycopy(subject, 0, data, beforeSubject.length, subject.length);
        System.arraycopy(afterSubject, 0, data, beforeSubject.length + subject.length, afterSubject.length);
        return data;
    }
}
