package org.helpdeskmail.testing.dns;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.net.BindException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketAddress;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import org.xbill.DNS.CNAMERecord;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Header;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.OPTRecord;
import org.xbill.DNS.Opcode;
import org.xbill.DNS.RRset;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.Section;
import org.xbill.DNS.TextParseException;
import org.xbill.DNS.Type;

/**
 * A small authoritative DNS server on 127.0.0.1, UDP and TCP on the same random port, serving the
 * zones the tests give it as master-file text, so that the server under test does real SPF, DKIM,
 * DMARC, DNSBL, PTR and MX lookups against data the test controls.
 *
 * <p>Answers are authoritative (AA) with the RCODEs of a real server: NOERROR with the records;
 * NOERROR and no answer (NODATA) with the SOA when the name exists without that type; NXDOMAIN with
 * the SOA when it does not exist; REFUSED outside the zones served. CNAMEs are followed within
 * the zones served, and wildcards answer for names that do not exist.
 *
 * <p>Over UDP a response larger than 512 bytes, or than the payload size the query advertises in
 * EDNS (RFC 6891), goes back with TC and no records, so that the client asks again over TCP
 * (RFC 7766), where any size is served; that is the path of DKIM keys and long SPF records.
 *
 * <p>For the failure paths, a name can be made to answer with a given RCODE or not at all, and every
 * query is counted per name, so a test can check what the server under test asked and cached.
 *
 * <p>Thread-safe: zones and faults can change while the server runs; a query sees either the old
 * or the new zone, never a mix.
 */
public final class TestDnsServer implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(TestDnsServer.class.getName());

    /** 127.0.0.1 itself, not getLoopbackAddress(), which is ::1 when IPv6 is preferred. */
    private static final InetAddress LOOPBACK = ipv4Loopback();
    /** UDP and TCP need the same free port; another process may take the TCP one in between. */
    private static final int PORT_ATTEMPTS = 10;
    /** Queries and TCP connections are handled here; the tests need little concurrency. */
    private static final int WORKERS = 8;
    /** RFC 1035 §4.2.1: what a UDP response may be when the query has no EDNS. */
    private static final int CLASSIC_UDP_LIMIT = 512;
    /** The largest UDP payload over IPv4 (65535 - 20 bytes of IP header - 8 of UDP header). */
    private static final int MAX_UDP_PAYLOAD = 65_507;
    /** What we advertise in our own OPT record: the DNS Flag Day 2020 value, no IP fragmentation. */
    private static final int OUR_EDNS_PAYLOAD = 1232;
    /** Longest CNAME chain followed; also the guard against loops the tests may write on purpose. */
    private static final int MAX_CNAME_CHAIN = 8;
    /** Closes idle TCP connections (RFC 7766 §6.2.3), so a client that went away frees its worker. */
    private static final Duration TCP_IDLE_TIMEOUT = Duration.ofSeconds(10);

    private record QueryKey(Name name, int type) {
    }

    private final DatagramSocket udp;
    private final ServerSocket tcp;
    private final ExecutorService workers;
    private final Thread udpListener;
    private final Thread tcpListener;
    private final Set<Socket> connections = ConcurrentHashMap.newKeySet();
    private final AtomicBoolean closed = new AtomicBoolean();

    /** By origin; a zone is replaced as a whole, never changed in place. */
    private final Map<Name, TestZone> zones = new ConcurrentHashMap<>();
    private final Map<Name, Integer> failures = new ConcurrentHashMap<>();
    private final Set<Name> dropped = ConcurrentHashMap.newKeySet();
    private final Map<Name, AtomicInteger> queriesByName = new ConcurrentHashMap<>();
    private final Map<QueryKey, AtomicInteger> queriesByNameAndType = new ConcurrentHashMap<>();

    private TestDnsServer(DatagramSocket udp, ServerSocket tcp) {
        this.udp = udp;
        this.tcp = tcp;
        String prefix = "test-dns-" + udp.getLocalPort();
        AtomicInteger threads = new AtomicInteger();
        this.workers = Executors.newFixedThreadPool(WORKERS, task -> daemon(task, prefix + "-" + threads.incrementAndGet()));
        this.udpListener = daemon(this::serveUdp, prefix + "-udp");
        this.tcpListener = daemon(this::serveTcp, prefix + "-tcp");
    }

    /** Starts a server with no zones: every query is REFUSED until zones are added. */
    public static TestDnsServer start() throws IOException {
        IOException lastFailure = null;
        for (int attempt = 0; attempt < PORT_ATTEMPTS; attempt++) {
            DatagramSocket udp = new DatagramSocket(new InetSocketAddress(LOOPBACK, 0));
            ServerSocket tcp = new ServerSocket();
            try {
                tcp.bind(new InetSocketAddress(LOOPBACK, udp.getLocalPort()), 50);
            } catch (BindException e) {
                lastFailure = e;
                udp.close();
                tcp.close();
                continue;
            }
            TestDnsServer server = new TestDnsServer(udp, tcp);
            server.udpListener.start();
            server.tcpListener.start();
            return server;
        }
        throw new IOException("no port free for both UDP and TCP after " + PORT_ATTEMPTS + " attempts", lastFailure);
    }

    public int port() {
        return udp.getLocalPort();
    }

    /** {@code 127.0.0.1:<port>}, the form resolver configurations take. */
    public String address() {
        return LOOPBACK.getHostAddress() + ":" + port();
    }

    /**
     * Serves the zone of {@code origin} from master-file text (RFC 1035 §5; {@code $ORIGIN} and
     * {@code $TTL} work, relative names are under {@code origin}, records without TTL get
     * {@value TestZone#DEFAULT_TTL} s), replacing the previous zone of that origin. An SOA is
     * synthesised if the text has none.
     *
     * @throws IllegalArgumentException if the text does not parse or has records outside the zone
     */
    public void addZone(String origin, String zoneFileText) {
        Name name = absolute(origin);
        zones.put(name, TestZone.parse(name, zoneFileText));
    }

    /**
     * Adds master-file lines to the zone of {@code origin}, creating it if needed; for instance
     * {@code addRecords("example.com", "@ TXT \"v=spf1 -all\"", "mx1 A 192.0.2.1")}.
     */
    public void addRecords(String origin, String... lines) {
        Name name = absolute(origin);
        String text = String.join("\n", lines) + "\n";
        zones.compute(name, (key, zone) -> zone == null ? TestZone.parse(key, text) : zone.withRecords(text));
    }

    /** From now on, queries for {@code name} (any type) get this RCODE and no records, e.g. {@link Rcode#SERVFAIL}. */
    public void failWith(String name, int rcode) {
        if (rcode < 0 || rcode > 15) {
            throw new IllegalArgumentException("a header RCODE is 0 to 15, not " + rcode);
        }
        failures.put(absolute(name), rcode);
    }

    /** From now on, queries for {@code name} (any type) are counted but never answered: clients time out. */
    public void dropQueries(String name) {
        dropped.add(absolute(name));
    }

    /** Undoes {@link #failWith} and {@link #dropQueries} for every name. */
    public void clearFaults() {
        failures.clear();
        dropped.clear();
    }

    /**
     * How many queries for {@code name}, of any type, arrived over UDP or TCP, whatever the answer
     * (faults included). A UDP query truncated and asked again over TCP counts twice.
     */
    public int queries(String name) {
        AtomicInteger count = queriesByName.get(absolute(name));
        return count == null ? 0 : count.get();
    }

    /** How many queries for {@code name} and this {@link Type} arrived, as {@link #queries(String)}. */
    public int queries(String name, int type) {
        AtomicInteger count = queriesByNameAndType.get(new QueryKey(absolute(name), type));
        return count == null ? 0 : count.get();
    }

    public void clearQueryCounts() {
        queriesByName.clear();
        queriesByNameAndType.clear();
    }

    /**
     * A TXT value of any length as master-file character-strings of at most 255 bytes each
     * ({@code "…" "…"}), the way a DKIM key of 2048 bits has to be published (RFC 6376 §3.6.2.2).
     * Quotes, backslashes and non-printable or non-ASCII bytes are escaped.
     */
    public static String txtStrings(String value) {
        byte[] bytes = value.getBytes(StandardCharsets.UTF_8);
        StringBuilder text = new StringBuilder();
        for (int start = 0; start < bytes.length || start == 0; start += 255) {
            text.append(start == 0 ? "\"" : " \"");
            for (int i = start; i < Math.min(bytes.length, start + 255); i++) {
                int b = bytes[i] & 0xFF;
                if (b == '"' || b == '\\') {
                    text.append('\\').append((char) b);
                } else if (b >= 0x20 && b < 0x7F) {
                    text.append((char) b);
                } else {
                    text.append(String.format("\\%03d", b));
                }
            }
            text.append('"');
        }
        return text.toString();
    }

    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        udp.close();
        closeQuietly(tcp);
        connections.forEach(TestDnsServer::closeQuietly);
        workers.shutdownNow();
        try {
            udpListener.join(1000);
            tcpListener.join(1000);
            workers.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void serveUdp() {
        byte[] buffer = new byte[MAX_UDP_PAYLOAD];
        while (!closed.get()) {
            DatagramPacket packet = new DatagramPacket(buffer, buffer.length);
            try {
                udp.receive(packet);
            } catch (IOException e) {
                if (!closed.get()) {
                    LOG.log(System.Logger.Level.WARNING, "test DNS server: UDP receive failed", e);
                }
                continue;
            }
            byte[] query = Arrays.copyOfRange(packet.getData(), packet.getOffset(), packet.getOffset() + packet.getLength());
            SocketAddress client = packet.getSocketAddress();
            try {
                workers.execute(() -> answerUdp(query, client));
            } catch (RejectedExecutionException e) {
                return; // closing
            }
        }
    }

    private void answerUdp(byte[] wire, SocketAddress client) {
        Message query = parse(wire);
        Message response = respond(query, wire);
        if (response == null) {
            return;
        }
        byte[] out = response.toWire(Message.MAXLENGTH);
        int limit = udpLimit(query);
        if (out.length > limit) {
            out = truncated(response).toWire(limit);
        }
        try {
            udp.send(new DatagramPacket(out, out.length, client));
        } catch (IOException e) {
            if (!closed.get()) {
                LOG.log(System.Logger.Level.WARNING, "test DNS server: UDP send to " + client + " failed", e);
            }
        }
    }

    private void serveTcp() {
        while (!closed.get()) {
            Socket connection;
            try {
                connection = tcp.accept();
            } catch (IOException e) {
                if (!closed.get()) {
                    LOG.log(System.Logger.Level.WARNING, "test DNS server: TCP accept failed", e);
                }
                continue;
            }
            connections.add(connection);
            try {
                workers.execute(() -> serveConnection(connection));
            } catch (RejectedExecutionException e) {
                connections.remove(connection);
                closeQuietly(connection);
                return; // closing
            }
        }
    }

    /** RFC 1035 §4.2.2 / RFC 7766: length-prefixed messages, as many as the client sends on the connection. */
    private void serveConnection(Socket connection) {
        try (connection;
             DataInputStream in = new DataInputStream(new BufferedInputStream(connection.getInputStream()));
             DataOutputStream out = new DataOutputStream(new BufferedOutputStream(connection.getOutputStream()))) {
            connection.setSoTimeout((int) TCP_IDLE_TIMEOUT.toMillis());
            while (!closed.get()) {
                byte[] wire;
                try {
                    wire = new byte[in.readUnsignedShort()];
                } catch (EOFException | SocketTimeoutException e) {
                    return; // the client is done, or idle for too long
                }
                in.readFully(wire);
                Message response = respond(parse(wire), wire);
                if (response != null) {
                    byte[] bytes = response.toWire(Message.MAXLENGTH);
                    out.writeShort(bytes.length);
                    out.write(bytes);
                    out.flush();
                }
            }
        } catch (IOException e) {
            // A client resetting or timing out its own connection is not a failure of this server.
            LOG.log(System.Logger.Level.DEBUG, "test DNS server: TCP connection ended", e);
        } finally {
            connections.remove(connection);
        }
    }

    private static Message parse(byte[] wire) {
        try {
            return new Message(wire);
        } catch (IOException e) {
            return null;
        }
    }

    /** The response to a query, or null when it gets none (dropped on purpose, or not even a header). */
    private Message respond(Message query, byte[] wire) {
        if (query == null) {
            return formatError(wire);
        }
        Header header = query.getHeader();
        if (header.getFlag(Flags.QR)) {
            return null; // a response, not a query: answering could start a loop
        }
        if (header.getOpcode() != Opcode.QUERY) {
            return error(query, Rcode.NOTIMP);
        }
        Record question = query.getQuestion();
        if (question == null || header.getCount(Section.QUESTION) != 1) {
            return error(query, Rcode.FORMERR);
        }
        Name qname = question.getName();
        int qtype = question.getType();
        count(qname, qtype);
        if (dropped.contains(qname)) {
            return null;
        }
        Integer failure = failures.get(qname);
        if (failure != null) {
            return error(query, failure);
        }
        if ((question.getDClass() != DClass.IN && question.getDClass() != DClass.ANY)
                || qtype == Type.AXFR || qtype == Type.IXFR) {
            return error(query, Rcode.REFUSED);
        }
        try {
            return answer(query, qname, qtype);
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "test DNS server: failed to answer " + question, e);
            return error(query, Rcode.SERVFAIL);
        }
    }

    private Message answer(Message query, Name qname, int qtype) {
        TestZone zone = zoneOf(qname);
        if (zone == null) {
            return error(query, Rcode.REFUSED);
        }
        Message response = response(query);
        response.getHeader().setFlag(Flags.AA);
        Set<Name> visited = new HashSet<>();
        Name name = qname;
        while (true) {
            visited.add(name);
            TestZone.Result result = zone.lookup(name, qtype);
            for (RRset set : result.rrsets()) {
                set.rrs(false).forEach(record -> response.addRecord(record, Section.ANSWER));
            }
            switch (result.kind()) {
                case ANSWER:
                    return response;
                case NODATA:
                    response.addRecord(zone.negativeSoa(), Section.AUTHORITY);
                    return response;
                case NXDOMAIN:
                    // After a CNAME, the RCODE is that of the last name of the chain (RFC 6604 §3).
                    response.getHeader().setRcode(Rcode.NXDOMAIN);
                    response.addRecord(zone.negativeSoa(), Section.AUTHORITY);
                    return response;
                case CNAME:
                    // Follow the chain while it stays in our data; beyond, the client resolves the rest.
                    Name target = ((CNAMERecord) result.rrsets().get(0).first()).getTarget();
                    zone = zoneOf(target);
                    if (zone == null || visited.contains(target) || visited.size() >= MAX_CNAME_CHAIN) {
                        return response;
                    }
                    name = target;
                    break;
                default:
                    throw new IllegalStateException("unknown lookup result " + result.kind());
            }
        }
    }

    /** The zone with the longest origin that contains {@code name}, as a server with nested zones picks. */
    private TestZone zoneOf(Name name) {
        TestZone best = null;
        for (TestZone zone : zones.values()) {
            if (name.subdomain(zone.origin()) && (best == null || zone.origin().labels() > best.origin().labels())) {
                best = zone;
            }
        }
        return best;
    }

    private void count(Name qname, int qtype) {
        queriesByName.computeIfAbsent(qname, name -> new AtomicInteger()).incrementAndGet();
        queriesByNameAndType.computeIfAbsent(new QueryKey(qname, qtype), key -> new AtomicInteger()).incrementAndGet();
    }

    /** A response with the query's ID, RD and question, and an OPT record if the query had one (RFC 6891 §7). */
    private static Message response(Message query) {
        Message response = new Message(query.getHeader().getID());
        Header header = response.getHeader();
        header.setFlag(Flags.QR);
        if (query.getHeader().getFlag(Flags.RD)) {
            header.setFlag(Flags.RD);
        }
        header.setOpcode(query.getHeader().getOpcode());
        if (query.getQuestion() != null) {
            response.addRecord(query.getQuestion(), Section.QUESTION);
        }
        if (query.getOPT() != null) {
            response.addRecord(new OPTRecord(OUR_EDNS_PAYLOAD, 0, 0), Section.ADDITIONAL);
        }
        return response;
    }

    private static Message error(Message query, int rcode) {
        Message response = response(query);
        response.getHeader().setRcode(rcode);
        return response;
    }

    /** FORMERR for a query that does not parse but has a header to answer to; nothing otherwise. */
    private static Message formatError(byte[] wire) {
        Header queryHeader;
        try {
            queryHeader = new Header(wire);
        } catch (IOException e) {
            return null;
        }
        if (queryHeader.getFlag(Flags.QR)) {
            return null;
        }
        Message response = new Message(queryHeader.getID());
        response.getHeader().setFlag(Flags.QR);
        response.getHeader().setOpcode(queryHeader.getOpcode());
        response.getHeader().setRcode(Rcode.FORMERR);
        return response;
    }

    /** The size a UDP response may have: 512 bytes, or the larger payload the client's EDNS allows. */
    private static int udpLimit(Message query) {
        OPTRecord opt = query == null ? null : query.getOPT();
        if (opt == null) {
            return CLASSIC_UDP_LIMIT;
        }
        return Math.min(MAX_UDP_PAYLOAD, Math.max(CLASSIC_UDP_LIMIT, opt.getPayloadSize()));
    }

    /**
     * The response with TC and no records but the question and OPT. No partial answer is sent: a
     * client must not use one anyway (RFC 2181 §9) and asks again over TCP, which is what the tests
     * exercise; it also keeps the UDP answer the same whatever dnsjava's truncation would keep.
     */
    private static Message truncated(Message response) {
        Header full = response.getHeader();
        Message truncated = new Message(full.getID());
        Header header = truncated.getHeader();
        for (int flag : new int[] {Flags.QR, Flags.AA, Flags.RD}) {
            if (full.getFlag(flag)) {
                header.setFlag(flag);
            }
        }
        header.setFlag(Flags.TC);
        header.setOpcode(full.getOpcode());
        header.setRcode(full.getRcode());
        response.getSection(Section.QUESTION).forEach(question -> truncated.addRecord(question, Section.QUESTION));
        if (response.getOPT() != null) {
            truncated.addRecord(response.getOPT(), Section.ADDITIONAL);
        }
        return truncated;
    }

    private static Name absolute(String name) {
        try {
            return Name.fromString(name, Name.root);
        } catch (TextParseException e) {
            throw new IllegalArgumentException("not a domain name: " + name, e);
        }
    }

    private static InetAddress ipv4Loopback() {
        try {
            return InetAddress.getByAddress("localhost", new byte[] {127, 0, 0, 1});
        } catch (IOException e) {
            throw new ExceptionInInitializerError(e); // cannot happen: the address has 4 bytes
        }
    }

    private static Thread daemon(Runnable task, String name) {
        Thread thread = new Thread(task, name);
        thread.setDaemon(true);
        return thread;
    }

    private static void closeQuietly(AutoCloseable closeable) {
        try {
            closeable.close();
        } catch (Exception e) {
            // closing anyway: nothing left to do with it
        }
    }
}
