package org.helpdeskmail.server.modules;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.UnknownHostException;
import java.time.Duration;

import org.apache.commons.configuration2.BaseHierarchicalConfiguration;
import org.apache.james.metrics.tests.RecordingMetricFactory;
import org.helpdeskmail.testing.dns.TestDnsServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The resolver really goes to host:port, and gives up after the configured timeout. */
class PortAwareDnsServiceTest {
    private TestDnsServer dns;

    @BeforeEach
    void startDns() throws Exception {
        dns = TestDnsServer.start();
        dns.addZone(".", "");
        dns.addZone("client.example.", String.join("\n",
            "client.example. IN A 127.0.0.9",
            "client.example. IN MX 10 mx.client.example."));
    }

    @AfterEach
    void stopDns() {
        dns.close();
    }

    private PortAwareDnsService serviceWithTimeout(int timeoutSeconds) throws Exception {
        BaseHierarchicalConfiguration configuration = new BaseHierarchicalConfiguration();
        configuration.addProperty("servers.server", dns.address());
        configuration.addProperty("autodiscover", false);
        configuration.addProperty("timeout", timeoutSeconds);
        PortAwareDnsService service = new PortAwareDnsService(new RecordingMetricFactory());
        service.configure(configuration);
        service.init();
        return service;
    }

    @Test
    void asksTheConfiguredServerOnItsPort() throws Exception {
        PortAwareDnsService service = serviceWithTimeout(2);

        assertThat(service.getByName("client.example").getHostAddress()).isEqualTo("127.0.0.9");
        assertThat(service.findMXRecords("client.example")).containsExactly("mx.client.example.");
        assertThatThrownBy(() -> service.getByName("nowhere.example")).isInstanceOf(UnknownHostException.class);
        assertThat(dns.queries("client.example") + dns.queries("nowhere.example")).isGreaterThanOrEqualTo(3);
        assertThat(service.servers()).extracting(address -> address.getPort()).containsExactly(dns.port());
    }

    @Test
    void givesUpAfterTheConfiguredTimeout() throws Exception {
        dns.dropQueries("silent.example");
        PortAwareDnsService service = serviceWithTimeout(1);

        long start = System.nanoTime();
        assertThat(service.findTXTRecords("silent.example")).isEmpty();
        Duration waited = Duration.ofNanos(System.nanoTime() - start);

        assertThat(dns.queries("silent.example")).isPositive();
        // dnsjava's own default is 10 s per attempt; the configured 1 s must be what applies.
        assertThat(waited).isLessThan(Duration.ofSeconds(8));
    }
}
