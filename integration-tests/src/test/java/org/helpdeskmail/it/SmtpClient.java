package org.helpdeskmail.it;

import java.io.BufferedReader;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;

/**
 * A plain-socket SMTP client that shows every reply as it is, for tests of what the server answers:
 * STARTTLS (the test server's certificate is self-signed, so it is not verified), AUTH PLAIN, DATA.
 */
public final class SmtpClient implements Closeable {

    public record Reply(int code, String text) {
        public boolean isPositive() {
            return code >= 200 && code < 400;
        }

        /** The RFC 3463 status at the start of the last line, for example 5.7.1. */
        public String enhancedStatus() {
            String[] lines = text.split("\n");
            String last = lines[lines.length - 1];
            int space = last.indexOf(' ');
            return space < 0 ? last : last.substring(0, space);
        }

        @Override
        public String toString() {
            return code + " " + text;
        }
    }

    private Socket socket;
    private BufferedReader input;
    private OutputStream output;
    private final Reply greeting;

    private SmtpClient(Socket socket) throws IOException {
        attach(socket);
        this.greeting = readReply();
    }

    public static SmtpClient connect(int port) throws IOException {
        return connect("127.0.0.1", port);
    }

    /** Connects from {@code localAddress} (for example 127.0.0.3) to 127.0.0.1:{@code port}. */
    public static SmtpClient connect(String localAddress, int port) throws IOException {
        Socket socket = new Socket();
        socket.bind(new InetSocketAddress(localAddress, 0));
        socket.connect(new InetSocketAddress("127.0.0.1", port), 5000);
        socket.setSoTimeout(30_000);
        return new SmtpClient(socket);
    }

    private void attach(Socket socket) throws IOException {
        this.socket = socket;
        this.input = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
        this.output = socket.getOutputStream();
    }

    public Reply greeting() {
        return greeting;
    }

    public Reply command(String line) throws IOException {
        output.write((line + "\r\n").getBytes(StandardCharsets.UTF_8));
        output.flush();
        return readReply();
    }

    public Reply ehlo(String name) throws IOException {
        return command("EHLO " + name);
    }

    public Reply mailFrom(String address) throws IOException {
        return command("MAIL FROM:<" + address + ">");
    }

    public Reply rcptTo(String address) throws IOException {
        return command("RCPT TO:<" + address + ">");
    }

    /** STARTTLS, then the TLS handshake; the caller says EHLO again, as RFC 3207 requires. */
    public Reply startTls() throws Exception {
        Reply reply = command("STARTTLS");
        if (reply.code() != 220) {
            return reply;
        }
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, new TrustManager[] {new TrustEverything()}, new SecureRandom());
        SSLSocket tls = (SSLSocket) context.getSocketFactory().createSocket(socket, "127.0.0.1", socket.getPort(), true);
        tls.setUseClientMode(true);
        tls.startHandshake();
        attach(tls);
        return reply;
    }

    public boolean isEncrypted() {
        return socket instanceof SSLSocket;
    }

    public Reply authPlain(String user, String password) throws IOException {
        String token = Base64.getEncoder().encodeToString(("\0" + user + "\0" + password).getBytes(StandardCharsets.UTF_8));
        return command("AUTH PLAIN " + token);
    }

    /** DATA, the message with dot-stuffing, and the final reply (the one that means "on disk"). */
    public Reply data(String message) throws IOException {
        Reply reply = command("DATA");
        if (reply.code() != 354) {
            return reply;
        }
        StringBuilder body = new StringBuilder();
        for (String line : message.split("\r?\n", -1)) {
            body.append(line.startsWith(".") ? "." + line : line).append("\r\n");
        }
        body.append(".\r\n");
        output.write(body.toString().getBytes(StandardCharsets.UTF_8));
        output.flush();
        return readReply();
    }

    /** Sends bytes as they are, without a line end of its own and without reading a reply. */
    public void write(String raw) throws IOException {
        output.write(raw.getBytes(StandardCharsets.ISO_8859_1));
        output.flush();
    }

    /** The next reply, however many lines it has. */
    public Reply reply() throws IOException {
        return readReply();
    }

    /** The socket's read timeout, for tests that wait for the server to speak (or to hang up) first. */
    public void readTimeout(java.time.Duration timeout) throws IOException {
        socket.setSoTimeout((int) timeout.toMillis());
    }

    private Reply readReply() throws IOException {
        List<String> lines = new ArrayList<>();
        while (true) {
            String line = input.readLine();
            if (line == null) {
                throw new IOException("connection closed by the server after " + lines);
            }
            lines.add(line.length() > 4 ? line.substring(4) : "");
            if (line.length() < 4 || line.charAt(3) != '-') {
                return new Reply(Integer.parseInt(line.substring(0, 3)), String.join("\n", lines));
            }
        }
    }

    @Override
    public void close() throws IOException {
        try {
            if (!socket.isClosed()) {
                command("QUIT");
            }
        } catch (IOException ignored) {
            // The server may already have closed the connection: nothing left to say.
        } finally {
            socket.close();
        }
    }

    private static final class TrustEverything implements X509TrustManager {
        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) {
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) {
        }

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return new X509Certificate[0];
        }
    }
}
