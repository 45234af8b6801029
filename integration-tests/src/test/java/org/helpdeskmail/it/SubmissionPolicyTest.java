package org.helpdeskmail.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.BufferedReader;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.util.Base64;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;

import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The submission listeners' policy with the real server and real sockets: only allow-listed
 * networks, AUTH only over TLS and only with the right password, no mail without AUTH, senders only
 * in the domains the user may send for, per-user sending limits, and the optional implicit TLS
 * listener. Messages are only taken up to the 250 after DATA: what happens to them next is the
 * outbound processor's business (their recipients are in domains the test DNS does not know).
 */
class SubmissionPolicyTest {
    private static final String APP = "app@helpdesk.localhost";
    private static final String BULK = "bulk@helpdesk.localhost";
    private static final String PASSWORD = "s3cret-Passw0rd";
    private static final int MESSAGES_PER_MINUTE = 3;
    private static final int RECIPIENTS_PER_MINUTE = 5;

    private static void createUser(HelpdeskServerExtension server, String user) throws IOException {
        assertThat(server.request("PUT", "/users/" + user, "{\"password\":\"" + PASSWORD + "\"}").statusCode()).isEqualTo(204);
    }

    private static String base64(String value) {
        return Base64.getEncoder().encodeToString(value.getBytes(StandardCharsets.UTF_8));
    }

    /** Connected from 127.0.0.1, STARTTLS done and EHLO said again, not authenticated. */
    private static SmtpClient encrypted(int port) throws Exception {
        SmtpClient client = SmtpClient.connect(port);
        client.ehlo("app.helpdesk.localhost");
        assertThat(client.startTls().code()).isEqualTo(220);
        client.ehlo("app.helpdesk.localhost");
        return client;
    }

    private static SmtpClient authenticated(int port, String user) throws Exception {
        SmtpClient client = encrypted(port);
        SmtpClient.Reply auth = client.authPlain(user, PASSWORD);
        assertThat(auth.code()).as(auth.toString()).isEqualTo(235);
        return client;
    }

    private static void assertReply(SmtpClient.Reply reply, int code, String enhancedStatus, String... mentions) {
        assertThat(reply.code()).as(reply.toString()).isEqualTo(code);
        assertThat(reply.enhancedStatus()).as(reply.toString()).isEqualTo(enhancedStatus);
        for (String mention : mentions) {
            assertThat(reply.text()).as(reply.toString()).contains(mention);
        }
    }

    private static void assertMessageAccepted(SmtpClient client, String sender, String recipient) throws IOException {
        assertThat(client.mailFrom(sender).code()).isEqualTo(250);
        assertThat(client.rcptTo(recipient).code()).isEqualTo(250);
        SmtpClient.Reply accepted = client.data("From: " + sender + "\r\nTo: " + recipient + "\r\nSubject: your ticket\r\n\r\nUpdated.\r\n");
        assertThat(accepted.code()).as(accepted.toString()).isEqualTo(250);
    }

    /** The app's listener as deployed, plus the implicit TLS listener, small limits and one per-user domain. */
    @Nested
    class Configured {
        private final int implicitTlsPort = HelpdeskServerExtension.freePort();

        @RegisterExtension
        final HelpdeskServerExtension server = HelpdeskServerExtension.builder()
            .environment("HELPDESK_SUBMISSION_NETWORKS", "127.0.0.1/32")
            .environment("HELPDESK_SUBMISSIONS_BIND", "127.0.0.1:" + implicitTlsPort)
            .configure(conf -> {
                ConfigurationFiles.replace(conf, "smtpserver.xml",
                    "<!-- <user name=\"app@helpdesk.localhost\">customer.example, other.example</user> -->",
                    "<user name=\"app@helpdesk.localhost\">customer.example</user>");
                ConfigurationFiles.replace(conf, "smtpserver.xml", "<messagesPerMinute>3600</messagesPerMinute>",
                    "<messagesPerMinute>" + MESSAGES_PER_MINUTE + "</messagesPerMinute>");
                ConfigurationFiles.replace(conf, "smtpserver.xml", "<recipientsPerMinute>7200</recipientsPerMinute>",
                    "<recipientsPerMinute>" + RECIPIENTS_PER_MINUTE + "</recipientsPerMinute>");
            })
            .build();

        private ImplicitTlsClient implicitTls(String localAddress) throws Exception {
            return ImplicitTlsClient.connect(localAddress, implicitTlsPort, server.varDirectory().resolve("tls/server.crt"),
                "mx.helpdesk.localhost");
        }

        @Test
        void refusesClientsOutsideTheAllowedNetworksBeforeAnyCommand() throws Exception {
            try (SmtpClient outsider = SmtpClient.connect("127.0.0.2", server.ports().submission())) {
                assertReply(outsider.greeting(), 554, "5.7.1", "127.0.0.2");
                assertThatThrownBy(() -> outsider.ehlo("outsider.example")).isInstanceOf(IOException.class);
            }
            try (ImplicitTlsClient outsider = implicitTls("127.0.0.2")) {
                assertReply(outsider.greeting(), 554, "5.7.1", "127.0.0.2");
            }
            try (SmtpClient app = SmtpClient.connect("127.0.0.1", server.ports().submission())) {
                assertThat(app.greeting().code()).isEqualTo(220);
            }
        }

        @Test
        void authenticationOnlyOverTlsAndOnlyWithTheRightPassword() throws Exception {
            createUser(server, APP);
            try (SmtpClient client = SmtpClient.connect(server.ports().submission())) {
                assertThat(client.ehlo("app.helpdesk.localhost").text()).contains("STARTTLS").doesNotContain("AUTH");
                assertReply(client.authPlain(APP, PASSWORD), 538, "5.7.11", "Encryption required");
                assertReply(client.command("AUTH LOGIN"), 538, "5.7.11");
                assertReply(client.mailFrom(APP), 530, "5.7.0", "Authentication required");

                assertThat(client.startTls().code()).isEqualTo(220);
                assertThat(client.ehlo("app.helpdesk.localhost").text()).contains("AUTH LOGIN PLAIN");
                assertReply(client.authPlain(APP, "wrong"), 535, "5.7.8", "credentials invalid");
                assertThat(client.command("AUTH LOGIN").code()).isEqualTo(334);
                assertThat(client.command(base64(APP)).code()).isEqualTo(334);
                assertReply(client.command(base64("also wrong")), 535, "5.7.8");
                assertThat(client.command("AUTH LOGIN").code()).isEqualTo(334);
                assertThat(client.command(base64(APP)).code()).isEqualTo(334);
                assertThat(client.command(base64(PASSWORD)).code()).isEqualTo(235);
                assertMessageAccepted(client, APP, "customer@customer.example");
            }
        }

        @Test
        void refusesMailWithoutAuthenticationEvenForLocalRecipients() throws Exception {
            try (SmtpClient client = encrypted(server.ports().submission())) {
                assertReply(client.mailFrom("someone@example.org"), 530, "5.7.0", "Authentication required");
                assertThat(client.rcptTo("postmaster@helpdesk.localhost").code()).isNotEqualTo(250);
                assertReply(client.mailFrom(APP), 530, "5.7.0");
                assertThat(client.rcptTo("support@acme.helpdesk.localhost").code()).isNotEqualTo(250);
                assertThat(client.data("Subject: sneaked in\r\n\r\nhello\r\n").code()).isGreaterThanOrEqualTo(500);
            }
        }

        @Test
        void authenticatedUsersSendOnlyForTheirDomains() throws Exception {
            createUser(server, APP);
            createUser(server, BULK);
            try (SmtpClient app = authenticated(server.ports().submission(), APP)) {
                assertReply(app.mailFrom("ceo@bank.example"), 550, "5.7.1", "bank.example", APP);
                assertReply(app.command("MAIL FROM:<>"), 550, "5.7.1", "<>");
                assertMessageAccepted(app, "support@customer.example", "someone@customer.example");
                assertMessageAccepted(app, "support@acme.helpdesk.localhost", "someone@customer.example");
            }
            try (SmtpClient bulk = authenticated(server.ports().submission(), BULK)) {
                assertReply(bulk.mailFrom("support@customer.example"), 550, "5.7.1", "customer.example", BULK);
                assertMessageAccepted(bulk, "noreply@helpdesk.localhost", "someone@customer.example");
            }
        }

        @Test
        void limitsMessagesAndRecipientsPerUser() throws Exception {
            createUser(server, APP);
            createUser(server, BULK);
            for (int message = 0; message < MESSAGES_PER_MINUTE; message++) {
                // One session per message: the limit is the user's, not the connection's.
                try (SmtpClient app = authenticated(server.ports().submission(), APP)) {
                    assertMessageAccepted(app, "noreply@helpdesk.localhost", "customer" + message + "@customer.example");
                }
            }
            try (SmtpClient app = authenticated(server.ports().submission(), APP)) {
                assertReply(app.mailFrom("noreply@helpdesk.localhost"), 451, "4.7.1", APP, "too many messages");
            }

            try (SmtpClient bulk = authenticated(server.ports().submission(), BULK)) {
                assertThat(bulk.mailFrom("noreply@helpdesk.localhost").code()).as("another user has its own count").isEqualTo(250);
                for (int recipient = 0; recipient < RECIPIENTS_PER_MINUTE; recipient++) {
                    assertThat(bulk.rcptTo("customer" + recipient + "@customer.example").code()).isEqualTo(250);
                }
                assertReply(bulk.rcptTo("one.too.many@customer.example"), 451, "4.7.1", BULK, "too many recipients");
                assertThat(bulk.data("Subject: newsletter\r\n\r\nhello\r\n").code()).as("the accepted recipients still get it").isEqualTo(250);
            }
        }

        @Test
        void implicitTlsListenerAppliesTheSamePolicy() throws Exception {
            createUser(server, APP);
            try (ImplicitTlsClient client = implicitTls("127.0.0.1")) {
                assertThat(client.greeting().code()).isEqualTo(220);
                assertThat(client.command("EHLO app.helpdesk.localhost").text()).contains("AUTH LOGIN PLAIN").doesNotContain("STARTTLS");
                assertReply(client.command("MAIL FROM:<" + APP + ">"), 530, "5.7.0");
                assertReply(client.command("AUTH PLAIN " + base64("\0" + APP + "\0wrong")), 535, "5.7.8");
                assertThat(client.command("AUTH PLAIN " + base64("\0" + APP + "\0" + PASSWORD)).code()).isEqualTo(235);
                assertReply(client.command("MAIL FROM:<ceo@bank.example>"), 550, "5.7.1", "bank.example");
                assertThat(client.command("MAIL FROM:<support@acme.helpdesk.localhost>").code()).isEqualTo(250);
                assertThat(client.command("RCPT TO:<someone@customer.example>").code()).isEqualTo(250);
                assertThat(client.command("DATA").code()).isEqualTo(354);
                assertThat(client.command("Subject: over implicit TLS\r\n\r\nUpdated.\r\n.").code()).isEqualTo(250);
            }
            assertThat(server.log()).contains("SMTP submissions listening on 127.0.0.1:" + implicitTlsPort);
        }
    }

    /** The shipped configuration: the implicit TLS listener stays off without HELPDESK_SUBMISSIONS_BIND. */
    @Nested
    class Shipped {
        @RegisterExtension
        final HelpdeskServerExtension server = HelpdeskServerExtension.builder().build();

        @Test
        void implicitTlsListenerIsOffWithoutItsVariable() throws Exception {
            String effective = Files.readString(server.varDirectory().resolve("conf/smtpserver.xml"));
            assertThat(effective).containsPattern("<smtpserver enabled=\"false\">\\s*<jmxName>submissions</jmxName>\\s*<bind>127.0.0.1:2465</bind>");
            assertThat(server.log()).contains("SMTP submission listening").doesNotContain("SMTP submissions listening");
            assertThatThrownBy(() -> new Socket("127.0.0.1", 2465).close()).isInstanceOf(ConnectException.class);
        }
    }

    /**
     * SMTP over a TLS socket from the first byte (RFC 8314), which {@link SmtpClient} does not open.
     * It trusts the certificate the server generated into its var/tls/, so the test also shows that the
     * listener presents it.
     */
    private static final class ImplicitTlsClient implements Closeable {
        private final SSLSocket socket;
        private final BufferedReader input;
        private final OutputStream output;
        private final SmtpClient.Reply greeting;

        private ImplicitTlsClient(SSLSocket socket) throws IOException {
            this.socket = socket;
            this.input = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
            this.output = socket.getOutputStream();
            this.greeting = readReply();
        }

        /** Trusts only {@code certificate}, and checks that it names {@code serverName}. */
        static ImplicitTlsClient connect(String localAddress, int port, Path certificate, String serverName) throws Exception {
            KeyStore trusted = KeyStore.getInstance(KeyStore.getDefaultType());
            trusted.load(null, null);
            try (InputStream pem = Files.newInputStream(certificate)) {
                trusted.setCertificateEntry("server", CertificateFactory.getInstance("X.509").generateCertificate(pem));
            }
            TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            trust.init(trusted);
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, trust.getTrustManagers(), null);
            Socket plain = new Socket();
            plain.bind(new InetSocketAddress(localAddress, 0));
            plain.connect(new InetSocketAddress("127.0.0.1", port), 5000);
            plain.setSoTimeout(30_000);
            SSLSocket tls = (SSLSocket) context.getSocketFactory().createSocket(plain, serverName, port, true);
            SSLParameters parameters = tls.getSSLParameters();
            parameters.setEndpointIdentificationAlgorithm("HTTPS");
            tls.setSSLParameters(parameters);
            tls.setUseClientMode(true);
            tls.startHandshake();
            return new ImplicitTlsClient(tls);
        }

        SmtpClient.Reply greeting() {
            return greeting;
        }

        SmtpClient.Reply command(String line) throws IOException {
            output.write((line + "\r\n").getBytes(StandardCharsets.UTF_8));
            output.flush();
            return readReply();
        }

        private SmtpClient.Reply readReply() throws IOException {
            StringBuilder text = new StringBuilder();
            String line;
            do {
                line = input.readLine();
                if (line == null) {
                    throw new IOException("connection closed by the server after " + text);
                }
                text.append(text.length() == 0 ? "" : "\n").append(line.length() > 4 ? line.substring(4) : "");
            } while (line.length() > 3 && line.charAt(3) == '-');
            return new SmtpClient.Reply(Integer.parseInt(line.substring(0, 3)), text.toString());
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }
}
