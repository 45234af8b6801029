package org.helpdeskmail.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Test;

class MessageSampleTest {

    private static String data(String message, String token) {
        return new String(MessageSample.parse("x", message.getBytes(StandardCharsets.ISO_8859_1)).dataWithSubject(token), StandardCharsets.ISO_8859_1);
    }

    @Test
    void replacesTheSubjectIncludingItsFoldedLines() {
        String message = "From: a@b.example\nSubject: =?UTF-8?Q?long?=\n =?UTF-8?Q?folded?=\nTo: c@d.example\n\nbody\n";

        assertThat(data(message, "bench-r1-7"))
            .isEqualTo("From: a@b.example\r\nSubject: bench-r1-7\r\nTo: c@d.example\r\n\r\nbody\r\n.\r\n");
    }

    @Test
    void addsASubjectAtTheEndOfTheHeaderWhenThereIsNone() {
        assertThat(data("From: a@b.example\r\n\r\nbody\r\n", "bench-r1-0"))
            .isEqualTo("From: a@b.example\r\nSubject: bench-r1-0\r\n\r\nbody\r\n.\r\n");
    }

    @Test
    void onlyTheHeaderSubjectIsReplaced() {
        assertThat(data("Subject: old\n\nSubject: in the body\n", "bench-r1-1"))
            .isEqualTo("Subject: bench-r1-1\r\n\r\nSubject: in the body\r\n.\r\n");
    }

    @Test
    void dotStuffsLinesThatStartWithADot() {
        assertThat(data("Subject: s\n\n.\n..x\n", "bench-r1-2"))
            .isEqualTo("Subject: bench-r1-2\r\n\r\n..\r\n...x\r\n.\r\n");
    }

    @Test
    void keepsEightBitBytesAsTheyAre() {
        byte[] message = "Subject: s\n\ncaf\u00e9 \u2013 ok\n".getBytes(StandardCharsets.UTF_8);

        byte[] data = MessageSample.parse("x", message).dataWithSubject("bench-r1-3");

        assertThat(new String(data, StandardCharsets.UTF_8)).contains("caf\u00e9 \u2013 ok\r\n");
    }

    @Test
    void givesEachMessageItsOwnMessageIdWhenAsked() {
        byte[] message = "Message-ID:\n <ticket-1@x.example>\nSubject: s\nFrom: a@b.example\n\nbody\n".getBytes(StandardCharsets.US_ASCII);

        byte[] data = MessageSample.parse("x", message, true).dataWithSubject("bench-r1-4");

        assertThat(new String(data, StandardCharsets.US_ASCII))
            .isEqualTo("Message-ID: <bench-r1-4@bench.test>\r\nSubject: bench-r1-4\r\nFrom: a@b.example\r\n\r\nbody\r\n.\r\n");
    }

    @Test
    void addsAMessageIdWhenTheSampleHasNone() {
        byte[] data = MessageSample.parse("x", "From: a@b.example\n\nbody\n".getBytes(StandardCharsets.US_ASCII), true).dataWithSubject("bench-r1-5");

        assertThat(new String(data, StandardCharsets.US_ASCII))
            .isEqualTo("From: a@b.example\r\nSubject: bench-r1-5\r\nMessage-ID: <bench-r1-5@bench.test>\r\n\r\nbody\r\n.\r\n");
    }
}
