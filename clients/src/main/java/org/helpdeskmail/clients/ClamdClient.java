package org.helpdeskmail.clients;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.StandardProtocolFamily;
import java.net.StandardSocketOptions;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.channels.UnresolvedAddressException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * Asks clamd whether content carries a virus, with its {@code zINSTREAM} command over TCP
 * ({@code host:port}) or a unix socket ({@code /path/to/clamd.ctl}), and tells what the answer means:
 * {@link Status#CLEAN}, {@link Status#INFECTED} (with the signature's name), {@link Status#SIZE_LIMIT}
 * (the content is longer than clamd's {@code StreamMaxLength}, so it was not scanned) or
 * {@link Status#ERROR} (no answer, refused connection, timeout, any other clamd error). It never throws.
 *
 * <p>The content is streamed in chunks of {@value #CHUNK_SIZE} bytes, each preceded by its length
 * as a 4-byte big-endian number and followed by a zero length, so a message is never held whole
 * in memory. A reply that comes before all chunks are sent (clamd's size limit) ends the sending.
 *
 * <p>Each scan opens one connection: clamd handles one INSTREAM per connection. At most
 * {@code maxConnections} scans talk to clamd at once, so that a burst of mail queues here instead
 * of in clamd's thread pool ({@code MaxThreads}, 12 on Debian) and connection queue; a scan that
 * waits longer than the read timeout for its turn is an {@link Status#ERROR}. Every other wait
 * (connecting, each write, the reply) is bounded by its own timeout.
 *
 * <p>Thread-safe; one instance per clamd, shared by every caller.
 */
public final class ClamdClient {
    /** What clamd's own clamdscan sends; clamd reads the stream in pieces of about this size anyway. */
    static final int CHUNK_SIZE = 64 * 1024;
    /** Replies are a line ("stream: Win.Test.EICAR_HDB-1 FOUND"); anything longer is not clamd. */
    private static final int MAXIMUM_REPLY_LENGTH = 4096;
    private static final int LENGTH_PREFIX = 4;
    private static final byte[] INSTREAM = "zINSTREAM\0".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] PING = "zPING\0".getBytes(StandardCharsets.US_ASCII);
    private static final String SIZE_LIMIT_REPLY = "INSTREAM size limit exceeded. ERROR";

    public enum Status { CLEAN, INFECTED, SIZE_LIMIT, ERROR }

    /**
     * @param signature the name clamd gave, only when {@link Status#INFECTED}
     * @param detail    clamd's reply, or what went wrong: for logs, not for the SMTP client
     */
    public record Verdict(Status status, Optional<String> signature, String detail) {
        public Verdict {
            Objects.requireNonNull(status, "status");
            Objects.requireNonNull(signature, "signature");
            Objects.requireNonNull(detail, "detail");
        }

        static Verdict error(String detail) {
            return new Verdict(Status.ERROR, Optional.empty(), detail);
        }
    }

    private final SocketAddress address;
    private final String description;
    private final Duration connectTimeout;
    private final Duration readTimeout;
    private final int maxConnections;
    private final Semaphore connections;

    /**
     * @param address        {@code host:port} ({@code [v6]:port} for an IPv6 literal) or the absolute path of clamd's unix socket
     * @param connectTimeout longest wait for a connection
     * @param readTimeout    longest wait for a scan slot, for clamd to take each chunk, and for its reply after the last one
     * @param maxConnections how many scans may talk to clamd at once
     * @throws IllegalArgumentException if the address is neither form, or a timeout or the budget is not positive
     */
    public ClamdClient(String address, Duration connectTimeout, Duration readTimeout, int maxConnections) {
        this.address = parseAddress(address);
        this.description = address.trim();
        this.connectTimeout = positive(connectTimeout, "connect timeout");
        this.readTimeout = positive(readTimeout, "read timeout");
        if (maxConnections < 1) {
            throw new IllegalArgumentException("the number of connections must be at least 1, was " + maxConnections);
        }
        this.maxConnections = maxConnections;
        // Fair: under load, mails are scanned in the order they finished DATA.
        this.connections = new Semaphore(maxConnections, true);
    }

    /**
     * {@code host:port} as an unresolved address (resolved at each connection, so a clamd container
     * that moves is found again), or an absolute path as a unix socket address.
     *
     * @throws IllegalArgumentException naming what is wrong
     */
    public static SocketAddress parseAddress(String address) {
        String value = Objects.requireNonNull(address, "address").trim();
        if (value.isEmpty()) {
            throw new IllegalArgumentException("the clamd address is empty");
        }
        if (value.startsWith("/")) {
            return UnixDomainSocketAddress.of(Path.of(value));
        }
        int colon = value.lastIndexOf(':');
        if (colon <= 0 || colon == value.length() - 1) {
            throw new IllegalArgumentException("'" + value + "' is neither host:port nor the absolute path of a unix socket");
        }
        String host = value.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        } else if (host.contains(":")) {
            throw new IllegalArgumentException("'" + value + "': write an IPv6 address in brackets, as [::1]:3310");
        }
        int port;
        try {
            port = Integer.parseInt(value.substring(colon + 1));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("'" + value + "': the port is not a number");
        }
        if (port < 1 || port > 65535 || host.isEmpty()) {
            throw new IllegalArgumentException("'" + value + "': expected host:port with a port from 1 to 65535");
        }
        return InetSocketAddress.createUnresolved(host, port);
    }

    /** The address as configured. */
    public String address() {
        return description;
    }

    /**
     * Scans what {@code content} holds, reading it to its end (or until clamd answers early); the
     * caller closes it. Blocks while {@code maxConnections} other scans are running.
     */
    public Verdict scan(InputStream content) {
        try {
            if (!connections.tryAcquire(readTimeout.toMillis(), TimeUnit.MILLISECONDS)) {
                return Verdict.error("no clamd connection free within " + readTimeout.toMillis() + " ms (all "
                    + maxConnections + " busy with other scans)");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Verdict.error("interrupted while waiting for a clamd connection");
        }
        try (Connection connection = connect()) {
            return connection.instream(content);
        } catch (SourceException e) {
            return Verdict.error("could not read the content to scan: " + describe(e.getCause()));
        } catch (IOException | UnresolvedAddressException e) {
            return Verdict.error("clamd at " + description + ": " + describe(e));
        } finally {
            connections.release();
        }
    }

    /**
     * Whether clamd answers {@code PING} with {@code PONG} within the timeouts. Does not wait for a
     * scan slot: a health check must not say "down" because clamd is busy with mail.
     */
    public boolean ping() {
        try (Connection connection = connect()) {
            connection.send(ByteBuffer.wrap(PING));
            return "PONG".equals(connection.reply());
        } catch (IOException | UnresolvedAddressException e) {
            return false;
        }
    }

    static Verdict parse(String reply) {
        String text = reply.strip();
        if (text.equals("stream: OK")) {
            return new Verdict(Status.CLEAN, Optional.empty(), text);
        }
        if (text.startsWith("stream: ") && text.endsWith(" FOUND")) {
            String signature = text.substring("stream: ".length(), text.length() - " FOUND".length()).strip();
            if (!signature.isEmpty()) {
                return new Verdict(Status.INFECTED, Optional.of(signature), text);
            }
        }
        if (text.equals(SIZE_LIMIT_REPLY)) {
            return new Verdict(Status.SIZE_LIMIT, Optional.empty(), text);
        }
        if (text.endsWith(" ERROR")) {
            return Verdict.error("clamd: " + text);
        }
        return Verdict.error("unexpected reply from clamd: '" + abbreviate(text) + "'");
    }

    private Connection connect() throws IOException {
        SocketChannel channel;
        SocketAddress target;
        if (address instanceof InetSocketAddress inet) {
            channel = SocketChannel.open();
            // Resolving here, not once at startup: a clamd container restarted with another IP is found again.
            target = new InetSocketAddress(inet.getHostString(), inet.getPort());
        } else {
            channel = SocketChannel.open(StandardProtocolFamily.UNIX);
            target = address;
        }
        Selector selector = null;
        try {
            channel.configureBlocking(false);
            if (target instanceof InetSocketAddress) {
                // Every write is a whole chunk; the small final terminator must not wait for an ACK.
                channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
            }
            selector = Selector.open();
            Connection connection = new Connection(channel, selector);
            if (!channel.connect(target)) {
                connection.await(SelectionKey.OP_CONNECT, connectTimeout, "connecting");
                channel.finishConnect();
            }
            return connection;
        } catch (IOException | RuntimeException e) {
            channel.close();
            if (selector != null) {
                selector.close();
            }
            throw e;
        }
    }

    /** One connection to clamd: a non-blocking channel and its selector, so that every wait has a timeout, unix sockets included. */
    private final class Connection implements AutoCloseable {
        private final SocketChannel channel;
        private final Selector selector;
        private final SelectionKey key;
        private final ByteArrayOutputStream reply = new ByteArrayOutputStream();
        private final ByteBuffer input = ByteBuffer.allocate(512);

        Connection(SocketChannel channel, Selector selector) throws IOException {
            this.channel = channel;
            this.selector = selector;
            this.key = channel.register(selector, 0);
        }

        Verdict instream(InputStream content) throws IOException {
            ByteBuffer chunk = ByteBuffer.allocate(INSTREAM.length + LENGTH_PREFIX + CHUNK_SIZE + LENGTH_PREFIX);
            chunk.put(INSTREAM);
            boolean ended = false;
            while (!ended) {
                int length = readChunk(content, chunk);
                ended = length < CHUNK_SIZE;
                if (ended && length > 0) {
                    // The terminator travels with the last chunk: one write less.
                    chunk.putInt(0);
                }
                chunk.flip();
                Optional<String> early = sendUnlessAnswered(chunk);
                if (early.isPresent()) {
                    return parse(early.get());
                }
                chunk.clear();
            }
            return parse(reply());
        }

        /** Appends a length prefix and up to {@value #CHUNK_SIZE} bytes of content (0 at its end, which is then the terminator). */
        private int readChunk(InputStream content, ByteBuffer chunk) throws SourceException {
            int prefix = chunk.position();
            chunk.putInt(0);
            int length;
            try {
                length = content.readNBytes(chunk.array(), chunk.position(), CHUNK_SIZE);
            } catch (IOException e) {
                throw new SourceException(e);
            }
            chunk.position(chunk.position() + length);
            chunk.putInt(prefix, length);
            return length;
        }

        void send(ByteBuffer buffer) throws IOException {
            if (sendUnlessAnswered(buffer).isPresent()) {
                throw new IOException("clamd answered before the command was sent");
            }
        }

        /**
         * Writes the whole buffer, unless clamd answers first (it does when the stream passes its
         * size limit, then closes the connection): then its reply.
         */
        private Optional<String> sendUnlessAnswered(ByteBuffer buffer) throws IOException {
            while (buffer.hasRemaining()) {
                int ready = await(SelectionKey.OP_WRITE | SelectionKey.OP_READ, readTimeout, "sending to clamd");
                if ((ready & SelectionKey.OP_READ) != 0) {
                    return Optional.of(reply());
                }
                try {
                    channel.write(buffer);
                } catch (IOException e) {
                    // clamd may have answered and closed in the meantime; its answer says more than "broken pipe".
                    Optional<String> late = replyIfAny();
                    if (late.isPresent()) {
                        return late;
                    }
                    throw e;
                }
            }
            return Optional.empty();
        }

        private Optional<String> replyIfAny() {
            try {
                readAvailable();
                return reply.size() == 0 ? Optional.empty() : Optional.of(reply.toString(StandardCharsets.US_ASCII));
            } catch (IOException e) {
                return Optional.empty();
            }
        }

        /** Reads up to the NUL that ends a {@code z} reply, or the end of the connection. */
        String reply() throws IOException {
            while (true) {
                if (readAvailable()) {
                    return reply.toString(StandardCharsets.US_ASCII);
                }
                await(SelectionKey.OP_READ, readTimeout, "waiting for clamd's reply");
            }
        }

        /** @return whether the reply is complete */
        private boolean readAvailable() throws IOException {
            while (true) {
                input.clear();
                int read = channel.read(input);
                if (read < 0) {
                    if (reply.size() == 0) {
                        throw new IOException("clamd closed the connection without a reply");
                    }
                    return true;
                }
                if (read == 0) {
                    return false;
                }
                for (int i = 0; i < read; i++) {
                    byte b = input.get(i);
                    if (b == 0) {
                        return true;
                    }
                    reply.write(b);
                    if (reply.size() > MAXIMUM_REPLY_LENGTH) {
                        throw new IOException("clamd's reply is longer than " + MAXIMUM_REPLY_LENGTH + " bytes");
                    }
                }
            }
        }

        /** Waits until one of {@code operations} is ready; @return the ready ones */
        int await(int operations, Duration timeout, String doing) throws IOException {
            key.interestOps(operations);
            long deadline = System.nanoTime() + timeout.toNanos();
            while (true) {
                long remainingMillis = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
                if (remainingMillis <= 0) {
                    throw new IOException("timed out after " + timeout.toMillis() + " ms " + doing);
                }
                selector.select(remainingMillis);
                if (Thread.currentThread().isInterrupted()) {
                    throw new IOException("interrupted while " + doing);
                }
                if (selector.selectedKeys().remove(key)) {
                    return key.readyOps();
                }
            }
        }

        @Override
        public void close() throws IOException {
            try {
                selector.close();
            } finally {
                channel.close();
            }
        }
    }

    /** The content could not be read: not clamd's fault, told apart in the verdict's detail. */
    private static final class SourceException extends IOException {
        SourceException(IOException cause) {
            super(cause);
        }
    }

    private static String describe(Throwable e) {
        return e.getMessage() == null ? e.getClass().getSimpleName() : e.getClass().getSimpleName() + ": " + e.getMessage();
    }

    private static String abbreviate(String text) {
        return text.length() <= 200 ? text : text.substring(0, 200) + "...";
    }

    private static Duration positive(Duration duration, String name) {
        if (duration == null || duration.isZero() || duration.isNegative()) {
            throw new IllegalArgumentException("the " + name + " must be longer than zero, was " + duration);
        }
        return duration;
    }
}
