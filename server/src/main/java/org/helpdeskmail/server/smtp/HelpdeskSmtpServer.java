package org.helpdeskmail.server.smtp;

import org.apache.commons.configuration2.HierarchicalConfiguration;
import org.apache.commons.configuration2.ex.ConfigurationException;
import org.apache.commons.configuration2.tree.ImmutableNode;
import org.apache.james.protocols.netty.AbstractChannelPipelineFactory;
import org.apache.james.protocols.netty.AbstractSSLAwareChannelPipelineFactory;
import org.apache.james.protocols.netty.ChannelHandlerFactory;
import org.apache.james.protocols.netty.HandlerConstants;
import org.apache.james.smtpserver.netty.SMTPServer;
import org.apache.james.smtpserver.netty.SmtpMetrics;

import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.socket.SocketChannel;

/**
 * James's SMTP listener with our framing and timeouts: {@link SmtpLineFramer} instead of James's line
 * framer, {@link CommandTimeout} instead of its idle handler. Everything else (TLS, connection limits,
 * the handler chain) is James's.
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

    private int stressTimeoutSeconds = DEFAULT_STRESS_TIMEOUT_SECONDS;
    private CommandTimeout.Load load;

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
        return load == null ? 0 : load.open();
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
        return new AbstractSSLAwareChannelPipelineFactory<>(getTimeout(), connectionLimit, connPerIP, proxyRequired,
            this::getEncryption, getFrameHandlerFactory(), getExecutorGroup()) {

            @Override
            public void initChannel(SocketChannel channel) throws Exception {
                super.initChannel(channel);
                ChannelPipeline pipeline = channel.pipeline();
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
