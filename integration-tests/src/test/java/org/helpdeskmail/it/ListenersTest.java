package org.helpdeskmail.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.math.BigInteger;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * What the server exposes: the listening sockets of the process are exactly the README's (SMTP,
 * webadmin, JMX with its RMI connector; the queue broker has none), all on loopback, and the
 * submission listener talks only to its allow-listed networks.
 */
class ListenersTest {
    @RegisterExtension
    final HelpdeskServerExtension server = HelpdeskServerExtension.builder()
        .environment("HELPDESK_SUBMISSION_NETWORKS", "127.0.0.2/32")
        .build();

    @Test
    void everyListeningSocketIsOnLoopbackAndOneTheReadmeNames() throws Exception {
        assertThat(server.jamesCli("ListDomains").output()).contains("helpdesk.localhost");
        List<InetSocketAddress> listening = listeningAddresses(server.pid());

        assertThat(listening).as("listening sockets of the server").isNotEmpty();
        assertThat(listening).allSatisfy(address -> assertThat(address.getAddress().isLoopbackAddress()).as(address.toString()).isTrue());
        // mx, submission, webadmin, JMX (its RMI connector shares the registry's port): no queue broker port, nothing else.
        HelpdeskServerExtension.Ports ports = server.ports();
        assertThat(listening.stream().map(InetSocketAddress::getPort).distinct())
            .containsExactlyInAnyOrder(ports.mx(), ports.submission(), ports.webadmin(), ports.jmx());
    }

    @Test
    void submissionClosesConnectionsFromOutsideItsNetworks() throws Exception {
        try (SmtpClient outsider = SmtpClient.connect("127.0.0.3", server.ports().submission())) {
            assertThat(outsider.greeting().code()).isEqualTo(554);
            assertThat(outsider.greeting().enhancedStatus()).isEqualTo("5.7.1");
            assertThatThrownBy(() -> outsider.ehlo("outsider.example")).isInstanceOf(IOException.class);
        }
        try (SmtpClient app = SmtpClient.connect("127.0.0.2", server.ports().submission())) {
            assertThat(app.greeting().code()).isEqualTo(220);
            assertThat(app.ehlo("app.example").code()).isEqualTo(250);
        }
        try (SmtpClient internet = SmtpClient.connect("127.0.0.3", server.ports().mx())) {
            assertThat(internet.greeting().code()).as("the MX is for everyone").isEqualTo(220);
        }
    }

    @Test
    void webadminOffersDomainsUsersQueuesRepositoriesHealthAndMetrics() throws Exception {
        assertThat(server.request("PUT", "/users/app@helpdesk.localhost", "{\"password\":\"s3cret-Passw0rd\"}").statusCode()).isEqualTo(204);
        assertThat(server.webadmin("/users").toString()).contains("app@helpdesk.localhost");
        assertThat(server.webadmin("/domains").toString()).contains("helpdesk.localhost");
        assertThat(server.webadmin("/mailQueues").toString()).contains("spool");
        assertThat(server.webadmin("/mailRepositories").toString()).contains("var/mail/error").contains("var/mail/relay-denied");
        assertThat(server.webadmin("/healthcheck").get("status").asText()).isEqualTo("healthy");
        assertThat(server.request("GET", "/metrics", null).body()).contains("jvm_memory_heap_used");
    }

    /** Local addresses of the LISTEN sockets the process holds, read from /proc (Linux). */
    private static List<InetSocketAddress> listeningAddresses(long pid) throws IOException {
        Set<String> inodes = new HashSet<>();
        try (Stream<Path> descriptors = Files.list(Path.of("/proc/" + pid + "/fd"))) {
            descriptors.forEach(descriptor -> {
                try {
                    String target = Files.readSymbolicLink(descriptor).toString();
                    if (target.startsWith("socket:[")) {
                        inodes.add(target.substring("socket:[".length(), target.length() - 1));
                    }
                } catch (IOException closedMeanwhile) {
                    // A descriptor closed while we listed them: not a listening socket we care about.
                }
            });
        }
        List<InetSocketAddress> addresses = new ArrayList<>();
        for (String table : List.of("/proc/net/tcp", "/proc/net/tcp6")) {
            List<String> lines = Files.readAllLines(Path.of(table));
            for (String line : lines.subList(1, lines.size())) {
                String[] fields = line.trim().split("\\s+");
                boolean listen = fields[3].equals("0A");
                if (listen && inodes.contains(fields[9])) {
                    String[] local = fields[1].split(":");
                    addresses.add(new InetSocketAddress(decode(local[0]), Integer.parseInt(local[1], 16)));
                }
            }
        }
        return addresses;
    }

    private static InetAddress decode(String hex) throws IOException {
        byte[] raw = new BigInteger("1" + hex, 16).toByteArray();
        byte[] bytes = new byte[hex.length() / 2];
        System.arraycopy(raw, raw.length - bytes.length, bytes, 0, bytes.length);
        // /proc prints each 32-bit word in host (little-endian) order.
        for (int word = 0; word < bytes.length; word += 4) {
            for (int i = 0; i < 2; i++) {
                byte swap = bytes[word + i];
                bytes[word + i] = bytes[word + 3 - i];
                bytes[word + 3 - i] = swap;
            }
        }
        return InetAddress.getByAddress(bytes);
    }
}
