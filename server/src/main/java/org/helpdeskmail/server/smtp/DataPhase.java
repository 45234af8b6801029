package org.helpdeskmail.server.smtp;

import java.util.concurrent.atomic.AtomicBoolean;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;

/**
 * Whether the client of one connection is sending message content: from the moment the server writes
 * its 354 until the framer has passed on the end of DATA. The framer reads it to know whether a line
 * is a command (answered at once when too long) or content (never cut, never answered by itself).
 *
 * <p>The reply, not the DATA command, starts the phase: a client may send content only after it has
 * read the 354 (RFC 5321 4.1.1.4, RFC 2920 3.1), and the 354 is written on the connection before
 * those bytes can arrive. Bytes sent before it are commands, as the protocol says they are.
 */
final class DataPhase extends ChannelOutboundHandlerAdapter {
    private static final byte[] START_MAIL_INPUT = {'3', '5', '4'};

    private final AtomicBoolean active = new AtomicBoolean();

    boolean isActive() {
        return active.get();
    }

    void end() {
        active.set(false);
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object message, ChannelPromise promise) throws Exception {
        if (message instanceof ByteBuf && startsMailInput((ByteBuf) message)) {
            active.set(true);
        }
        super.write(ctx, message, promise);
    }

    private static boolean startsMailInput(ByteBuf reply) {
        if (reply.readableBytes() < START_MAIL_INPUT.length + 1) {
            return false;
        }
        int start = reply.readerIndex();
        for (int index = 0; index < START_MAIL_INPUT.length; index++) {
            if (reply.getByte(start + index) != START_MAIL_INPUT[index]) {
                return false;
            }
        }
        byte separator = reply.getByte(start + START_MAIL_INPUT.length);
        return separator == ' ' || separator == '-';
    }
}
