package org.helpdeskmail.it;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;

/**
 * A receiving SMTP server on a loopback address that stands for "the recipient's MX": it takes
 * every message and keeps it for the test to look at. It can offer STARTTLS with a certificate of
 * the test's choosing, and answer RCPT for given addresses with scripted replies (a 550, a 451 once,
 * ...). It can be started on a given port, so that a test can start it after the server under test
 * has already tried (and failed) to deliver there.
 */
public final class SmtpSink implements AutoCloseable {

    /** One message taken; {@code tlsProtocol} empty when it came in clear. */
    public record Received(String mailFrom, List<String> recipients, String data, Optional<String> tlsProtocol) {
    }

    private final List<Received> messages = new CopyOnWriteArrayList<>();
    private final Map<String, Deque<String>> recipientReplies = new ConcurrentHashMap<>();
    private final AtomicInteger connections = new AtomicInteger();
    private final AtomicInteger clearTransactions = new AtomicInteger();
    private final ServerSocket serverSocket;
    private final Optional<SSLContext> tls;
    private final ExecutorService executor = Executors.newCachedThreadPool();

    private SmtpSink(ServerSocket serverSocket, Optional<SSLContext> tls) {
        this.serverSocket = serverSocket;
        this.tls = tls;
        executor.submit(this::acceptLoop);
    }

    public static SmtpSink start(int port) throws IOException {
        return start("127.0.0.1", port, Optional.empty());
    }

    /** A sink that offers STARTTLS with the certificate of {@code tls}. */
    public static SmtpSink start(String address, int port, Optional<SSLContext> tls) throws IOException {
        ServerSocket socket = new ServerSocket();
        socket.setReuseAddress(true);
        socket.bind(new InetSocketAddress(InetAddress.getByName(address), port));
        return new SmtpSink(socket, tls);
    }

    public int port() {
        return serverSocket.getLocalPort();
    }

    public List<Received> messages() {
        return List.copyOf(messages);
    }

    public int connections() {
        return connections.get();
    }

    /** Transactions that got as far as MAIL FROM without TLS. */
    public int clearTransactions() {
        return clearTransactions.get();
    }

    /** The next RCPT TO for {@code address} get these replies, one each, then 250 again. */
    public void answerRecipient(String address, String... replies) {
        recipientReplies.put(address.toLowerCase(Locale.ROOT), new ArrayDeque<>(List.of(replies)));
    }

    private void acceptLoop() {
        while (!serverSocket.isClosed()) {
            try {
                Socket connection = serverSocket.accept();
                connections.incrementAndGet();
                executor.submit(() -> converse(connection));
            } catch (SocketException closed) {
                return;
            } catch (IOException e) {
                return;
            }
        }
    }

    private void converse(Socket connection) {
        Socket socket = connection;
        try {
            BufferedReader input = reader(socket);
            OutputStream output = socket.getOutputStream();
            Optional<String> protocol = Optional.empty();
            reply(output, "220 sink.test ESMTP");
            String mailFrom = null;
            List<String> recipients = new ArrayList<>();
            String line;
            while ((line = input.readLine()) != null) {
                String upper = line.toUpperCase(Locale.ROOT);
                if (upper.startsWith("EHLO")) {
                    reply(output, "250-sink.test\r\n" + (tls.isPresent() && protocol.isEmpty() ? "250-STARTTLS\r\n" : "") + "250 8BITMIME");
                } else if (upper.startsWith("HELO")) {
                    reply(output, "250 sink.test");
                } else if (upper.equals("STARTTLS") && tls.isPresent() && protocol.isEmpty()) {
                    reply(output, "220 2.0.0 ready to start TLS");
                    SSLSocket secured = (SSLSocket) tls.get().getSocketFactory().createSocket(socket, null, socket.getPort(), true);
                    secured.setUseClientMode(false);
                    secured.startHandshake();
                    socket = secured;
                    protocol = Optional.of(secured.getSession().getProtocol());
                    input = reader(socket);
                    output = socket.getOutputStream();
                    mailFrom = null;
                } else if (upper.startsWith("MAIL FROM:")) {
                    if (protocol.isEmpty()) {
                        clearTransactions.incrementAndGet();
                    }
                    mailFrom = addressOf(line);
                    recipients = new ArrayList<>();
                    reply(output, "250 2.1.0 OK");
                } else if (upper.startsWith("RCPT TO:")) {
                    String recipient = addressOf(line);
                    Deque<String> scripted = recipientReplies.get(recipient.toLowerCase(Locale.ROOT));
                    String answer = scripted == null ? null : scripted.poll();
                    if (answer != null) {
                        reply(output, answer);
                    } else {
                        recipients.add(recipient);
                        reply(output, "250 2.1.5 OK");
                    }
                } else if (upper.equals("DATA")) {
                    if (recipients.isEmpty()) {
                        reply(output, "554 5.5.1 no valid recipients");
                        continue;
                    }
                    reply(output, "354 go ahead");
                    StringBuilder data = new StringBuilder();
                    String dataLine;
                    while ((dataLine = input.readLine()) != null && !dataLine.equals(".")) {
                        data.append(dataLine.startsWith("..") ? dataLine.substring(1) : dataLine).append("\r\n");
                    }
                    messages.add(new Received(mailFrom, List.copyOf(recipients), data.toString(), protocol));
                    reply(output, "250 2.0.0 queued");
                } else if (upper.equals("QUIT")) {
                    reply(output, "221 2.0.0 bye");
                    return;
                } else if (upper.equals("RSET") || upper.equals("NOOP")) {
                    recipients = new ArrayList<>();
                    reply(output, "250 2.0.0 OK");
                } else {
                    reply(output, "502 5.5.1 not implemented");
                }
            }
        } catch (IOException ignored) {
            // The client went away (or refused our certificate): nothing to record.
        } finally {
            try {
                socket.close();
            } catch (IOException ignored) {
                // closing is all that was left to do
            }
        }
    }

    private static BufferedReader reader(Socket socket) throws IOException {
        return new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
    }

    private static String addressOf(String line) {
        int open = line.indexOf('<');
        int close = line.indexOf('>', open);
        return open >= 0 && close > open ? line.substring(open + 1, close) : line.substring(line.indexOf(':') + 1).trim();
    }

    private static void reply(OutputStream output, String text) throws IOException {
        output.write((text + "\r\n").getBytes(StandardCharsets.UTF_8));
        output.flush();
    }

    @Override
    public void close() throws IOException {
        serverSocket.close();
        executor.shutdownNow();
    }
}
