package org.helpdeskmail.server.smtp;

import java.nio.charset.StandardCharsets;

import org.apache.commons.configuration2.HierarchicalConfiguration;
import org.apache.commons.configuration2.ex.ConfigurationException;
import org.apache.commons.configuration2.tree.ImmutableNode;
import org.apache.james.protocols.netty.AbstractChannelPipelineFactory;
import org.apache.james.protocols.netty.AbstractSSLAwareChannelPipelineFactory;
import org.apache.james.protocols.netty.ChannelHandlerFactory;
import org.apache.james.protocols.netty.HandlerConstants;
import org.apache.james.smtpserver.netty.SMTPServer;
import org.apache.james.smtpserver.netty.SmtpMetrics;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.socket.SocketChannel;
import io.netty.util.concurrent.ImmediateEventExecutor;

/**
 * James's SMTP listener with our framing, timeouts and limits: {@link SmtpLineFramer} instead of
 * James's line framer, {@link CommandTimeout} instead of its idle handler, {@link ConnectionLimits}
 * (answered 421) instead of its silent ones. Everything else (TLS, the handler chain) is James's.
 *
 * <pre>{@code
 * <smtpserver>
 *     <connectiontimeout>300</connectiontimeout>   <!-- seconds to complete a line -->
 *     <stressTimeout>10</stressTimeout>            <!-- the same when over half of connectionLimit is in use -->
 *     ...
 * </smtpserver>
 * }</pre>
 */
public class HelpdeskSmtpServer extends SMTPServer {
    static final int DEFAULT_STRESS_TIMEOUT_SECONDS = 10;
    private static final String TIMEOUT_HANDLER = "helpdesk-command-timeout";
    private static final String CONNECTION_LIMITS = "helpdesk-connection-limits";

    private int stressTimeoutSeconds = DEFAULT_STRESS_TIMEOUT_SECONDS;
    private CommandTimeout.Load load;
    private final ChannelGroup clients = new DefaultChannelGroup(ImmediateEventExecutor.INSTANCE);
    private volatile boolean stopping;

    public HelpdeskSmtpServer(SmtpMetrics smtpMetrics) {
        super(smtpMetrics);
    }

    @Override
    public void doConfigure(HierarchicalConfiguration<ImmutableNode> configuration) throws ConfigurationException {
        super.doConfigure(configuration);
        stressTimeoutSeconds = configuration.getInt("stressTimeout", DEFAULT_STRESS_TIMEOUT_SECONDS);
        if (stressTimeoutSeconds < 1) {
            throw new ConfigurationException("stressTimeout must be at least 1 second, not " + stressTimeoutSeconds);
        }
    }

    /** Connections open now on this listener. */
    public int openConnections() {
        return clients.size();
    }

    /**
     * The first step of a graceful stop: from now on a new connection is answered
     * {@code 421 4.3.2} and closed; the open ones go on until they end or {@link #closeClients} runs.
     */
    public void refuseNewConnections() {
        stopping = true;
    }

    /** The last step of a graceful stop: each client still connected gets 421 4.3.2, then the close. */
    public void closeClients() {
        for (Channel client : clients) {
            // On the client's own event loop, so that the reply goes after any reply already being written.
            client.eventLoop().execute(() -> client.writeAndFlush(shuttingDown()).addListener(ChannelFutureListener.CLOSE));
        }
    }

    private ByteBuf shuttingDown() {
        return Unpooled.copiedBuffer("421 4.3.2 " + getHelloName() + " Service shutting down, try again later\r\n", StandardCharsets.US_ASCII);
    }

    @Override
    protected ChannelHandlerFactory createFrameHandlerFactory() {
        return pipeline -> {
            DataPhase dataPhase = new DataPhase();
            pipeline.addLast("helpdesk-data-phase", dataPhase);
            return new SmtpLineFramer(AbstractChannelPipelineFactory.MAX_LINE_LENGTH, dataPhase);
        };
    }

    @Override
    protected AbstractChannelPipelineFactory createPipelineFactory() {
        load = new CommandTimeout.Load(connectionLimit);
        ConnectionLimits limits = new ConnectionLimits(connectionLimit, connPerIP, getHelloName());
        // James's own limit handlers are left out (0, 0): they close without a reply.
        return new AbstractSSLAwareChannelPipelineFactory<>(getTimeout(), 0, 0, proxyRequired,
            this::getEncryption, getFrameHandlerFactory(), getExecutorGroup()) {

            @Override
            public void initChannel(SocketChannel channel) throws Exception {
                if (stopping) {
                    channel.pipeline().addLast(new ChannelInboundHandlerAdapter() {
                        @Override
                        public void channelActive(ChannelHandlerContext ctx) {
                            ctx.writeAndFlush(shuttingDown()).addListener(ChannelFutureListener.CLOSE);
                        }
                    });
                    return;
                }
                clients.add(channel);
                super.initChannel(channel);
                ChannelPipeline pipeline = channel.pipeline();
                // First, but behind TLS on an implicit-TLS listener: the 421 must reach the client encrypted.
                if (pipeline.get(HandlerConstants.SSL_HANDLER) != null) {
                    pipeline.addAfter(HandlerConstants.SSL_HANDLER, CONNECTION_LIMITS, limits);
                } else {
                    pipeline.addFirst(CONNECTION_LIMITS, limits);
                }
                pipeline.replace(HandlerConstants.TIMEOUT_HANDLER, TIMEOUT_HANDLER,
                    new CommandTimeout(getTimeout(), stressTimeoutSeconds, load, getHelloName(), System::nanoTime));
            }

            @Override
            protected ChannelInboundHandlerAdapter createHandler() {
                return createCoreHandler();
            }
        };
    }
}
