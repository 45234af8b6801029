package org.helpdeskmail.server.smtp;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.atomic.AtomicInteger;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.AttributeKey;
import io.netty.util.ReferenceCountUtil;

/**
 * {@code connectionLimit} and {@code connectionLimitPerIP} of a listener, answered: a connection over
 * either limit gets {@code 421} with its reason and is closed before any handler sees it. James's own
 * handlers close such a connection without a word, which a sending MTA cannot tell from a network
 * failure (Postfix answers {@code 421 4.7.0 Error: too many connections from <address>}).
 */
@ChannelHandler.Sharable
final class ConnectionLimits extends ChannelInboundHandlerAdapter {
    private static final AttributeKey<InetAddress> COUNTED = AttributeKey.valueOf("helpdesk.connection-counted");
    private static final AttributeKey<Boolean> REFUSED = AttributeKey.valueOf("helpdesk.connection-refused");

    private final int total;
    private final int perAddress;
    private final String hostName;
    private final AtomicInteger open = new AtomicInteger();
    private final ConcurrentMap<InetAddress, Integer> byAddress = new ConcurrentHashMap<>();

    /** @param total the listener's limit, 0 for none; @param perAddress per client address, 0 for none */
    ConnectionLimits(int total, int perAddress, String hostName) {
        this.total = total;
        this.perAddress = perAddress;
        this.hostName = hostName;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) throws Exception {
        InetAddress client = ((InetSocketAddress) ctx.channel().remoteAddress()).getAddress();
        int listener = open.incrementAndGet();
        int fromClient = byAddress.merge(client, 1, Integer::sum);
        ctx.channel().attr(COUNTED).set(client);
        if (total > 0 && listener > total) {
            refuse(ctx, "421 4.3.2 " + hostName + " Too many connections, please try again later");
            return;
        }
        if (perAddress > 0 && fromClient > perAddress) {
            refuse(ctx, "421 4.7.0 " + hostName + " Too many connections from " + client.getHostAddress());
            return;
        }
        super.channelActive(ctx);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object message) throws Exception {
        if (refused(ctx)) {
            ReferenceCountUtil.release(message);
            return;
        }
        super.channelRead(ctx, message);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        InetAddress client = ctx.channel().attr(COUNTED).getAndSet(null);
        if (client != null) {
            open.decrementAndGet();
            byAddress.computeIfPresent(client, (address, count) -> count <= 1 ? null : count - 1);
        }
        if (!refused(ctx)) {
            super.channelInactive(ctx);
        }
    }

    private static boolean refused(ChannelHandlerContext ctx) {
        return Boolean.TRUE.equals(ctx.channel().attr(REFUSED).get());
    }

    /** Answers and closes; the handlers after this one never learn of the connection. */
    private static void refuse(ChannelHandlerContext ctx, String reply) {
        ctx.channel().attr(REFUSED).set(true);
        ctx.writeAndFlush(Unpooled.copiedBuffer(reply + "\r\n", StandardCharsets.US_ASCII)).addListener(ChannelFutureListener.CLOSE);
    }
}
