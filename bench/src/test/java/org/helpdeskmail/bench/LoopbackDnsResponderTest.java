package org.helpdeskmail.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

import org.junit.jupiter.api.Test;

class LoopbackDnsResponderTest {

    private static byte[] query(int id, String name, int type) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(new byte[] {(byte) (id >> 8), (byte) id, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0}); // RD, one question
        for (String label : name.split("\\.")) {
            out.write(label.length());
            out.writeBytes(label.getBytes(StandardCharsets.US_ASCII));
        }
        out.writeBytes(new byte[] {0, 0, (byte) type, 0, 1});
        return out.toByteArray();
    }

    private static int rcode(byte[] response) {
        return response[3] & 0x0f;
    }

    private static int answers(byte[] response) {
        return ((response[6] & 0xff) << 8) | (response[7] & 0xff);
    }

    @Test
    void answersTheRecordsOfAKnownNameWithTheQueryIdAndQuestion() {
        LoopbackDnsResponder dns = new LoopbackDnsResponder().txt("customer-corp.example", "v=spf1 ip4:127.0.0.0/8 -all");
        byte[] query = query(0x1234, "Customer-Corp.example", LoopbackDnsResponder.TXT);

        byte[] response = dns.answer(query, query.length);

        assertThat(Arrays.copyOf(response, 2)).containsExactly(0x12, 0x34);
        assertThat(response[2] & 0x84).isEqualTo(0x84); // a response, authoritative
        assertThat(rcode(response)).isZero();
        assertThat(answers(response)).isEqualTo(1);
        assertThat(Arrays.copyOfRange(response, 12, query.length)).isEqualTo(Arrays.copyOfRange(query, 12, query.length));
        String rdata = new String(response, response.length - 27, 27, StandardCharsets.US_ASCII);
        assertThat(rdata).isEqualTo("v=spf1 ip4:127.0.0.0/8 -all");
        assertThat(response[response.length - 28]).isEqualTo((byte) 27); // the character-string's length
    }

    @Test
    void aKnownNameWithoutThatTypeHasNoAnswerAndAnUnknownNameDoesNotExist() {
        LoopbackDnsResponder dns = new LoopbackDnsResponder().txt("customer-corp.example", "v=spf1 -all");
        byte[] aaaa = query(1, "customer-corp.example", 28);
        byte[] unknown = query(2, "2.0.0.127.zen.spamhaus.org", LoopbackDnsResponder.A);

        byte[] noData = dns.answer(aaaa, aaaa.length);
        byte[] nxdomain = dns.answer(unknown, unknown.length);

        assertThat(rcode(noData)).isZero();
        assertThat(answers(noData)).isZero();
        assertThat(rcode(nxdomain)).isEqualTo(3);
        assertThat(dns.stats()).isEqualTo(new LoopbackDnsResponder.Stats(2, 1));
    }

    @Test
    void aHostNameIsAPtrOfTheReversedAddressAndAnABack() throws Exception {
        LoopbackDnsResponder dns = new LoopbackDnsResponder().hostName("127.0.0.17", "mta17.greeting-clients.test");
        byte[] ptr = query(1, "17.0.0.127.in-addr.arpa", LoopbackDnsResponder.PTR);
        byte[] a = query(2, "mta17.greeting-clients.test", LoopbackDnsResponder.A);

        byte[] ptrAnswer = dns.answer(ptr, ptr.length);
        byte[] aAnswer = dns.answer(a, a.length);

        assertThat(answers(ptrAnswer)).isEqualTo(1);
        assertThat(new String(ptrAnswer, StandardCharsets.US_ASCII)).contains("mta17");
        assertThat(answers(aAnswer)).isEqualTo(1);
        assertThat(Arrays.copyOfRange(aAnswer, aAnswer.length - 4, aAnswer.length)).containsExactly(127, 0, 0, 17);
    }

    @Test
    void answersOverUdpOnLoopback() throws Exception {
        try (LoopbackDnsResponder dns = new LoopbackDnsResponder().a("mail-out.customer-corp.example", "127.0.0.1").start();
             DatagramSocket client = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
            byte[] query = query(7, "mail-out.customer-corp.example", LoopbackDnsResponder.A);
            client.setSoTimeout(5000);
            client.send(new DatagramPacket(query, query.length, InetAddress.getLoopbackAddress(), dns.port()));
            DatagramPacket response = new DatagramPacket(new byte[512], 512);
            client.receive(response);

            byte[] data = Arrays.copyOf(response.getData(), response.getLength());
            assertThat(answers(data)).isEqualTo(1);
            assertThat(Arrays.copyOfRange(data, data.length - 4, data.length)).containsExactly(127, 0, 0, 1);
        }
    }
}
