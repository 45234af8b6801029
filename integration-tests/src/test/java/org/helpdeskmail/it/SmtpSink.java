package org.helpdeskmail.it;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * A receiving SMTP server on 127.0.0.1 that stands for "the recipient's MX": it takes every message
 * and keeps it for the test to look at. It can be started on a given port, so that a test can
 * start it after the server under test has already tried (and failed) to deliver there.
 */
public final class SmtpSink implements AutoCloseable {

    public record Received(String mailFrom, List<String> recipients, String data) {
    }

    private final List<Received> messages = new CopyOnWriteArrayList<>();
    private final ServerSocket serverSocket;
    private final ExecutorService executor = Executors.newCachedThreadPool();

    private SmtpSink(ServerSocket serverSocket) {
        this.serverSocket = serverSocket;
        executor.submit(this::acceptLoop);
    }

    public static SmtpSink start(int port) throws IOException {
        ServerSocket socket = new ServerSocket();
        socket.setReuseAddress(true);
        socket.bind(new java.net.InetSocketAddress(InetAddress.getByName("127.0.0.1"), port));
        return new SmtpSink(socket);
    }

    public int port() {
        return serverSocket.getLocalPort();
    }

    public List<Received> messages() {
        return List.copyOf(messages);
    }

    private void acceptLoop() {
        while (!serverSocket.isClosed()) {
            try {
                Socket connection = serverSocket.accept();
                executor.submit(() -> converse(connection));
            } catch (SocketException closed) {
                return;
            } catch (IOException e) {
                return;
            }
        }
    }

    private void converse(Socket connection) {
        try (connection) {
            BufferedReader input = new BufferedReader(new InputStreamReader(connection.getInputStream(), StandardCharsets.UTF_8));
            OutputStream output = connection.getOutputStream();
            reply(output, "220 sink.test ESMTP");
            String mailFrom = null;
            List<String> recipients = new ArrayList<>();
            String line;
            while ((line = input.readLine()) != null) {
                String upper = line.toUpperCase();
                if (upper.startsWith("EHLO")) {
                    reply(output, "250-sink.test\r\n250 8BITMIME");
                } else if (upper.startsWith("HELO")) {
                    reply(output, "250 sink.test");
                } else if (upper.startsWith("MAIL FROM:")) {
                    mailFrom = addressOf(line);
                    recipients = new ArrayList<>();
                    reply(output, "250 2.1.0 OK");
                } else if (upper.startsWith("RCPT TO:")) {
                    recipients.add(addressOf(line));
                    reply(output, "250 2.1.5 OK");
                } else if (upper.equals("DATA")) {
                    reply(output, "354 go ahead");
                    StringBuilder data = new StringBuilder();
                    String dataLine;
                    while ((dataLine = input.readLine()) != null && !dataLine.equals(".")) {
                        data.append(dataLine.startsWith("..") ? dataLine.substring(1) : dataLine).append("\r\n");
                    }
                    messages.add(new Received(mailFrom, List.copyOf(recipients), data.toString()));
                    reply(output, "250 2.0.0 queued");
                } else if (upper.equals("QUIT")) {
                    reply(output, "221 2.0.0 bye");
                    return;
                } else if (upper.equals("RSET") || upper.equals("NOOP")) {
                    reply(output, "250 2.0.0 OK");
                } else {
                    reply(output, "502 5.5.1 not implemented");
                }
            }
        } catch (IOException ignored) {
            // The client went away: nothing to record.
        }
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
