package org.helpdeskmail.smtp;

import java.net.InetAddress;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

import javax.inject.Inject;

import org.apache.commons.configuration2.Configuration;
import org.apache.commons.configuration2.ex.ConfigurationException;
import org.apache.james.dnsservice.api.DNSService;
import org.apache.james.protocols.api.ProtocolSession;
import org.apache.james.protocols.api.Response;
import org.apache.james.protocols.api.handler.ConnectHandler;
import org.apache.james.protocols.smtp.SMTPSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Starts the client's forward-confirmed reverse DNS lookup when it connects, through our DNS service
 * (HELPDESK_DNS_SERVERS), on threads of its own: the greeting never waits for it, and no I/O thread
 * ever blocks on a resolver. The Received header, the greylisting, the spam scan and the mail log
 * read the result later in the session ({@link #reverseDns}), by which time the lookup has had the
 * EHLO, MAIL and RCPT round trips to finish.
 *
 * <pre>{@code
 * <handler class="org.helpdeskmail.smtp.ClientNameLookup">
 *     <timeout>10 seconds</timeout>   <!-- the longest a later step waits for the answer -->
 *     <threads>8</threads>
 * </handler>
 * }</pre>
 */
public class ClientNameLookup implements ConnectHandler<SMTPSession> {
    private static final Logger LOGGER = LoggerFactory.getLogger(ClientNameLookup.class);
    static final ProtocolSession.AttachmentKey<ReverseDns> REVERSE_DNS =
        ProtocolSession.AttachmentKey.of("helpdesk.client.reverse-dns", ReverseDns.class);
    @SuppressWarnings("rawtypes")
    private static final ProtocolSession.AttachmentKey<Lookup> LOOKUP =
        ProtocolSession.AttachmentKey.of("helpdesk.client.reverse-dns-lookup", Lookup.class);
    private static final int QUEUE_LIMIT = 2000;

    /** A lookup under way, and how long a reader may wait for it. */
    record Lookup(CompletableFuture<ReverseDns> result, Duration timeout) {
    }

    private final DNSService dnsService;
    private Duration timeout = Duration.ofSeconds(10);
    private ExecutorService executor;

    @Inject
    public ClientNameLookup(DNSService dnsService) {
        this.dnsService = dnsService;
    }

    @Override
    public void init(Configuration configuration) throws ConfigurationException {
        timeout = DurationElement.read(configuration, "ClientNameLookup", "timeout", timeout, "10 seconds");
        int threads = configuration.getInt("threads", 8);
        if (threads < 1) {
            throw new ConfigurationException("ClientNameLookup: <threads> must be at least 1, was " + threads);
        }
        AtomicInteger counter = new AtomicInteger();
        ThreadPoolExecutor pool = new ThreadPoolExecutor(threads, threads, 60, TimeUnit.SECONDS, new LinkedBlockingQueue<>(QUEUE_LIMIT),
            runnable -> {
                Thread thread = new Thread(runnable, "client-dns-" + counter.incrementAndGet());
                thread.setDaemon(true);
                return thread;
            });
        pool.allowCoreThreadTimeOut(true);
        executor = pool;
    }

    @Override
    public void destroy() {
        if (executor != null) {
            executor.shutdownNow();
        }
    }

    @Override
    public Response onConnect(SMTPSession session) {
        InetAddress client = session.getRemoteAddress().getAddress();
        try {
            CompletableFuture<ReverseDns> result = CompletableFuture.supplyAsync(() -> ReverseDns.lookUp(dnsService, client), executor);
            session.setAttachment(LOOKUP, new Lookup(result, timeout), ProtocolSession.State.Connection);
        } catch (RejectedExecutionException e) {
            // Thousands of lookups waiting: this client is named by its address only.
            LOGGER.warn("Reverse DNS of {} not looked up: {} lookups are waiting", client.getHostAddress(), QUEUE_LIMIT);
            session.setAttachment(REVERSE_DNS, ReverseDns.NONE, ProtocolSession.State.Connection);
        }
        return null;
    }

    /**
     * The client's reverse DNS: the answer of the lookup started at connect (waiting for it at most
     * its timeout), or, without this handler in the chain, a lookup made now. Once per connection.
     */
    public static ReverseDns reverseDns(SMTPSession session, DNSService dnsService) {
        Optional<ReverseDns> known = session.getAttachment(REVERSE_DNS, ProtocolSession.State.Connection);
        if (known.isPresent()) {
            return known.get();
        }
        ReverseDns verdict = session.getAttachment(LOOKUP, ProtocolSession.State.Connection)
            .map(lookup -> await(session, lookup))
            .orElseGet(() -> ReverseDns.lookUp(dnsService, session.getRemoteAddress().getAddress()));
        session.setAttachment(REVERSE_DNS, verdict, ProtocolSession.State.Connection);
        return verdict;
    }

    /** The answer if it is there already, without waiting: for the Received header and the log. */
    public static Optional<ReverseDns> reverseDnsIfKnown(SMTPSession session) {
        Optional<ReverseDns> known = session.getAttachment(REVERSE_DNS, ProtocolSession.State.Connection);
        if (known.isPresent()) {
            return known;
        }
        return session.getAttachment(LOOKUP, ProtocolSession.State.Connection)
            .flatMap(lookup -> Optional.ofNullable(((Lookup) lookup).result().getNow(null)));
    }

    private static ReverseDns await(SMTPSession session, Lookup lookup) {
        try {
            return lookup.result().get(lookup.timeout().toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            LOGGER.info("Reverse DNS of {} took longer than {}: treated as none", session.getRemoteAddress().getAddress().getHostAddress(),
                lookup.timeout());
            return ReverseDns.NONE;
        } catch (ExecutionException e) {
            return ReverseDns.NONE;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return ReverseDns.NONE;
        }
    }
}
