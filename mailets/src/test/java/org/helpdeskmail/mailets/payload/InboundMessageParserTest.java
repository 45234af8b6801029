package org.helpdeskmail.mailets.payload;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Test;

class InboundMessageParserTest {
    private final InboundMessageParser parser = new InboundMessageParser();

    private static InputStream bytes(String... parts) throws Exception {
        ByteArrayOutputStream output = new ByteArrayOutputStream();
        for (String part : parts) {
            output.write(part.getBytes(StandardCharsets.ISO_8859_1));
        }
        return new ByteArrayInputStream(output.toByteArray());
    }

    private static String read(ParsedMessage.Attachment attachment) throws Exception {
        try (InputStream input = attachment.content().open()) {
            return new String(input.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    @Test
    void invalidBytesAreReplacedNotFatal() throws Exception {
        // 0xC3 0x28 is not UTF-8.
        try (InboundMessageParser.Parsed parsed = parser.parse(bytes(
            "Subject: broken\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nbad \u00c3( byte\r\n"))) {
            assertThat(parsed.message().text()).hasValueSatisfying(text -> assertThat(text).startsWith("bad \ufffd( byte"));
        }
    }

    @Test
    void unknownCharsetFallsBackToWindows1252() throws Exception {
        try (InboundMessageParser.Parsed parsed = parser.parse(bytes(
            "Subject: x\r\nContent-Type: text/plain; charset=x-unknown-charset\r\n\r\ncaf\u00e9 \u0080\r\n"))) {
            assertThat(parsed.message().text()).contains("caf\u00e9 \u20ac\n");
        }
    }

    @Test
    void koi8AndShiftJisBodiesAndEncodedWordHeadersBecomeUnicode() throws Exception {
        byte[] russian = "\u041f\u0440\u0438\u0432\u0435\u0442".getBytes("KOI8-R");
        ByteArrayOutputStream raw = new ByteArrayOutputStream();
        raw.write(("Subject: =?Shift_JIS?B?" + java.util.Base64.getEncoder().encodeToString("\u65e5\u672c".getBytes("Shift_JIS"))
            + "?= =?UTF-8?Q?_caf=C3=A9?=\r\nContent-Type: text/plain; charset=koi8-r\r\nContent-Transfer-Encoding: 8bit\r\n\r\n")
            .getBytes(StandardCharsets.US_ASCII));
        raw.write(russian);
        try (InboundMessageParser.Parsed parsed = parser.parse(new ByteArrayInputStream(raw.toByteArray()))) {
            assertThat(parsed.message().subject()).contains("\u65e5\u672c caf\u00e9");
            assertThat(parsed.message().text()).contains("\u041f\u0440\u0438\u0432\u0435\u0442");
        }
    }

    @Test
    void attachedMessagesAndRfc2231ContinuationsBecomeAttachments() throws Exception {
        try (InboundMessageParser.Parsed parsed = parser.parse(bytes(
            "Subject: fwd\r\n",
            "Content-Type: multipart/mixed; boundary=b\r\n\r\n",
            "--b\r\nContent-Type: text/plain\r\n\r\nsee attached\r\n",
            "--b\r\nContent-Type: message/rfc822\r\n\r\n",
            "Subject: the original\r\nFrom: a@example.org\r\n\r\noriginal body\r\n",
            "--b\r\nContent-Type: application/octet-stream\r\n",
            "Content-Disposition: attachment; filename*0*=UTF-8''%C3%A9t%C3%A9%20;\r\n filename*1*=rapport.txt\r\n\r\n",
            "data\r\n",
            "--b--\r\n"))) {
            ParsedMessage message = parsed.message();
            assertThat(message.text()).contains("see attached");
            assertThat(message.attachments()).hasSize(2);
            ParsedMessage.Attachment forwarded = message.attachments().get(0);
            assertThat(forwarded.contentType()).isEqualTo("message/rfc822");
            assertThat(forwarded.filename()).contains("the original.eml");
            assertThat(read(forwarded)).contains("Subject: the original").contains("original body");
            assertThat(message.attachments().get(1).filename()).contains("\u00e9t\u00e9 rapport.txt");
        }
    }

    @Test
    void brokenDateAndAddressesAreLeftOutNotInvented() throws Exception {
        try (InboundMessageParser.Parsed parsed = parser.parse(bytes(
            "Date: yesterday-ish\r\nFrom: not an address\r\nTo: \"Team\" <team@example.org>, broken@@\r\n\r\nbody\r\n"))) {
            assertThat(parsed.message().date()).isEmpty();
            assertThat(parsed.message().to()).extracting(ParsedMessage.Party::address).contains("team@example.org");
        }
    }
}
