package org.helpdeskmail.clients.smtp;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The transparency of RFC 5321 4.5.2 and the line ends of 2.3.8, whatever way the message is cut into writes. */
class DotStuffingOutputStreamTest {

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "''                  | .\\r\\n",
        "a                   | a\\r\\n.\\r\\n",
        "a\\r\\n             | a\\r\\n.\\r\\n",
        ".                   | ..\\r\\n.\\r\\n",
        "a\\r\\n.\\r\\nb     | a\\r\\n..\\r\\nb\\r\\n.\\r\\n",
        "..a\\n.b\\r.c       | ...a\\r\\n..b\\r\\n..c\\r\\n.\\r\\n",
        "a\\n\\nb            | a\\r\\n\\r\\nb\\r\\n.\\r\\n",
        "a\\r\\rb            | a\\r\\n\\r\\nb\\r\\n.\\r\\n",
        "a\\r\\r\\nb         | a\\r\\n\\r\\nb\\r\\n.\\r\\n",
        "a\\n\\r\\nb         | a\\r\\n\\r\\nb\\r\\n.\\r\\n",
        "a.b\\r\\n x.       | a.b\\r\\n x.\\r\\n.\\r\\n",
        "a\\r                | a\\r\\n.\\r\\n",
    })
    void stuffsDotsAndEndsEveryLineWithCrlf(String message, String expected) throws IOException {
        byte[] input = unescape(message).getBytes(StandardCharsets.US_ASCII);
        String wire = unescape(expected);

        assertThat(inOneWrite(input)).isEqualTo(wire);
        assertThat(byteByByte(input)).isEqualTo(wire);
        for (int cut = 1; cut < input.length; cut++) {
            assertThat(inTwoWrites(input, cut)).as("cut at %d", cut).isEqualTo(wire);
        }
    }

    private static String inOneWrite(byte[] input) throws IOException {
        ByteArrayOutputStream wire = new ByteArrayOutputStream();
        DotStuffingOutputStream stuffing = new DotStuffingOutputStream(wire);
        stuffing.write(input);
        stuffing.finish();
        return wire.toString(StandardCharsets.US_ASCII);
    }

    private static String byteByByte(byte[] input) throws IOException {
        ByteArrayOutputStream wire = new ByteArrayOutputStream();
        DotStuffingOutputStream stuffing = new DotStuffingOutputStream(wire);
        for (byte value : input) {
            stuffing.write(value);
        }
        stuffing.finish();
        return wire.toString(StandardCharsets.US_ASCII);
    }

    private static String inTwoWrites(byte[] input, int cut) throws IOException {
        ByteArrayOutputStream wire = new ByteArrayOutputStream();
        DotStuffingOutputStream stuffing = new DotStuffingOutputStream(wire);
        stuffing.write(input, 0, cut);
        stuffing.write(input, cut, input.length - cut);
        stuffing.finish();
        return wire.toString(StandardCharsets.US_ASCII);
    }

    private static String unescape(String text) {
        return text.replace("\\r", "\r").replace("\\n", "\n");
    }
}
