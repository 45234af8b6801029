package org.helpdeskmail.bench;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.cert.X509Certificate;
import java.util.Base64;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;

/**
 * One SMTP connection of the load generator: no pipelining (like smtp-source without -P), one
 * command and one reply at a time; plain, or, with {@link Credentials}, STARTTLS then AUTH PLAIN as
 * a submission client does (the server's certificate is not checked: it is the benchmark's own
 * server, with the self-signed certificate it made at first start). Any unexpected reply throws
 * {@link SmtpRejection} with the server's words, so the caller can count it as an error.
 */
final class SmtpSession implements Closeable {
    private static final int TIMEOUT_MILLIS = 60_000;
    private static final SSLSocketFactory UNVERIFIED_TLS = unverifiedTls();

    /** A submission user: the session says STARTTLS, then AUTH PLAIN with these. */
    record Credentials(String user, String password) {
        String plainResponse() {
            byte[] response = ("\0" + user + "\0" + password).getBytes(StandardCharsets.UTF_8);
            return Base64.getEncoder().encodeToString(response);
        }
    }

    /** The server answered something other than what the step needs. */
    static final class SmtpRejection extends IOException {
        SmtpRejection(String step, String reply) {
            super(step + " -> " + reply);
        }
    }

    private Socket socket;
    private InputStream input;
    private OutputStream output;

    private SmtpSession(Socket socket) throws IOException {
        use(socket);
    }

    private void use(Socket socket) throws IOException {
        this.socket = socket;
        this.input = new BufferedInputStream(socket.getInputStream());
        this.output = new BufferedOutputStream(socket.getOutputStream(), 64 * 1024);
    }

    /**
     * Connects from 127.0.0.1, reads the 220 greeting and says EHLO. Always from 127.0.0.1: James
     * 3.8.1 looks up the client's host name with the platform resolver when a connection opens
     * (ProtocolMDCContextFactory), which for another loopback address such as 127.0.1.7 is not in
     * /etc/hosts and becomes a PTR query to the system's DNS server, off the machine, blocking the
     * server's I/O thread for over a second.
     */
    static SmtpSession open(InetSocketAddress server, String heloName) throws IOException {
        return open(server, heloName, null);
    }

    /** The same, then (credentials not null) STARTTLS, EHLO again and AUTH PLAIN. */
    static SmtpSession open(InetSocketAddress server, String heloName, Credentials credentials) throws IOException {
        Socket socket = new Socket();
        try {
            socket.setTcpNoDelay(true); // small commands, one at a time: Nagle would only add delay
            socket.bind(new InetSocketAddress(InetAddress.getByAddress(new byte[] {127, 0, 0, 1}), 0));
            socket.connect(server, TIMEOUT_MILLIS);
            socket.setSoTimeout(TIMEOUT_MILLIS);
            SmtpSession session = new SmtpSession(socket);
            session.expect("greeting", 220);
            session.command("EHLO " + heloName, 250);
            if (credentials != null) {
                session.command("STARTTLS", 220);
                SSLSocket secured = (SSLSocket) UNVERIFIED_TLS.createSocket(socket, server.getHostString(), server.getPort(), true);
                secured.startHandshake();
                session.use(secured);
                session.command("EHLO " + heloName, 250);
                session.command("AUTH PLAIN " + credentials.plainResponse(), 235);
            }
            return session;
        } catch (IOException | RuntimeException e) {
            socket.close();
            throw e;
        }
    }

    /**
     * MAIL, RCPT, DATA and the message; returns when the final reply to the message arrived (250:
     * the server has the message on disk).
     */
    void send(String mailFrom, String recipient, byte[] dotTerminatedData) throws IOException {
        command("MAIL FROM:<" + mailFrom + ">", 250);
        command("RCPT TO:<" + recipient + ">", 250);
        command("DATA", 354);
        output.write(dotTerminatedData);
        output.flush();
        expect("end of DATA", 250);
    }

    private static SSLSocketFactory unverifiedTls() {
        X509TrustManager trustAll = new X509TrustManager() {
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
        };
        try {
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, new TrustManager[] {trustAll}, null);
            return context.getSocketFactory();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("no TLS in this JVM", e);
        }
    }

    /** After a refused step the transaction may be half open: RSET puts the session back to the start. */
    void reset() throws IOException {
        command("RSET", 250);
    }

    private void command(String line, int expected) throws IOException {
        output.write(line.getBytes(StandardCharsets.US_ASCII));
        output.write('\r');
        output.write('\n');
        output.flush();
        int space = line.indexOf(' ');
        expect(space < 0 ? line : line.substring(0, space), expected);
    }

    private void expect(String step, int expected) throws IOException {
        String reply = readReply();
        if (!reply.startsWith(Integer.toString(expected))) {
            throw new SmtpRejection(step, reply);
        }
    }

    /** A whole reply (all lines of a multi-line one), joined with " | ". */
    private String readReply() throws IOException {
        StringBuilder reply = new StringBuilder();
        while (true) {
            String line = readLine();
            reply.append(reply.length() == 0 ? "" : " | ").append(line);
            if (endsReply(line)) {
                return reply.toString();
            }
        }
    }

    /** The last line of a reply: "250 ok" (or a bare code), not a continuation such as "250-PIPELINING". */
    static boolean endsReply(String line) {
        return line.length() < 4 || line.charAt(3) != '-';
    }

    private String readLine() throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream(128);
        int b;
        while ((b = input.read()) != '\n') {
            if (b < 0) {
                throw new IOException("connection closed by the server");
            }
            if (b != '\r') {
                line.write(b);
            }
        }
        return line.toString(StandardCharsets.UTF_8);
    }

    @Override
    public void close() throws IOException {
        try {
            if (!socket.isClosed()) {
                command("QUIT", 221);
            }
        } catch (IOException ignored) {
            // The session is over either way; a missing 221 changes nothing for the benchmark.
        } finally {
            socket.close();
        }
    }
}
