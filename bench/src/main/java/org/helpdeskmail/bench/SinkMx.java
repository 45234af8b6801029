package org.helpdeskmail.bench;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Collection;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;

import org.helpdeskmail.testing.tls.TestCertificateAuthority;

/**
 * The receiving MX of the outbound benchmark: an SMTP server on 127.0.0.1 that accepts every
 * transaction at once (250 to MAIL, RCPT and the end of DATA) and remembers, per benchmark token (the
 * Subject the load generator set), when the final dot of the first message that carried it arrived.
 * It advertises PIPELINING, 8BITMIME and ENHANCEDSTATUSCODES (as Postfix's smtp-sink does) and,
 * when asked, STARTTLS with a self-signed certificate. One thread per connection: the senders
 * keep at most a few dozen open.
 */
public final class SinkMx implements AutoCloseable {
    private static final String NAME = "sink.remote.test";
    private static final int TIMEOUT_MILLIS = 60_000;

    /** A delivered message: when its final dot arrived (System.nanoTime), its return path, whether it carried a DKIM-Signature. */
    public record Delivery(String token, long receivedAtNanos, String returnPath, boolean dkimSigned, int bytes) {
    }

    /** Counters over every delivery so far, and the connections and TLS sessions they came over. */
    public record Stats(long messages, long bytes, long withoutToken, long duplicates, long dkimSigned, long verpReturnPaths,
                        long connections, long tlsSessions) {
    }

    private final ServerSocket listener;
    private final SSLContext tls;
    private final ExecutorService connections = Executors.newCachedThreadPool(runnable -> {
        Thread thread = new Thread(runnable, "sink-mx");
        thread.setDaemon(true);
        return thread;
    });
    private final ArrivalLog<Delivery> log = new ArrivalLog<>();
    private final AtomicLong dkimSigned = new AtomicLong();
    private final AtomicLong verpReturnPaths = new AtomicLong();
    private final AtomicLong connectionCount = new AtomicLong();
    private final AtomicLong tlsSessions = new AtomicLong();

    private SinkMx(ServerSocket listener, SSLContext tls) {
        this.listener = listener;
        this.tls = tls;
    }

    /** Listens on 127.0.0.1:port (0: any free port); offers STARTTLS when {@code starttls}. */
    public static SinkMx start(int port, boolean starttls) throws IOException {
        ServerSocket listener = new ServerSocket();
        listener.setReuseAddress(true);
        listener.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 1024);
        SinkMx sink = new SinkMx(listener, starttls ? TestCertificateAuthority.selfSigned(NAME).sslContext() : null);
        Thread acceptor = new Thread(sink::acceptLoop, "sink-mx-accept");
        acceptor.setDaemon(true);
        acceptor.start();
        return sink;
    }

    public int port() {
        return listener.getLocalPort();
    }

    public Stats stats() {
        ArrivalLog.Counts counts = log.counts();
        return new Stats(counts.arrivals(), counts.bytes(), counts.withoutToken(), counts.duplicates(), dkimSigned.get(),
            verpReturnPaths.get(), connectionCount.get(), tlsSessions.get());
    }

    public Optional<Delivery> firstDelivery(String token) {
        return log.first(token);
    }

    public boolean awaitAll(Collection<String> tokens, Duration timeout) throws InterruptedException {
        return log.awaitAll(tokens, timeout);
    }

    public long receivedOf(Collection<String> tokens) {
        return log.receivedOf(tokens);
    }

    private void acceptLoop() {
        while (!listener.isClosed()) {
            try {
                Socket socket = listener.accept();
                connectionCount.incrementAndGet();
                connections.execute(() -> converse(socket));
            } catch (IOException e) {
                // Closed at the end of the run; a failed accept is the client's problem.
            }
        }
    }

    private void converse(Socket plain) {
        Socket socket = plain;
        try {
            socket.setTcpNoDelay(true);
            socket.setSoTimeout(TIMEOUT_MILLIS);
            Session session = new Session(socket);
            session.reply("220 " + NAME + " ESMTP sink");
            session.flush();
            while (true) {
                String line = session.readLine();
                if (line == null) {
                    return;
                }
                String verb = (line.length() >= 4 ? line.substring(0, 4) : line).toUpperCase(Locale.ROOT);
                switch (verb) {
                    case "EHLO" -> {
                        session.reply("250-" + NAME);
                        session.reply("250-PIPELINING");
                        session.reply("250-8BITMIME");
                        if (tls != null && !(socket instanceof SSLSocket)) {
                            session.reply("250-STARTTLS");
                        }
                        session.reply("250 ENHANCEDSTATUSCODES");
                    }
                    case "HELO" -> session.reply("250 " + NAME);
                    case "MAIL" -> {
                        session.returnPath = between(line, '<', '>');
                        session.reply("250 2.1.0 Ok");
                    }
                    case "RCPT" -> session.reply("250 2.1.5 Ok");
                    case "DATA" -> {
                        session.reply("354 End data with <CR><LF>.<CR><LF>");
                        session.flush();
                        receiveMessage(session);
                        session.reply("250 2.0.0 Ok: queued");
                    }
                    case "RSET", "NOOP" -> session.reply("250 2.0.0 Ok");
                    case "QUIT" -> {
                        session.reply("221 2.0.0 Bye");
                        session.flush();
                        return;
                    }
                    case "STAR" -> {
                        if (tls == null || socket instanceof SSLSocket) {
                            session.reply("502 5.5.1 STARTTLS not offered");
                            break;
                        }
                        session.reply("220 2.0.0 Ready to start TLS");
                        session.flush();
                        SSLSocket secured = (SSLSocket) tls.getSocketFactory().createSocket(socket, null, socket.getPort(), true);
                        secured.setUseClientMode(false);
                        secured.startHandshake();
                        tlsSessions.incrementAndGet();
                        socket = secured;
                        session = new Session(secured); // RFC 3207: everything known before TLS is forgotten
                    }
                    default -> session.reply("502 5.5.2 Command not recognized");
                }
                if (session.input.available() == 0) {
                    session.flush(); // answers to pipelined commands go out together
                }
            }
        } catch (IOException e) {
            // The client went away or broke the protocol: nothing to record.
        } finally {
            try {
                socket.close();
            } catch (IOException ignored) {
                // closing anyway
            }
        }
    }

    /** Reads the message up to the lone dot; records its arrival with the token of its Subject header. */
    private void receiveMessage(Session session) throws IOException {
        boolean inHeader = true;
        boolean dkim = false;
        String subject = null;
        int bytes = 0;
        while (true) {
            String line = session.readLine();
            if (line == null) {
                throw new IOException("connection closed in DATA");
            }
            if (line.equals(".")) {
                break;
            }
            bytes += line.length() + 2;
            if (inHeader) {
                if (line.isEmpty()) {
                    inHeader = false;
                } else if (line.regionMatches(true, 0, "Subject:", 0, 8)) {
                    subject = line.substring(8);
                } else if (line.regionMatches(true, 0, "DKIM-Signature:", 0, 15)) {
                    dkim = true;
                }
            }
        }
        long arrivedAt = System.nanoTime();
        if (dkim) {
            dkimSigned.incrementAndGet();
        }
        String returnPath = session.returnPath == null ? "" : session.returnPath;
        if (returnPath.startsWith("bounces+")) {
            verpReturnPaths.incrementAndGet();
        }
        Optional<String> token = ArrivalLog.tokenIn(subject);
        log.record(token, new Delivery(token.orElse(null), arrivedAt, returnPath, dkim, bytes), bytes);
    }

    private static String between(String line, char open, char close) {
        int start = line.indexOf(open);
        int end = line.indexOf(close, start + 1);
        return start < 0 || end < 0 ? "" : line.substring(start + 1, end);
    }

    /** One connection's streams (replaced after STARTTLS) and its transaction. */
    private static final class Session {
        final InputStream input;
        final OutputStream output;
        String returnPath;

        Session(Socket socket) throws IOException {
            input = new BufferedInputStream(socket.getInputStream(), 64 * 1024);
            output = new BufferedOutputStream(socket.getOutputStream(), 8 * 1024);
        }

        void reply(String line) throws IOException {
            output.write(line.getBytes(StandardCharsets.US_ASCII));
            output.write('\r');
            output.write('\n');
        }

        void flush() throws IOException {
            output.flush();
        }

        /** A line without its CRLF, null at the end of the stream. ISO-8859-1: 8-bit bodies pass unchanged. */
        String readLine() throws IOException {
            ByteArrayOutputStream line = new ByteArrayOutputStream(128);
            int b;
            while ((b = input.read()) != '\n') {
                if (b < 0) {
                    return line.size() == 0 ? null : line.toString(StandardCharsets.ISO_8859_1);
                }
                line.write(b);
            }
            int length = line.size();
            byte[] bytes = line.toByteArray();
            return new String(bytes, 0, length > 0 && bytes[length - 1] == '\r' ? length - 1 : length, StandardCharsets.ISO_8859_1);
        }
    }

    @Override
    public void close() throws IOException {
        listener.close();
        connections.shutdownNow();
    }

    /** Runs the sink alone: {@code SinkMx [PORT] [--starttls]}, prints its counters on Ctrl-C. */
    public static void main(String[] args) throws Exception {
        int port = args.length > 0 && !args[0].startsWith("--") ? Integer.parseInt(args[0]) : 0;
        boolean starttls = java.util.Arrays.asList(args).contains("--starttls");
        SinkMx sink = start(port, starttls);
        System.out.println("sink MX on 127.0.0.1:" + sink.port() + (starttls ? " (STARTTLS)" : ""));
        Runtime.getRuntime().addShutdownHook(new Thread(() -> System.out.println("stats: " + sink.stats())));
        Thread.currentThread().join();
    }
}
