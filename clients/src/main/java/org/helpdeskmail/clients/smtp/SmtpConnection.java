package org.helpdeskmail.clients.smtp;

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
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;

import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.SSLSocketFactory;

/**
 * The client side of one SMTP connection (RFC 5321) to a remote MX: EHLO, STARTTLS (RFC 3207),
 * then any number of mail transactions. It says what the server answered and leaves every
 * decision (next MX, retry, bounce) to the caller; a reply the server did not send in the SMTP
 * format ends the connection with an {@link SmtpProtocolException}.
 */
public final class SmtpConnection implements Closeable {
    private static final int MAX_REPLY_LINE = 2048;
    private static final int MAX_REPLY_LINES = 100;

    /** What TLS the connection ended up with, for the logs and for the caller's own certificate checks. */
    public record TlsSession(String protocol, String cipherSuite, List<X509Certificate> peerChain) {
        public TlsSession {
            peerChain = List.copyOf(peerChain);
        }
    }

    /** The message as it goes on the wire, before the transparency dots are added. */
    @FunctionalInterface
    public interface MessageContent {
        void writeTo(OutputStream output) throws IOException;
    }

    private final Duration readTimeout;
    private Socket socket;
    private InputStream input;
    private OutputStream output;
    private Set<String> extensions = Set.of();
    private OptionalLong sizeLimit = OptionalLong.empty();
    private Optional<TlsSession> tls = Optional.empty();

    private SmtpConnection(Socket socket, Duration readTimeout) throws IOException {
        this.readTimeout = readTimeout;
        use(socket);
    }

    /**
     * Connects, from {@code localAddress} when given (a sending IP of this host), and leaves the
     * greeting to be read with {@link #greeting()}.
     */
    public static SmtpConnection open(InetSocketAddress remote, Optional<InetAddress> localAddress, Duration connectTimeout,
                                      Duration readTimeout) throws IOException {
        Socket socket = new Socket();
        try {
            if (localAddress.isPresent()) {
                socket.bind(new InetSocketAddress(localAddress.get(), 0));
            }
            socket.connect(remote, Math.toIntExact(connectTimeout.toMillis()));
            return new SmtpConnection(socket, readTimeout);
        } catch (IOException | RuntimeException e) {
            socket.close();
            throw e;
        }
    }

    private void use(Socket newSocket) throws IOException {
        socket = newSocket;
        socket.setSoTimeout(Math.toIntExact(readTimeout.toMillis()));
        input = new BufferedInputStream(socket.getInputStream());
        output = new BufferedOutputStream(socket.getOutputStream(), 64 * 1024);
    }

    public SmtpReply greeting() throws IOException {
        return readReply();
    }

    /** EHLO, and HELO when the server does not know EHLO (RFC 5321 3.2). */
    public SmtpReply hello(String name) throws IOException {
        SmtpReply reply = command("EHLO " + name);
        if (reply.code() == 500 || reply.code() == 502) {
            forgetExtensions();
            return command("HELO " + name);
        }
        if (reply.positive()) {
            readExtensions(reply);
        }
        return reply;
    }

    private void readExtensions(SmtpReply reply) {
        Set<String> keywords = new HashSet<>();
        sizeLimit = OptionalLong.empty();
        // The first line greets; each further line names one extension and its parameters.
        for (String line : reply.lines().subList(1, reply.lines().size())) {
            String[] words = line.trim().split("\\s+");
            String keyword = words[0].toUpperCase(Locale.ROOT);
            keywords.add(keyword);
            if (keyword.equals("SIZE") && words.length > 1) {
                try {
                    long limit = Long.parseLong(words[1]);
                    if (limit > 0) {
                        sizeLimit = OptionalLong.of(limit);
                    }
                } catch (NumberFormatException ignored) {
                    // a SIZE without a usable number announces no limit
                }
            }
        }
        extensions = Set.copyOf(keywords);
    }

    private void forgetExtensions() {
        extensions = Set.of();
        sizeLimit = OptionalLong.empty();
    }

    public boolean supports(String extension) {
        return extensions.contains(extension.toUpperCase(Locale.ROOT));
    }

    /** The largest message the server said it takes (SIZE, RFC 1870). */
    public OptionalLong sizeLimit() {
        return sizeLimit;
    }

    public Optional<TlsSession> tls() {
        return tls;
    }

    public InetAddress localAddress() {
        return socket.getLocalAddress();
    }

    /**
     * STARTTLS and the handshake, the server name sent as SNI. The factory decides what is trusted;
     * the caller checks the returned chain against its own policy and says EHLO again (RFC 3207 4.2).
     *
     * @return the server's refusal when it did not answer 220; the TLS session otherwise
     */
    public StartTlsResult startTls(SSLSocketFactory factory, String serverName) throws IOException {
        SmtpReply reply = command("STARTTLS");
        if (reply.code() != 220) {
            return new StartTlsResult(reply, Optional.empty());
        }
        SSLSocket tlsSocket = (SSLSocket) factory.createSocket(socket, serverName, socket.getPort(), true);
        SSLParameters parameters = tlsSocket.getSSLParameters();
        serverNameIndication(serverName).ifPresent(name -> parameters.setServerNames(List.of(name)));
        tlsSocket.setSSLParameters(parameters);
        tlsSocket.setUseClientMode(true);
        tlsSocket.startHandshake();
        use(tlsSocket);
        // What the server said in clear may have been forged (RFC 3207 4.2).
        forgetExtensions();
        List<X509Certificate> chain = new ArrayList<>();
        try {
            for (Certificate certificate : tlsSocket.getSession().getPeerCertificates()) {
                if (certificate instanceof X509Certificate x509) {
                    chain.add(x509);
                }
            }
        } catch (SSLPeerUnverifiedException anonymous) {
            // an anonymous cipher suite: no chain to check, which any verifying policy refuses
        }
        TlsSession session = new TlsSession(tlsSocket.getSession().getProtocol(), tlsSocket.getSession().getCipherSuite(), chain);
        tls = Optional.of(session);
        return new StartTlsResult(reply, tls);
    }

    /** SNI (RFC 6066 3) takes a host name without the root dot, and no address literal. */
    private static Optional<SNIHostName> serverNameIndication(String serverName) {
        String name = serverName.endsWith(".") ? serverName.substring(0, serverName.length() - 1) : serverName;
        if (!name.contains(".") || Character.isDigit(name.charAt(name.length() - 1))) {
            return Optional.empty();
        }
        try {
            return Optional.of(new SNIHostName(name));
        } catch (IllegalArgumentException e) {
            // a name SNI cannot carry (an underscore, say) goes without: the certificate check still names the host
            return Optional.empty();
        }
    }

    /** The answer to STARTTLS, and the session when the handshake was made. */
    public record StartTlsResult(SmtpReply reply, Optional<TlsSession> session) {
    }

    /** MAIL FROM, with the message size when the server announced SIZE (RFC 1870). */
    public SmtpReply mailFrom(String reversePath, long messageSize) throws IOException {
        StringBuilder command = new StringBuilder("MAIL FROM:<").append(reversePath).append('>');
        if (supports("SIZE")) {
            command.append(" SIZE=").append(messageSize);
        }
        return command(command.toString());
    }

    public SmtpReply recipient(String forwardPath) throws IOException {
        return command("RCPT TO:<" + forwardPath + ">");
    }

    /**
     * DATA, the message with its lines ended by CRLF and leading dots doubled (RFC 5321 4.5.2), and
     * the final dot.
     *
     * @return the server's answer to DATA when it was not 354; its answer to the message otherwise
     */
    public SmtpReply data(MessageContent message) throws IOException {
        SmtpReply reply = command("DATA");
        if (reply.code() != 354) {
            return reply;
        }
        DotStuffingOutputStream stuffed = new DotStuffingOutputStream(output);
        message.writeTo(stuffed);
        stuffed.finish();
        output.flush();
        return readReply();
    }

    public SmtpReply reset() throws IOException {
        return command("RSET");
    }

    /** QUIT, without waiting long for an answer that changes nothing, then closes. */
    public void quit() {
        try {
            socket.setSoTimeout(2000);
            command("QUIT");
        } catch (IOException ignored) {
            // the mail is already decided; a server that closes first is no error
        } finally {
            close();
        }
    }

    @Override
    public void close() {
        try {
            socket.close();
        } catch (IOException ignored) {
            // nothing more can be done with a socket that does not close
        }
    }

    private SmtpReply command(String line) throws IOException {
        output.write(line.getBytes(StandardCharsets.US_ASCII));
        output.write('\r');
        output.write('\n');
        output.flush();
        return readReply();
    }

    private SmtpReply readReply() throws IOException {
        List<String> lines = new ArrayList<>();
        int code = -1;
        while (true) {
            String line = readLine();
            if (line.length() < 3 || !Character.isDigit(line.charAt(0)) || !Character.isDigit(line.charAt(1))
                || !Character.isDigit(line.charAt(2)) || (line.length() > 3 && line.charAt(3) != ' ' && line.charAt(3) != '-')) {
                throw new SmtpProtocolException("not an SMTP reply: " + printable(line));
            }
            int lineCode = Integer.parseInt(line.substring(0, 3));
            if (code != -1 && lineCode != code) {
                throw new SmtpProtocolException("reply code changed within a reply: " + printable(line));
            }
            code = lineCode;
            lines.add(line.length() > 4 ? line.substring(4) : "");
            if (line.length() == 3 || line.charAt(3) == ' ') {
                return SmtpReply.of(code, lines);
            }
            if (lines.size() > MAX_REPLY_LINES) {
                throw new SmtpProtocolException("reply of more than " + MAX_REPLY_LINES + " lines");
            }
        }
    }

    private String readLine() throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        int previous = -1;
        while (true) {
            int next = input.read();
            if (next == -1) {
                throw new SmtpProtocolException("connection closed by the server"
                    + (line.size() > 0 ? " after " + printable(line.toString(StandardCharsets.UTF_8)) : ""));
            }
            if (next == '\n') {
                byte[] bytes = line.toByteArray();
                int length = previous == '\r' ? bytes.length - 1 : bytes.length;
                return new String(Arrays.copyOf(bytes, length), StandardCharsets.UTF_8);
            }
            if (line.size() >= MAX_REPLY_LINE) {
                throw new SmtpProtocolException("reply line longer than " + MAX_REPLY_LINE + " octets");
            }
            line.write(next);
            previous = next;
        }
    }

    private static String printable(String text) {
        String shortened = text.length() > 200 ? text.substring(0, 200) + "..." : text;
        return shortened.replaceAll("[^\\x20-\\x7e]", "?");
    }
}
