package org.helpdeskmail.testing.smtp;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import javax.net.ssl.ExtendedSSLSession;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;

/**
 * A receiving SMTP server on a loopback address for tests of SMTP clients: it behaves as a plain,
 * strict MX (RFC 5321: a transaction is MAIL, RCPT..., DATA; a nested MAIL is refused with 503),
 * and a test can replace any of its answers with replies of its own, malformed ones and hang-ups
 * included. It records every command of every connection and every message it accepted, as the
 * bytes that came on the wire.
 *
 * <pre>{@code
 * try (ScriptedSmtpServer mx = ScriptedSmtpServer.builder()
 *         .extensions("SIZE 10240000", "8BITMIME")
 *         .startTls(ca.issue("mx.example.com").sslContext())
 *         .start()) {
 *     mx.answer("RCPT TO:<gone@example.com>", "550 5.1.1 no such user");
 *     mx.answer(ScriptedSmtpServer.END_OF_DATA, Reply.of("421 4.3.2 shutting down").thenHangUp());
 *     // ... the client under test connects to mx.address() ...
 *     mx.messages();   // what was accepted, and whether over TLS
 *     mx.sessions();   // every command of every connection
 * }
 * }</pre>
 *
 * <p>Scripted replies are matched by the start of the command line, ignoring case, and used once
 * each, in the order given; then the server answers as usual again. The state of a session
 * follows the code of whatever reply was sent: a scripted {@code 550} to RCPT adds no recipient.
 * A greeting is looked up when a connection is accepted, so script it before the client connects.
 */
public final class ScriptedSmtpServer implements AutoCloseable {
    /** The key of {@link #answer} for the greeting of the next connections. */
    public static final String GREETING = "<greeting>";
    /** The key of {@link #answer} for the reply to the message itself, after its final dot. */
    public static final String END_OF_DATA = "<end of data>";

    /** What one connection did so far: its commands (message data aside) and its TLS session. */
    public record Session(int number, String clientAddress, List<String> commands, Optional<String> tlsProtocol,
                          Optional<String> tlsServerName) {
        public Session {
            commands = List.copyOf(commands);
        }
    }

    /**
     * A message the server accepted.
     *
     * @param wire the DATA content exactly as sent, transparency dots and the final {@code .CRLF} included
     */
    public record Message(int session, String mailFrom, List<String> recipients, byte[] wire, Optional<String> tlsProtocol) {
        public Message {
            recipients = List.copyOf(recipients);
            wire = wire.clone();
        }

        /** The message as the sender meant it: the final dot gone and leading transparency dots removed (RFC 5321 4.5.2). */
        public String content() {
            String text = new String(wire, 0, wire.length - 3, StandardCharsets.UTF_8);
            if (text.isEmpty()) {
                return "";
            }
            return Arrays.stream(text.substring(0, text.length() - 2).split("\r\n", -1))
                .map(line -> line.startsWith(".") ? line.substring(1) : line)
                .collect(Collectors.joining("\r\n", "", "\r\n"));
        }
    }

    private record Script(String prefix, Deque<Reply> replies) {
    }

    private final ServerSocket serverSocket;
    private final String hostName;
    private final List<String> extensions;
    private final Optional<SSLContext> tls;
    private final ExecutorService executor = Executors.newCachedThreadPool();
    private final List<Script> scripts = new ArrayList<>();
    private final List<Conversation> conversations = new CopyOnWriteArrayList<>();
    private final List<Message> messages = new CopyOnWriteArrayList<>();
    private final Set<Socket> openSockets = ConcurrentHashMap.newKeySet();

    private ScriptedSmtpServer(ServerSocket serverSocket, Builder builder) {
        this.serverSocket = serverSocket;
        this.hostName = builder.hostName;
        this.extensions = List.copyOf(builder.extensions);
        this.tls = builder.tls;
        executor.submit(this::acceptConnections);
    }

    public static Builder builder() {
        return new Builder();
    }

    /** How the server presents itself; everything else is scripted with {@link #answer}. */
    public static final class Builder {
        private String address = "127.0.0.1";
        private int port;
        private String hostName = "mx.scripted.test";
        private List<String> extensions = List.of("8BITMIME", "ENHANCEDSTATUSCODES");
        private Optional<SSLContext> tls = Optional.empty();

        private Builder() {
        }

        /** The loopback address to listen on; 127.0.0.1 unless told. */
        public Builder address(String loopbackAddress) {
            this.address = loopbackAddress;
            return this;
        }

        /** The port; a free one unless told. */
        public Builder port(int port) {
            this.port = port;
            return this;
        }

        /** The name in the greeting and the first line of the EHLO reply. */
        public Builder hostName(String name) {
            this.hostName = name;
            return this;
        }

        /** The EHLO lines after the first, e.g. {@code "SIZE 1000"}; STARTTLS is added by {@link #startTls}. */
        public Builder extensions(String... keywords) {
            this.extensions = List.of(keywords);
            return this;
        }

        /** Offers STARTTLS (until it is used) and makes the handshake with this server-side context. */
        public Builder startTls(SSLContext serverContext) {
            this.tls = Optional.of(serverContext);
            return this;
        }

        public ScriptedSmtpServer start() throws IOException {
            ServerSocket socket = new ServerSocket();
            try {
                socket.setReuseAddress(true);
                socket.bind(new InetSocketAddress(InetAddress.getByName(address), port));
            } catch (IOException e) {
                socket.close();
                throw e;
            }
            return new ScriptedSmtpServer(socket, this);
        }
    }

    public InetSocketAddress address() {
        return (InetSocketAddress) serverSocket.getLocalSocketAddress();
    }

    public int port() {
        return serverSocket.getLocalPort();
    }

    /** The next commands starting with {@code command} (or {@link #GREETING}, {@link #END_OF_DATA}) get these replies, one each. */
    public void answer(String command, String... replies) {
        answer(command, List.of(replies).stream().map(Reply::of).toArray(Reply[]::new));
    }

    /** As {@link #answer(String, String...)}, with hang-ups and silences. */
    public synchronized void answer(String command, Reply... replies) {
        scripts.add(new Script(command.toUpperCase(Locale.ROOT), new ArrayDeque<>(List.of(replies))));
    }

    /** Every connection so far, in the order they came, as far as they got. */
    public List<Session> sessions() {
        return conversations.stream().map(Conversation::snapshot).toList();
    }

    /** Every message accepted so far, in order. */
    public List<Message> messages() {
        return List.copyOf(messages);
    }

    @Override
    public void close() throws IOException {
        serverSocket.close();
        for (Socket socket : openSockets) {
            socket.close();
        }
        executor.shutdownNow();
        try {
            executor.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private synchronized Optional<Reply> scripted(String key) {
        String upper = key.toUpperCase(Locale.ROOT);
        for (Script script : scripts) {
            if (upper.startsWith(script.prefix()) && !script.replies().isEmpty()) {
                return Optional.of(script.replies().poll());
            }
        }
        return Optional.empty();
    }

    private void acceptConnections() {
        while (!serverSocket.isClosed()) {
            try {
                Socket socket = serverSocket.accept();
                openSockets.add(socket);
                Conversation conversation = new Conversation(conversations.size() + 1, socket);
                conversations.add(conversation);
                executor.submit(conversation::run);
            } catch (IOException closed) {
                return;
            }
        }
    }

    /** One connection: reads commands and answers them, scripted replies first. */
    private final class Conversation {
        private static final long END_OF_DATA_BYTES = 0x0d0a2e0d0aL;

        private final int number;
        private final Socket plainSocket;
        private final List<String> commands = new CopyOnWriteArrayList<>();
        private volatile Optional<String> tlsProtocol = Optional.empty();
        private volatile Optional<String> tlsServerName = Optional.empty();
        private Socket socket;
        private InputStream input;
        private OutputStream output;
        private String mailFrom;
        private final List<String> recipients = new ArrayList<>();

        Conversation(int number, Socket socket) {
            this.number = number;
            this.plainSocket = socket;
        }

        Session snapshot() {
            return new Session(number, plainSocket.getInetAddress().getHostAddress(), commands, tlsProtocol, tlsServerName);
        }

        void run() {
            try {
                use(plainSocket);
                boolean open = send(scripted(GREETING).orElse(Reply.of("220 " + hostName + " ESMTP scripted")));
                String line;
                while (open && (line = readCommand()) != null) {
                    commands.add(line);
                    open = handle(line);
                }
            } catch (IOException gone) {
                // the client went away, or refused the certificate: the session ends here
            } finally {
                try {
                    plainSocket.close();
                } catch (IOException ignored) {
                    // nothing left to do with it
                }
                openSockets.remove(plainSocket);
            }
        }

        /** Answers one command; false when the connection is closed. */
        private boolean handle(String line) throws IOException {
            String verb = line.split("[ :]", 2)[0].toUpperCase(Locale.ROOT);
            Reply reply = scripted(line).orElseGet(() -> usualReply(verb));
            boolean positive = reply.code() >= 200 && reply.code() < 300;
            switch (verb) {
                case "EHLO", "HELO", "RSET" -> {
                    if (positive || verb.equals("RSET")) {
                        endTransaction();
                    }
                }
                case "MAIL" -> {
                    if (positive) {
                        mailFrom = path(line);
                        recipients.clear();
                    }
                }
                case "RCPT" -> {
                    if (positive) {
                        recipients.add(path(line));
                    }
                }
                default -> {
                    // the other commands change nothing of the transaction
                }
            }
            boolean open = send(reply);
            if (open && verb.equals("STARTTLS") && reply.code() == 220 && tls.isPresent()) {
                startTls();
            }
            if (open && verb.equals("DATA") && reply.code() == 354) {
                return receiveMessage();
            }
            return open;
        }

        private Reply usualReply(String verb) {
            boolean offersTls = tls.isPresent() && tlsProtocol.isEmpty();
            return switch (verb) {
                case "EHLO" -> ehloReply(offersTls);
                case "HELO" -> Reply.of("250 " + hostName);
                case "STARTTLS" -> offersTls ? Reply.of("220 2.0.0 ready to start TLS") : Reply.of("502 5.5.1 STARTTLS not offered");
                case "MAIL" -> mailFrom != null ? Reply.of("503 5.5.1 nested MAIL command") : Reply.of("250 2.1.0 sender ok");
                case "RCPT" -> mailFrom == null ? Reply.of("503 5.5.1 need MAIL first") : Reply.of("250 2.1.5 recipient ok");
                case "DATA" -> mailFrom == null ? Reply.of("503 5.5.1 need MAIL first")
                    : recipients.isEmpty() ? Reply.of("554 5.5.1 no valid recipients") : Reply.of("354 end data with <CR><LF>.<CR><LF>");
                case "RSET", "NOOP" -> Reply.of("250 2.0.0 ok");
                case "QUIT" -> Reply.of("221 2.0.0 bye").thenHangUp();
                default -> Reply.of("500 5.5.2 command not recognised");
            };
        }

        private Reply ehloReply(boolean offersTls) {
            List<String> lines = new ArrayList<>();
            lines.add(hostName);
            lines.addAll(extensions);
            if (offersTls) {
                lines.add("STARTTLS");
            }
            List<String> reply = new ArrayList<>();
            for (int i = 0; i < lines.size(); i++) {
                reply.add((i == lines.size() - 1 ? "250 " : "250-") + lines.get(i));
            }
            return Reply.of(reply.toArray(String[]::new));
        }

        /** Reads the DATA content up to the final dot, then answers it; false when the connection is closed. */
        private boolean receiveMessage() throws IOException {
            ByteArrayOutputStream wire = new ByteArrayOutputStream();
            long lastFive = 0;
            while (true) {
                int next = input.read();
                if (next == -1) {
                    return false;
                }
                wire.write(next);
                lastFive = (lastFive << 8 | next) & 0xff_ffff_ffffL;
                boolean onlyTheDot = wire.size() == 3 && (lastFive & 0xff_ffffL) == 0x2e0d0aL;
                if (onlyTheDot || (wire.size() >= 5 && lastFive == END_OF_DATA_BYTES)) {
                    break;
                }
            }
            Reply reply = scripted(END_OF_DATA).orElseGet(() -> Reply.of("250 2.0.0 queued as " + (messages.size() + 1)));
            if (reply.code() >= 200 && reply.code() < 300) {
                messages.add(new Message(number, mailFrom, recipients, wire.toByteArray(), tlsProtocol));
            }
            endTransaction();
            return send(reply);
        }

        private void startTls() throws IOException {
            // Whatever the client sent after STARTTLS in clear is discarded with the old stream (RFC 3207 4.2).
            SSLSocket secured = (SSLSocket) tls.orElseThrow().getSocketFactory().createSocket(socket, null, socket.getPort(), true);
            secured.setUseClientMode(false);
            secured.startHandshake();
            if (secured.getSession() instanceof ExtendedSSLSession session) {
                tlsServerName = session.getRequestedServerNames().stream()
                    .filter(SNIHostName.class::isInstance)
                    .map(name -> ((SNIHostName) name).getAsciiName())
                    .findFirst();
            }
            tlsProtocol = Optional.of(secured.getSession().getProtocol());
            use(secured);
            endTransaction();
        }

        private void use(Socket newSocket) throws IOException {
            socket = newSocket;
            input = new BufferedInputStream(socket.getInputStream());
            output = socket.getOutputStream();
        }

        private void endTransaction() {
            mailFrom = null;
            recipients.clear();
        }

        /** Sends the reply; false when it hung up. */
        private boolean send(Reply reply) throws IOException {
            if (!reply.text().isEmpty()) {
                output.write((reply.text() + "\r\n").getBytes(StandardCharsets.UTF_8));
                output.flush();
            }
            if (reply.hangUp()) {
                socket.close();
                return false;
            }
            return true;
        }

        /** One command line without its line end; null at the end of the stream. */
        private String readCommand() throws IOException {
            ByteArrayOutputStream line = new ByteArrayOutputStream();
            int next;
            while ((next = input.read()) != '\n') {
                if (next == -1) {
                    return null;
                }
                line.write(next);
            }
            String text = line.toString(StandardCharsets.UTF_8);
            return text.endsWith("\r") ? text.substring(0, text.length() - 1) : text;
        }

        private static String path(String line) {
            int open = line.indexOf('<');
            int close = line.indexOf('>', open + 1);
            return open >= 0 && close > open ? line.substring(open + 1, close) : line.substring(line.indexOf(':') + 1).trim();
        }
    }
}
