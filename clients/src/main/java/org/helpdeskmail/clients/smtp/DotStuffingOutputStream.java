package org.helpdeskmail.clients.smtp;

import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;

/**
 * Turns a message into DATA content: every line ends with CRLF (a bare CR or LF becomes CRLF, as
 * RFC 5321 2.3.8 asks of a client), a line that starts with a dot gets a second one, and
 * {@link #finish()} writes the end-of-data line. The stream it writes to stays open.
 */
final class DotStuffingOutputStream extends FilterOutputStream {
    private boolean atLineStart = true;
    private boolean afterCarriageReturn;

    DotStuffingOutputStream(OutputStream output) {
        super(output);
    }

    @Override
    public void write(int value) throws IOException {
        if (afterCarriageReturn) {
            afterCarriageReturn = false;
            if (value == '\n') {
                return;
            }
        }
        if (value == '\r' || value == '\n') {
            out.write('\r');
            out.write('\n');
            atLineStart = true;
            afterCarriageReturn = value == '\r';
            return;
        }
        if (atLineStart && value == '.') {
            out.write('.');
        }
        atLineStart = false;
        out.write(value);
    }

    @Override
    public void write(byte[] bytes, int offset, int length) throws IOException {
        // Plain runs of a line go out in one piece; only line ends and leading dots need a look.
        int runStart = offset;
        for (int i = offset; i < offset + length; i++) {
            byte value = bytes[i];
            if (value == '\r' || value == '\n' || afterCarriageReturn || (atLineStart && value == '.')) {
                out.write(bytes, runStart, i - runStart);
                write(value);
                runStart = i + 1;
            } else {
                atLineStart = false;
            }
        }
        out.write(bytes, runStart, offset + length - runStart);
    }

    /** Ends the last line when the message did not, then the lone dot. */
    void finish() throws IOException {
        if (!atLineStart) {
            out.write('\r');
            out.write('\n');
        }
        out.write(new byte[] {'.', '\r', '\n'});
    }

    @Override
    public void close() {
        // the connection's stream outlives the message
    }
}
