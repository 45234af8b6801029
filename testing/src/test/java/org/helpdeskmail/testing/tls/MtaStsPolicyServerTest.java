package org.helpdeskmail.testing.tls;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;

import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;

import org.helpdeskmail.testing.tls.MtaStsPolicyServer.PolicyResponse;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class MtaStsPolicyServerTest {
    private static final TestCertificateAuthority CA = TestCertificateAuthority.create("policy test CA");
    private static final String POLICY = "version: STSv1\r\nmode: enforce\r\nmx: mx.example.com\r\nmax_age: 86400\r\n";

    private final MtaStsPolicyServer server = MtaStsPolicyServer.start(CA, "example.com", "other.example");

    @AfterEach
    void stop() {
        server.close();
    }

    @Test
    void servesThePolicyOfTheDomainNamedByTheHostHeaderOverVerifiedTls() throws IOException {
        server.policy("example.com", POLICY);

        String response = get("mta-sts.example.com", MtaStsPolicyServer.POLICY_PATH);

        assertThat(response).startsWith("HTTP/1.1 200").contains("Content-type: text/plain").endsWith(POLICY);
        assertThat(server.requests("example.com")).isEqualTo(1);
        assertThat(server.requests("other.example")).isZero();
    }

    @Test
    void answers404ForADomainWithoutPolicyOrAnotherPath() throws IOException {
        server.policy("example.com", POLICY);

        assertThat(get("mta-sts.other.example", MtaStsPolicyServer.POLICY_PATH)).startsWith("HTTP/1.1 404");
        assertThat(get("mta-sts.example.com", "/elsewhere")).startsWith("HTTP/1.1 404");
        assertThat(server.requests("other.example")).isEqualTo(1);
        assertThat(server.requests("example.com")).isEqualTo(1);
    }

    @Test
    void responsesChangeWhileRunning() throws IOException {
        server.policy("example.com", POLICY);
        server.respond("example.com", PolicyResponse.redirect("https://mta-sts.other.example/.well-known/mta-sts.txt"));

        assertThat(get("mta-sts.example.com:443", MtaStsPolicyServer.POLICY_PATH))
                .startsWith("HTTP/1.1 302")
                .contains("Location: https://mta-sts.other.example/.well-known/mta-sts.txt");

        server.remove("example.com");
        assertThat(get("mta-sts.example.com", MtaStsPolicyServer.POLICY_PATH)).startsWith("HTTP/1.1 404");
    }

    /** A raw HTTP/1.1 request, because the JDK's clients do not let a test set the Host header. */
    private String get(String host, String path) throws IOException {
        try (SSLSocket socket = (SSLSocket) CA.trustingSslContext().getSocketFactory().createSocket("127.0.0.1", server.port())) {
            SSLParameters parameters = socket.getSSLParameters();
            parameters.setEndpointIdentificationAlgorithm("HTTPS");
            parameters.setServerNames(List.of(new SNIHostName(host.replaceFirst(":\\d+$", ""))));
            socket.setSSLParameters(parameters);
            socket.setSoTimeout(5_000);
            String request = "GET " + path + " HTTP/1.1\r\nHost: " + host + "\r\nConnection: close\r\n\r\n";
            socket.getOutputStream().write(request.getBytes(StandardCharsets.US_ASCII));
            socket.getOutputStream().flush();
            return new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        }
    }
}
