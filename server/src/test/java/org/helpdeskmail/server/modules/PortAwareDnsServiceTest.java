package org.helpdeskmail.server.modules;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.SocketException;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

import org.apache.commons.configuration2.BaseHierarchicalConfiguration;
import org.apache.james.metrics.tests.RecordingMetricFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Flags;
import org.xbill.DNS.MXRecord;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.Section;
import org.xbill.DNS.Type;

/** The resolver really goes to host:port, and gives up after the configured timeout. */
class PortAwareDnsServiceTest {
    /** A one-zone UDP responder on 127.0.0.1: enough to see which server a lookup reached. */
    static final class TinyDnsResponder implements AutoCloseable {
        private final DatagramSocket socket;
        private final AtomicInteger queries = new AtomicInteger();
        private final Thread thread;

        TinyDnsResponder(boolean answer) throws SocketException {
            socket = new DatagramSocket(0, InetAddress.getLoopbackAddress());
            thread = new Thread(() -> serve(answer));
            thread.setDaemon(true);
            thread.start();
        }

        int port() {
            return socket.getLocalPort();
        }

        private void serve(boolean answer) {
            byte[] buffer = new byte[512];
            while (!socket.isClosed()) {
                try {
                    DatagramPacket packet = new DatagramPacket(buffer, buffer.length);
                    socket.receive(packet);
                    queries.incrementAndGet();
                    if (!answer) {
                        continue;
                    }
                    Message query = new Message(java.util.Arrays.copyOf(packet.getData(), packet.getLength()));
                    Message response = new Message(query.getHeader().getID());
                    response.getHeader().setFlag(Flags.QR);
                    response.getHeader().setFlag(Flags.AA);
                    Record question = query.getQuestion();
                    response.addRecord(question, Section.QUESTION);
                    Name name = question.getName();
                    if (name.equals(Name.fromString("client.example."))) {
                        if (question.getType() == Type.A) {
                            response.addRecord(new ARecord(name, DClass.IN, 60, InetAddress.getByName("127.0.0.9")), Section.ANSWER);
                        } else if (question.getType() == Type.MX) {
                            response.addRecord(new MXRecord(name, DClass.IN, 60, 10, Name.fromString("mx.client.example.")), Section.ANSWER);
                        }
                    } else {
                        response.getHeader().setRcode(Rcode.NXDOMAIN);
                    }
                    byte[] wire = response.toWire();
                    socket.send(new DatagramPacket(wire, wire.length, packet.getSocketAddress()));
                } catch (Exception closed) {
                    return;
                }
            }
        }

        @Override
        public void close() {
            socket.close();
        }
    }

    private TinyDnsResponder responder;

    @AfterEach
    void tearDown() {
        if (responder != null) {
            responder.close();
        }
    }

    private static PortAwareDnsService serviceUsing(int port, int timeoutSeconds) throws Exception {
        BaseHierarchicalConfiguration configuration = new BaseHierarchicalConfiguration();
        configuration.addProperty("servers.server", "127.0.0.1:" + port);
        configuration.addProperty("autodiscover", false);
        configuration.addProperty("timeout", timeoutSeconds);
        PortAwareDnsService service = new PortAwareDnsService(new RecordingMetricFactory());
        service.configure(configuration);
        service.init();
        return service;
    }

    @Test
    void asksTheConfiguredServerOnItsPort() throws Exception {
        responder = new TinyDnsResponder(true);
        PortAwareDnsService service = serviceUsing(responder.port(), 2);

        assertThat(service.getByName("client.example").getHostAddress()).isEqualTo("127.0.0.9");
        assertThat(service.findMXRecords("client.example")).containsExactly("mx.client.example.");
        assertThatThrownBy(() -> service.getByName("nowhere.example")).isInstanceOf(UnknownHostException.class);
        assertThat(responder.queries.get()).isGreaterThanOrEqualTo(3);
        assertThat(service.servers()).extracting(address -> address.getPort()).containsExactly(responder.port());
    }

    @Test
    void givesUpAfterTheConfiguredTimeout() throws Exception {
        responder = new TinyDnsResponder(false);
        PortAwareDnsService service = serviceUsing(responder.port(), 1);

        long start = System.nanoTime();
        assertThat(service.findTXTRecords("silent.example")).isEmpty();
        Duration waited = Duration.ofNanos(System.nanoTime() - start);

        assertThat(responder.queries.get()).isPositive();
        // dnsjava's own default is 10 s per attempt; the configured 1 s must be what applies.
        assertThat(waited).isLessThan(Duration.ofSeconds(8));
    }
}
