package org.helpdeskmail.bench;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A tiny authoritative DNS server on a loopback UDP port for the benchmark's own test names, so that
 * the server's DNS-based checks (SPF at MAIL FROM, DMARC, sender domain, DNSBL, ...) get quick
 * answers as they would from a nearby resolver, instead of timing out or refusing with a temporary
 * error. It knows only the records it is given and answers NXDOMAIN to every other name: it never
 * forwards, so no query leaves the machine. Answers are small (no EDNS, no truncation), so UDP is
 * enough.
 */
public final class LoopbackDnsResponder implements AutoCloseable {
    static final int A = 1;
    static final int PTR = 12;
    static final int MX = 15;
    static final int TXT = 16;
    private static final int TTL_SECONDS = 3600;
    private static final int NXDOMAIN = 3;
    private static final int FORMERR = 1;

    /** Queries answered so far, and how many of them were for unknown names. */
    public record Stats(long queries, long nxdomain) {
    }

    private final Map<String, Map<Integer, List<byte[]>>> records = new HashMap<>();
    private final AtomicLong queries = new AtomicLong();
    private final AtomicLong nxdomain = new AtomicLong();
    private DatagramSocket socket;
    private Thread loop;

    /**
     * What a well-configured sender publishes, for the test domain only: SPF allowing loopback
     * (where the load comes from), a DMARC policy, an MX, and forward-confirmed reverse DNS of
     * 127.0.0.1 (PTR to the HELO name, A back). Every other name is unknown (NXDOMAIN), DNSBL zones
     * included, which reads as "not listed". So the MX sees legitimate mail: no greylisting, no
     * temporary DNS errors.
     */
    public static LoopbackDnsResponder senderZone(String senderDomain, String heloName) throws IOException {
        String spf = "v=spf1 ip4:127.0.0.0/8 -all";
        return new LoopbackDnsResponder()
            .txt(senderDomain, spf).mx(senderDomain, 10, heloName).a(senderDomain, "127.0.0.1")
            .txt("_dmarc." + senderDomain, "v=DMARC1; p=none")
            .a(heloName, "127.0.0.1").txt(heloName, spf)
            .ptr("1.0.0.127.in-addr.arpa", heloName);
    }

    /** Forward-confirmed reverse DNS of a client address: its PTR to the name, and the name's A back to it. */
    public LoopbackDnsResponder hostName(String ipv4, String name) throws IOException {
        String[] octets = ipv4.split("\\.");
        return ptr(octets[3] + "." + octets[2] + "." + octets[1] + "." + octets[0] + ".in-addr.arpa", name).a(name, ipv4);
    }

    public LoopbackDnsResponder a(String name, String ipv4) throws IOException {
        return add(name, A, InetAddress.getByName(ipv4).getAddress()); // a literal: parsed, never looked up
    }

    public LoopbackDnsResponder txt(String name, String text) {
        byte[] bytes = text.getBytes(StandardCharsets.US_ASCII);
        ByteArrayOutputStream rdata = new ByteArrayOutputStream();
        for (int start = 0; start < bytes.length || start == 0; start += 255) { // character-strings of at most 255
            int length = Math.min(255, bytes.length - start);
            rdata.write(length);
            rdata.write(bytes, start, length);
        }
        return add(name, TXT, rdata.toByteArray());
    }

    public LoopbackDnsResponder mx(String name, int preference, String host) {
        ByteArrayOutputStream rdata = new ByteArrayOutputStream();
        rdata.write(preference >> 8);
        rdata.write(preference);
        rdata.writeBytes(encodeName(host));
        return add(name, MX, rdata.toByteArray());
    }

    public LoopbackDnsResponder ptr(String name, String host) {
        return add(name, PTR, encodeName(host));
    }

    private LoopbackDnsResponder add(String name, int type, byte[] rdata) {
        records.computeIfAbsent(normalize(name), n -> new HashMap<>()).computeIfAbsent(type, t -> new ArrayList<>()).add(rdata);
        return this;
    }

    /** Starts answering on 127.0.0.1 and a free port. */
    public LoopbackDnsResponder start() throws SocketException {
        socket = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        loop = new Thread(this::serve, "loopback-dns");
        loop.setDaemon(true);
        loop.start();
        return this;
    }

    public int port() {
        return socket.getLocalPort();
    }

    public Stats stats() {
        return new Stats(queries.get(), nxdomain.get());
    }

    private void serve() {
        byte[] buffer = new byte[512];
        while (!socket.isClosed()) {
            try {
                DatagramPacket query = new DatagramPacket(buffer, buffer.length);
                socket.receive(query);
                byte[] answer = answer(buffer, query.getLength());
                socket.send(new DatagramPacket(answer, answer.length, query.getSocketAddress()));
            } catch (IOException e) {
                // Closed (the end of the run) or one bad datagram: either way, nothing to answer.
            }
        }
    }

    /** The response to one query: the question echoed, then the records of that name and type. */
    byte[] answer(byte[] query, int length) {
        queries.incrementAndGet();
        if (length < 12) {
            return header(query, FORMERR, 0, 0);
        }
        int questionEnd = 12;
        StringBuilder name = new StringBuilder();
        while (questionEnd < length && query[questionEnd] != 0) {
            int label = query[questionEnd] & 0xff;
            if (label > 63 || questionEnd + 1 + label >= length) {
                return header(query, FORMERR, 0, 0);
            }
            name.append(name.length() == 0 ? "" : ".").append(new String(query, questionEnd + 1, label, StandardCharsets.US_ASCII));
            questionEnd += 1 + label;
        }
        questionEnd += 5; // the root label, QTYPE, QCLASS
        if (questionEnd > length || ((query[4] << 8) | (query[5] & 0xff)) != 1) {
            return header(query, FORMERR, 0, 0);
        }
        int type = ((query[questionEnd - 4] & 0xff) << 8) | (query[questionEnd - 3] & 0xff);
        Map<Integer, List<byte[]>> byType = records.get(normalize(name.toString()));
        if (byType == null) {
            nxdomain.incrementAndGet();
        }
        List<byte[]> rdatas = byType == null ? List.of() : byType.getOrDefault(type, List.of()); // known name, other type: NODATA
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(header(query, byType == null ? NXDOMAIN : 0, 1, rdatas.size()));
        out.write(query, 12, questionEnd - 12);
        for (byte[] rdata : rdatas) {
            out.write(0xc0); // the owner name: a pointer to the question's name at offset 12
            out.write(12);
            writeShort(out, type);
            writeShort(out, 1); // class IN
            writeShort(out, TTL_SECONDS >> 16);
            writeShort(out, TTL_SECONDS & 0xffff);
            writeShort(out, rdata.length);
            out.writeBytes(rdata);
        }
        return out.toByteArray();
    }

    private static byte[] header(byte[] query, int rcode, int questions, int answers) {
        byte[] header = new byte[12];
        header[0] = query[0]; // the query's id
        header[1] = query[1];
        header[2] = (byte) (0x80 | 0x04 | (query[2] & 0x79)); // QR, AA; the query's opcode and RD
        header[3] = (byte) rcode;
        header[5] = (byte) questions;
        header[6] = (byte) (answers >> 8);
        header[7] = (byte) answers;
        return header;
    }

    private static void writeShort(ByteArrayOutputStream out, int value) {
        out.write(value >> 8);
        out.write(value);
    }

    private static byte[] encodeName(String name) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (String label : normalize(name).split("\\.")) {
            out.write(label.length());
            out.writeBytes(label.getBytes(StandardCharsets.US_ASCII));
        }
        out.write(0);
        return out.toByteArray();
    }

    private static String normalize(String name) {
        String lower = name.toLowerCase(Locale.ROOT);
        return lower.endsWith(".") ? lower.substring(0, lower.length() - 1) : lower;
    }

    @Override
    public void close() {
        if (socket != null) {
            socket.close();
        }
    }
}
