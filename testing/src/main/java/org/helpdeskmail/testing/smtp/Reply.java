package org.helpdeskmail.testing.smtp;

import java.util.List;

/**
 * What {@link ScriptedSmtpServer} answers to one command: the reply text, sent exactly as given
 * (so a test can send malformed replies too) followed by CRLF, and whether the server then closes
 * the connection.
 *
 * @param text   the reply, lines separated by CRLF; empty to say nothing at all
 * @param hangUp whether the server closes the connection after the text
 */
public record Reply(String text, boolean hangUp) {

    /** A reply of these lines, e.g. {@code of("250-first", "250 last")}; the connection stays open. */
    public static Reply of(String... lines) {
        return new Reply(String.join("\r\n", List.of(lines)), false);
    }

    /** No answer, connection left open: the client waits until its read timeout. */
    public static Reply silence() {
        return new Reply("", false);
    }

    /** The connection closed without a word. */
    public static Reply hangUpNow() {
        return new Reply("", true);
    }

    /** This reply, then the connection closed (e.g. after {@code 421}). */
    public Reply thenHangUp() {
        return new Reply(text, true);
    }

    /** The three-digit code of the first line; 0 when the text does not start with one. */
    public int code() {
        if (text.length() < 3 || !text.chars().limit(3).allMatch(Character::isDigit)) {
            return 0;
        }
        return Integer.parseInt(text.substring(0, 3));
    }
}
