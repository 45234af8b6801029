package org.helpdeskmail.bench;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Many SMTP connections opened at the same moment, each from a given client address, and the time
 * each one took from the start of its connect() to the complete greeting reply. One thread and one
 * selector do it all, non-blocking: every socket is made and bound first, then the connects are
 * issued back to back (300 within a few milliseconds), so the server really sees them at once, and
 * no client thread has to be scheduled before it can notice its reply (with 300 threads on 2 cores
 * the benchmark's own scheduling would show in the figures). Each time is taken right after the
 * selector reports the bytes, for that connection alone.
 */
final class ConnectionBurst implements AutoCloseable {
    private static final byte[] QUIT = "QUIT\r\n".getBytes(StandardCharsets.US_ASCII);

    /**
     * What one connection got. connectedNanos and repliedNanos count from the start of its
     * connect() (-1: not reached). reply: the complete greeting (lines joined with " | "), null when
     * there was none; failure: what went wrong instead.
     */
    record Outcome(String client, long connectedNanos, long repliedNanos, String reply, String failure) {
        boolean greeted() {
            return reply != null && reply.startsWith("220");
        }

        /** For counting alike outcomes: "220", the first line of another reply, or the failure. */
        String kind() {
            if (greeted()) {
                return "220";
            }
            return reply != null ? reply.split(" \\| ", 2)[0] : failure;
        }
    }

    /** The QUIT at the end: sent on so many connections, 221 on so many, the server closed so many; the rest by kind. */
    record QuitOutcome(int sent, int replied221, int closedByServer, Map<String, Integer> others) {
    }

    /**
     * Collects the bytes of one SMTP reply as they come, and says when it is complete: at the end of
     * a line that is not a continuation ("220-..." lines are).
     */
    static final class ReplyAssembler {
        private final ByteArrayOutputStream line = new ByteArrayOutputStream(128);
        private final StringBuilder reply = new StringBuilder();

        /** Takes the bytes; the complete reply once its last line is in (later bytes are not read). */
        Optional<String> feed(ByteBuffer bytes) {
            while (bytes.hasRemaining()) {
                byte b = bytes.get();
                if (b == '\n') {
                    String text = line.toString(StandardCharsets.UTF_8);
                    line.reset();
                    reply.append(reply.length() == 0 ? "" : " | ").append(text);
                    if (SmtpSession.endsReply(text)) {
                        return Optional.of(reply.toString());
                    }
                } else if (b != '\r') {
                    line.write(b);
                }
            }
            return Optional.empty();
        }

        /** What came before the connection ended, for the report. */
        String partial() {
            return reply + line.toString(StandardCharsets.UTF_8);
        }
    }

    /** The state of one connection while the selector runs; only the selector's thread touches it. */
    private static final class Connection {
        final String client;
        final SocketChannel channel;
        long startNanos;
        long connectedNanos = -1;
        long repliedNanos = -1;
        String reply;
        String failure;
        ReplyAssembler assembler = new ReplyAssembler();
        boolean quitSent;

        Connection(String client, SocketChannel channel) {
            this.client = client;
            this.channel = channel;
        }

        Outcome outcome() {
            return new Outcome(client, connectedNanos < 0 ? -1 : connectedNanos - startNanos, repliedNanos < 0 ? -1 : repliedNanos - startNanos,
                reply, failure);
        }
    }

    private final Selector selector;
    private final List<Connection> connections;
    /** Taken when the greetings are in: {@link #quit} reuses the connections' state. */
    private final List<Outcome> outcomes;
    private final long startNanos;
    private final long endNanos;

    private ConnectionBurst(Selector selector, List<Connection> connections, long startNanos, long endNanos) {
        this.selector = selector;
        this.connections = connections;
        this.outcomes = connections.stream().map(Connection::outcome).toList();
        this.startNanos = startNanos;
        this.endNanos = endNanos;
    }

    /**
     * Opens one connection per entry of {@code clients} (the local address it is bound to) to the
     * server, and returns once each has its complete greeting, has failed, or {@code timeout} has
     * passed. The connections stay open for {@link #quit}.
     */
    static ConnectionBurst open(InetSocketAddress server, List<InetAddress> clients, Duration timeout) throws IOException {
        Selector selector = Selector.open();
        List<Connection> connections = new ArrayList<>(clients.size());
        try {
            for (InetAddress client : clients) {
                SocketChannel channel = SocketChannel.open();
                connections.add(new Connection(client.getHostAddress(), channel));
                channel.configureBlocking(false);
                channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
                channel.bind(new InetSocketAddress(client, 0));
            }
        } catch (IOException e) {
            connections.forEach(connection -> closeQuietly(connection.channel));
            selector.close();
            throw e;
        }
        long start = System.nanoTime();
        int pending = 0;
        for (Connection connection : connections) {
            connection.startNanos = System.nanoTime();
            try {
                if (connection.channel.connect(server)) {
                    connection.connectedNanos = System.nanoTime();
                    connection.channel.register(selector, SelectionKey.OP_READ, connection);
                } else {
                    connection.channel.register(selector, SelectionKey.OP_CONNECT, connection);
                }
                pending++;
            } catch (IOException e) {
                connection.failure = "connect failed: " + e.getMessage();
            }
        }
        pending = awaitReplies(selector, pending, start + timeout.toNanos());
        for (Connection connection : connections) {
            if (connection.reply == null && connection.failure == null) {
                connection.failure = (connection.connectedNanos < 0 ? "not connected" : "no complete reply")
                    + " within " + timeout.toSeconds() + " s" + (connection.assembler.partial().isEmpty() ? "" : ": " + connection.assembler.partial());
            }
        }
        long end = connections.stream().mapToLong(connection -> Math.max(connection.repliedNanos, connection.startNanos)).max().orElse(start);
        return new ConnectionBurst(selector, connections, start, pending > 0 ? System.nanoTime() : end);
    }

    /** Runs the selector until no connection waits for a reply or the deadline passed; returns how many still wait. */
    private static int awaitReplies(Selector selector, int pending, long deadlineNanos) throws IOException {
        ByteBuffer buffer = ByteBuffer.allocate(4096);
        while (pending > 0) {
            long remainingMillis = (deadlineNanos - System.nanoTime()) / 1_000_000;
            if (remainingMillis <= 0) {
                break;
            }
            selector.select(remainingMillis);
            for (Iterator<SelectionKey> keys = selector.selectedKeys().iterator(); keys.hasNext(); ) {
                SelectionKey key = keys.next();
                keys.remove();
                Connection connection = (Connection) key.attachment();
                if (!key.isValid()) {
                    continue;
                }
                try {
                    if (key.isConnectable()) {
                        if (connection.channel.finishConnect()) {
                            connection.connectedNanos = System.nanoTime();
                            key.interestOps(SelectionKey.OP_READ);
                        }
                    } else if (key.isReadable()) {
                        buffer.clear();
                        int read = connection.channel.read(buffer);
                        long now = System.nanoTime();
                        if (read < 0) {
                            throw new IOException("closed by the server" + (connection.assembler.partial().isEmpty() ? "" : " after \"" + connection.assembler.partial() + "\""));
                        }
                        buffer.flip();
                        Optional<String> reply = connection.assembler.feed(buffer);
                        if (reply.isPresent()) {
                            connection.repliedNanos = now;
                            connection.reply = reply.get();
                            key.interestOps(0);
                            pending--;
                        }
                    }
                } catch (IOException e) {
                    connection.failure = (connection.connectedNanos < 0 ? "connect failed: " : "") + e.getMessage();
                    key.cancel();
                    pending--;
                }
            }
        }
        return pending;
    }

    List<Outcome> outcomes() {
        return outcomes;
    }

    /** From the first connect() to the last reply (or to the timeout when some never came). */
    double seconds() {
        return (endNanos - startNanos) / 1e9;
    }

    /**
     * Says QUIT on every connection that is still open, and waits (at most {@code timeout}) for each
     * reply and for the server to close: until then the server still counts the connection against
     * its limits per client and in all, which the next burst would meet.
     */
    QuitOutcome quit(Duration timeout) throws IOException {
        int sent = 0;
        for (Connection connection : connections) {
            SelectionKey key = connection.channel.keyFor(selector);
            if (connection.connectedNanos < 0 || key == null || !key.isValid() || !connection.channel.isOpen()) {
                continue;
            }
            connection.reply = null;
            connection.failure = null;
            connection.assembler = new ReplyAssembler();
            try {
                // six bytes on an idle connection: the socket buffer takes them whole
                connection.channel.write(ByteBuffer.wrap(QUIT));
                key.interestOps(SelectionKey.OP_READ);
                connection.quitSent = true;
                sent++;
            } catch (IOException e) {
                connection.failure = "QUIT not sent: " + e.getMessage();
                key.cancel();
            }
        }
        int pending = awaitQuits(sent, System.nanoTime() + timeout.toNanos());
        int replied221 = 0;
        int closed = 0;
        Map<String, Integer> others = new TreeMap<>();
        for (Connection connection : connections) {
            if (!connection.quitSent) {
                continue;
            }
            if (connection.reply != null && connection.reply.startsWith("221")) {
                replied221++;
            } else if (connection.reply != null || connection.failure != null) {
                others.merge(connection.reply != null ? connection.reply : connection.failure, 1, Integer::sum);
            }
            if (connection.failure != null && connection.failure.equals("closed")) {
                closed++;
            }
        }
        if (pending > 0) {
            others.merge("not closed within " + timeout.toSeconds() + " s", pending, Integer::sum);
        }
        return new QuitOutcome(sent, replied221, closed, others);
    }

    /** Reads the QUIT replies, then each connection until the server closes it (failure "closed"). */
    private int awaitQuits(int pending, long deadlineNanos) throws IOException {
        ByteBuffer buffer = ByteBuffer.allocate(4096);
        while (pending > 0) {
            long remainingMillis = (deadlineNanos - System.nanoTime()) / 1_000_000;
            if (remainingMillis <= 0) {
                break;
            }
            selector.select(remainingMillis);
            for (Iterator<SelectionKey> keys = selector.selectedKeys().iterator(); keys.hasNext(); ) {
                SelectionKey key = keys.next();
                keys.remove();
                Connection connection = (Connection) key.attachment();
                if (!key.isValid() || !key.isReadable()) {
                    continue;
                }
                try {
                    buffer.clear();
                    if (connection.channel.read(buffer) < 0) {
                        connection.failure = "closed";
                        key.cancel();
                        connection.channel.close();
                        pending--;
                        continue;
                    }
                    buffer.flip();
                    if (connection.reply == null) {
                        connection.assembler.feed(buffer).ifPresent(reply -> connection.reply = reply);
                    }
                } catch (IOException e) {
                    connection.failure = e.getMessage();
                    key.cancel();
                    pending--;
                }
            }
        }
        return pending;
    }

    @Override
    public void close() {
        connections.forEach(connection -> closeQuietly(connection.channel));
        try {
            selector.close();
        } catch (IOException ignored) {
            // nothing left to release
        }
    }

    private static void closeQuietly(SocketChannel channel) {
        try {
            channel.close();
        } catch (IOException ignored) {
            // the burst is over; a socket that does not close cleanly changes no figure
        }
    }
}
