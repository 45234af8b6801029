package org.helpdeskmail.server.smtp;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongSupplier;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.concurrent.ScheduledFuture;

/**
 * Closes a connection whose client has not completed a line (a command, or a line of content) within
 * the timeout, with {@code 421 4.4.2} first, as Postfix's {@code smtpd_timeout} does. James's own
 * handler counts any byte as activity (a client dripping one byte now and then is never closed) and
 * ignores the first idle event (the real timeout is twice the setting): this one replaces it.
 *
 * <p>Under stress, when more than half of the listener's connection limit is in use, the timeout
 * becomes the short one (Postfix's {@code smtpd_timeout = ${stress?10}s}), so that a few hundred
 * idle sockets cannot take the MX away from the senders that do talk.
 */
final class CommandTimeout extends ChannelInboundHandlerAdapter {

    /** The connections of one listener, counted by its CommandTimeout handlers. */
    static final class Load {
        private final AtomicInteger open = new AtomicInteger();
        private final int stressThreshold;

        /** @param connectionLimit the listener's limit; 0 = none, and then no stress mode */
        Load(int connectionLimit) {
            this.stressThreshold = connectionLimit > 0 ? connectionLimit / 2 : Integer.MAX_VALUE;
        }

        boolean underStress() {
            return open.get() > stressThreshold;
        }

        int open() {
            return open.get();
        }
    }

    private final long normalNanos;
    private final long stressNanos;
    private final Load load;
    private final String hostName;
    private final LongSupplier clock;
    private long lastLine;
    private ScheduledFuture<?> check;

    CommandTimeout(long normalSeconds, long stressSeconds, Load load, String hostName, LongSupplier clock) {
        this.normalNanos = TimeUnit.SECONDS.toNanos(normalSeconds);
        this.stressNanos = TimeUnit.SECONDS.toNanos(Math.min(stressSeconds, normalSeconds));
        this.load = load;
        this.hostName = hostName;
        this.clock = clock;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) throws Exception {
        load.open.incrementAndGet();
        lastLine = clock.getAsLong();
        schedule(ctx, Math.min(normalNanos, stressNanos));
        super.channelActive(ctx);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        load.open.decrementAndGet();
        if (check != null) {
            check.cancel(false);
        }
        super.channelInactive(ctx);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object message) throws Exception {
        // Runs on the channel's event loop, as the checks do: lastLine needs no lock.
        lastLine = clock.getAsLong();
        super.channelRead(ctx, message);
    }

    private void schedule(ChannelHandlerContext ctx, long delayNanos) {
        check = ctx.executor().schedule(() -> expireOrReschedule(ctx), delayNanos, TimeUnit.NANOSECONDS);
    }

    private void expireOrReschedule(ChannelHandlerContext ctx) {
        if (!ctx.channel().isActive()) {
            return;
        }
        long timeout = load.underStress() ? stressNanos : normalNanos;
        long idle = clock.getAsLong() - lastLine;
        if (idle >= timeout) {
            String reply = "421 4.4.2 " + hostName + " Error: timeout exceeded\r\n";
            ctx.writeAndFlush(Unpooled.copiedBuffer(reply, StandardCharsets.US_ASCII)).addListener(ChannelFutureListener.CLOSE);
            return;
        }
        // Checked again at the latest when the short timeout could run out, in case stress begins.
        schedule(ctx, Math.min(timeout - idle, stressNanos));
    }
}
