package org.helpdeskmail.server.smtp;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;

import org.apache.james.protocols.api.CommandDetectionSession;
import org.apache.james.protocols.netty.BasicChannelInboundHandler;
import org.apache.james.protocols.netty.CommandInjectionDetectedException;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.util.AttributeKey;

/**
 * Cuts what an SMTP client sends into the lines James's handlers read, replacing James's framer
 * (which answers every line over 8,192 bytes with a 500 at once, even inside DATA, and closes the
 * session on a bare LF).
 *
 * <ul>
 *   <li><b>Commands</b> longer than the limit are skipped to their end and answered once (James's
 *       "500 Line length exceeded"): one command, one reply.</li>
 *   <li><b>Content</b> (between the 354 and the end of DATA, see {@link DataPhase}) is never cut off
 *       and never answered line by line: a longer line reaches the handlers in pieces that, written
 *       one after the other, give back the line as sent. Limits on content (header size, message
 *       size) are answered at the end of DATA by the hooks that own them.</li>
 *   <li><b>Bare LF</b> ends a line and is stored as CRLF, as Postfix 3.9's
 *       {@code smtpd_forbid_bare_newline = normalize} does; only {@code <CR><LF>.<CR><LF>} ends
 *       DATA. A dot line that any other way of ending lines surrounds (the SMTP smuggling variants)
 *       stays part of the message, so no second message can be hidden in the first.</li>
 *   <li><b>STARTTLS</b> followed by anything in the same read is refused, as James's framer does
 *       (plaintext command injection, CVE-2011-0411 and its kind).</li>
 * </ul>
 */
final class SmtpLineFramer extends ByteToMessageDecoder {
    private static final AttributeKey<Boolean> STARTTLS_IN_FLIGHT = AttributeKey.valueOf("helpdesk.startTlsInFlight");
    private static final String STARTTLS = "starttls";
    private static final byte LINE_FEED = '\n';
    private static final byte CARRIAGE_RETURN = '\r';
    private static final byte DOT = '.';
    private static final byte[] CRLF = {CARRIAGE_RETURN, LINE_FEED};
    private static final byte[] END_OF_DATA = {DOT, CARRIAGE_RETURN, LINE_FEED};
    private static final byte[] STUFFED_DOT = {DOT, DOT, CARRIAGE_RETURN, LINE_FEED};

    private final int maximumLineLength;
    private final DataPhase dataPhase;

    private boolean discardingCommand;
    private boolean inContent;
    private boolean continuingLine;
    private boolean previousEndedWithCrlf;

    SmtpLineFramer(int maximumLineLength, DataPhase dataPhase) {
        if (maximumLineLength < 16) {
            throw new IllegalArgumentException("maximumLineLength must be at least 16, not " + maximumLineLength);
        }
        this.maximumLineLength = maximumLineLength;
        this.dataPhase = dataPhase;
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        if (dataPhase.isActive()) {
            if (!inContent) {
                inContent = true;
                continuingLine = false;
                previousEndedWithCrlf = true;
            }
            decodeContent(in, out);
        } else {
            inContent = false;
            decodeCommand(ctx, in, out);
        }
    }

    private void decodeCommand(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        int lineEnd = in.indexOf(in.readerIndex(), in.writerIndex(), LINE_FEED);
        if (discardingCommand) {
            if (lineEnd < 0) {
                in.skipBytes(in.readableBytes());
                return;
            }
            in.readerIndex(lineEnd + 1);
            discardingCommand = false;
            ctx.fireExceptionCaught(new TooLongFrameException("command line over " + maximumLineLength + " bytes"));
            return;
        }
        if (lineEnd < 0) {
            if (in.readableBytes() > maximumLineLength) {
                discardingCommand = true;
                in.skipBytes(in.readableBytes());
            }
            return;
        }
        int length = lineEnd + 1 - in.readerIndex();
        if (length > maximumLineLength) {
            in.readerIndex(lineEnd + 1);
            ctx.fireExceptionCaught(new TooLongFrameException("command line over " + maximumLineLength + " bytes"));
            return;
        }
        refuseCommandsAfterStartTls(ctx, in);
        boolean crlf = length >= 2 && in.getByte(lineEnd - 1) == CARRIAGE_RETURN;
        out.add(line(in, length - (crlf ? 2 : 1), length, false));
    }

    private void decodeContent(ByteBuf in, List<Object> out) {
        int lineEnd = in.indexOf(in.readerIndex(), in.writerIndex(), LINE_FEED);
        int available = lineEnd < 0 ? in.readableBytes() : lineEnd + 1 - in.readerIndex();
        boolean crlf = lineEnd >= 0 && available >= 2 && in.getByte(lineEnd - 1) == CARRIAGE_RETURN;
        int contentLength = lineEnd < 0 ? available : available - (crlf ? 2 : 1);
        if (available > maximumLineLength) {
            // A piece never leaves an empty remainder: a remainder of just a line end would read as
            // the blank line that ends the header, or as a dot line.
            int piece = Math.min(maximumLineLength - 2, lineEnd < 0 ? available - 1 : contentLength - 1);
            boolean continuation = continuingLine;
            continuingLine = true;
            out.add(piece(in, piece, continuation));
            return;
        }
        if (lineEnd < 0) {
            return;
        }
        boolean continuation = continuingLine;
        boolean previousCrlf = previousEndedWithCrlf;
        continuingLine = false;
        previousEndedWithCrlf = crlf;
        if (!continuation && contentLength == 1 && in.getByte(in.readerIndex()) == DOT) {
            in.skipBytes(available);
            if (crlf && previousCrlf) {
                dataPhase.end();
                inContent = false;
                out.add(Unpooled.wrappedBuffer(END_OF_DATA));
            } else {
                out.add(Unpooled.wrappedBuffer(STUFFED_DOT));
            }
            return;
        }
        out.add(line(in, contentLength, available, continuation));
    }

    /** The next contentLength bytes as one line ending in CRLF, whatever ended it; consumed bytes in all. */
    private static ByteBuf line(ByteBuf in, int contentLength, int consumed, boolean continuation) {
        ByteBuf content = in.readRetainedSlice(contentLength);
        in.skipBytes(consumed - contentLength);
        return Unpooled.wrappedBuffer(stuffing(content, continuation), content, Unpooled.wrappedBuffer(CRLF));
    }

    private static ByteBuf piece(ByteBuf in, int length, boolean continuation) {
        ByteBuf content = in.readRetainedSlice(length);
        return Unpooled.wrappedBuffer(stuffing(content, continuation), content);
    }

    /**
     * The handlers take a leading dot as dot-stuffing (RFC 5321 4.5.2) and remove it: a piece that
     * continues a line and starts with a dot gets one more, so the dot it carries is kept.
     */
    private static ByteBuf stuffing(ByteBuf content, boolean continuation) {
        boolean needed = continuation && content.isReadable() && content.getByte(content.readerIndex()) == DOT;
        return needed ? Unpooled.wrappedBuffer(new byte[] {DOT}) : Unpooled.EMPTY_BUFFER;
    }

    /**
     * Nothing may follow STARTTLS before the handshake: what a man in the middle appends would be read
     * as if it came through TLS. James's framer has the same rule; ours replaces it, so it is here.
     */
    private static void refuseCommandsAfterStartTls(ChannelHandlerContext ctx, ByteBuf in) {
        Object session = ctx.channel().attr(BasicChannelInboundHandler.SESSION_ATTRIBUTE_KEY).get();
        if (session instanceof CommandDetectionSession && !((CommandDetectionSession) session).needsCommandInjectionDetection()) {
            return;
        }
        if (Boolean.TRUE.equals(ctx.channel().attr(STARTTLS_IN_FLIGHT).get())) {
            throw new CommandInjectionDetectedException();
        }
        String[] lines = in.toString(in.readerIndex(), in.readableBytes(), StandardCharsets.US_ASCII)
            .toLowerCase(Locale.US).trim().split("[\r\n]+");
        boolean startTls = false;
        for (String line : lines) {
            String command = line.trim();
            if (command.startsWith(STARTTLS)) {
                if (!command.equals(STARTTLS) || lines.length > 1) {
                    throw new CommandInjectionDetectedException();
                }
                startTls = true;
            }
        }
        if (startTls) {
            ctx.channel().attr(STARTTLS_IN_FLIGHT).set(true);
        }
    }
}
