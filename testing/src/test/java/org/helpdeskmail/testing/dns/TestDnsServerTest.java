package org.helpdeskmail.testing.dns;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.security.KeyPairGenerator;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.AAAARecord;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.CNAMERecord;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Flags;
import org.xbill.DNS.MXRecord;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.PTRRecord;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.SOARecord;
import org.xbill.DNS.Section;
import org.xbill.DNS.SimpleResolver;
import org.xbill.DNS.TXTRecord;
import org.xbill.DNS.Type;

/** The test DNS server, asked by dnsjava's own resolver over UDP and TCP. */
class TestDnsServerTest {
    private static final String EXAMPLE_COM = """
            $ORIGIN example.com.
            $TTL 3600
            @         IN SOA   ns1.example.com. hostmaster.example.com. 2024010101 3600 600 86400 120
            @         IN NS    ns1
            @         IN A     192.0.2.10
            @         IN MX    10 mx1
            @         IN MX    20 mx2.example.net.
            @         IN TXT   "v=spf1 ip4:192.0.2.0/24 -all"
            ns1       IN A     192.0.2.53
            mx1       IN A     192.0.2.25
            mx1       IN AAAA  2001:db8::25
            www       IN CNAME mx1
            elsewhere IN CNAME mail.outside.test.
            broken    IN CNAME gone
            _dmarc    IN TXT   "v=DMARC1; p=reject; rua=mailto:dmarc@example.com"
            *.wild    IN TXT   "wildcard"
            """;

    private TestDnsServer dns;

    @BeforeEach
    void start() throws IOException {
        dns = TestDnsServer.start();
        dns.addZone("example.com", EXAMPLE_COM);
        dns.addZone("2.0.192.in-addr.arpa", "25 IN PTR mx1.example.com.\n");
        // No SOA, no $TTL: the server synthesises the SOA and records get the default TTL.
        dns.addRecords("zen.example", "2.0.0.127 A 127.0.0.2", "2.0.0.127 TXT \"listed, see https://zen.example/\"");
    }

    @AfterEach
    void stop() {
        dns.close();
    }

    @Test
    void listensOnTheLoopbackAddressAndPortItReports() {
        assertThat(dns.port()).isPositive();
        assertThat(dns.address()).isEqualTo("127.0.0.1:" + dns.port());
    }

    @Test
    void answersAddressRecordsAuthoritatively() throws IOException {
        Message a = query("mx1.example.com", Type.A);
        assertThat(a.getRcode()).isEqualTo(Rcode.NOERROR);
        assertThat(a.getHeader().getFlag(Flags.AA)).isTrue();
        assertThat(answers(a, ARecord.class)).extracting(ARecord::getAddress)
                .containsExactly(InetAddress.getByName("192.0.2.25"));
        assertThat(answers(a, ARecord.class).get(0).getTTL()).isEqualTo(3600);

        Message aaaa = query("mx1.example.com", Type.AAAA);
        assertThat(answers(aaaa, AAAARecord.class)).extracting(AAAARecord::getAddress)
                .containsExactly(InetAddress.getByName("2001:db8::25"));
    }

    @Test
    void namesAreCaseInsensitive() throws IOException {
        Message a = query("MX1.Example.COM", Type.A);
        assertThat(answers(a, ARecord.class)).extracting(ARecord::getAddress)
                .containsExactly(InetAddress.getByName("192.0.2.25"));
    }

    @Test
    void answersMxTxtAndPtr() throws IOException {
        assertThat(answers(query("example.com", Type.MX), MXRecord.class))
                .extracting(mx -> mx.getPriority() + " " + mx.getTarget())
                .containsExactlyInAnyOrder("10 mx1.example.com.", "20 mx2.example.net.");
        assertThat(answers(query("example.com", Type.TXT), TXTRecord.class)).extracting(TestDnsServerTest::text)
                .containsExactly("v=spf1 ip4:192.0.2.0/24 -all");
        assertThat(answers(query("_dmarc.example.com", Type.TXT), TXTRecord.class)).extracting(TestDnsServerTest::text)
                .containsExactly("v=DMARC1; p=reject; rua=mailto:dmarc@example.com");
        assertThat(answers(query("25.2.0.192.in-addr.arpa", Type.PTR), PTRRecord.class))
                .extracting(ptr -> ptr.getTarget().toString())
                .containsExactly("mx1.example.com.");
    }

    @Test
    void answersDnsblStyleRecords() throws IOException {
        Message a = query("2.0.0.127.zen.example", Type.A);
        assertThat(answers(a, ARecord.class)).extracting(ARecord::getAddress)
                .containsExactly(InetAddress.getByName("127.0.0.2"));
        assertThat(answers(a, ARecord.class).get(0).getTTL()).isEqualTo(TestZone.DEFAULT_TTL);
        assertThat(answers(query("2.0.0.127.zen.example", Type.TXT), TXTRecord.class))
                .extracting(TestDnsServerTest::text).containsExactly("listed, see https://zen.example/");
        assertThat(query("3.0.0.127.zen.example", Type.A).getRcode()).isEqualTo(Rcode.NXDOMAIN);
    }

    @Test
    void followsCnamesWithinItsZones() throws IOException {
        Message www = query("www.example.com", Type.A);
        assertThat(www.getRcode()).isEqualTo(Rcode.NOERROR);
        assertThat(www.getSection(Section.ANSWER)).extracting(Record::getType).containsExactly(Type.CNAME, Type.A);
        assertThat(answers(www, CNAMERecord.class).get(0).getTarget()).hasToString("mx1.example.com.");
        assertThat(answers(www, ARecord.class)).extracting(ARecord::getAddress)
                .containsExactly(InetAddress.getByName("192.0.2.25"));

        // A CNAME query gets the CNAME itself, not its target.
        assertThat(query("www.example.com", Type.CNAME).getSection(Section.ANSWER))
                .extracting(Record::getType).containsExactly(Type.CNAME);
    }

    @Test
    void stopsAtCnamesLeavingItsZones() throws IOException {
        Message elsewhere = query("elsewhere.example.com", Type.A);
        assertThat(elsewhere.getRcode()).isEqualTo(Rcode.NOERROR);
        assertThat(elsewhere.getSection(Section.ANSWER)).extracting(Record::getType).containsExactly(Type.CNAME);
    }

    @Test
    void aCnameToANameThatDoesNotExistIsNxdomainWithTheCname() throws IOException {
        Message broken = query("broken.example.com", Type.A);
        assertThat(broken.getRcode()).isEqualTo(Rcode.NXDOMAIN);
        assertThat(broken.getSection(Section.ANSWER)).extracting(Record::getType).containsExactly(Type.CNAME);
        assertThat(broken.getSection(Section.AUTHORITY)).extracting(Record::getType).containsExactly(Type.SOA);
    }

    @Test
    void aNameThatDoesNotExistIsNxdomainWithTheSoa() throws IOException {
        Message nobody = query("nobody.example.com", Type.A);
        assertThat(nobody.getRcode()).isEqualTo(Rcode.NXDOMAIN);
        assertThat(nobody.getHeader().getFlag(Flags.AA)).isTrue();
        assertThat(nobody.getSection(Section.ANSWER)).isEmpty();
        SOARecord soa = (SOARecord) nobody.getSection(Section.AUTHORITY).get(0);
        assertThat(soa.getName()).hasToString("example.com.");
        // RFC 2308: negative answers are cached for min(SOA TTL, SOA minimum).
        assertThat(soa.getTTL()).isEqualTo(120);
    }

    @Test
    void aNameWithoutTheTypeIsNodataWithTheSoa() throws IOException {
        Message noTxt = query("mx1.example.com", Type.TXT);
        assertThat(noTxt.getRcode()).isEqualTo(Rcode.NOERROR);
        assertThat(noTxt.getHeader().getFlag(Flags.AA)).isTrue();
        assertThat(noTxt.getSection(Section.ANSWER)).isEmpty();
        assertThat(noTxt.getSection(Section.AUTHORITY)).extracting(Record::getType).containsExactly(Type.SOA);
    }

    @Test
    void anEmptyNonTerminalExistsSoItIsNodata() throws IOException {
        // 0.0.127.zen.example has no records but a name below it: it exists (RFC 8020).
        Message parent = query("0.0.127.zen.example", Type.A);
        assertThat(parent.getRcode()).isEqualTo(Rcode.NOERROR);
        assertThat(parent.getSection(Section.ANSWER)).isEmpty();
        SOARecord soa = (SOARecord) parent.getSection(Section.AUTHORITY).get(0);
        assertThat(soa.getName()).hasToString("zen.example.");
    }

    @Test
    void namesOutsideItsZonesAreRefused() throws IOException {
        Message outside = query("www.example.org", Type.A);
        assertThat(outside.getRcode()).isEqualTo(Rcode.REFUSED);
        assertThat(outside.getHeader().getFlag(Flags.AA)).isFalse();
        assertThat(outside.getSection(Section.ANSWER)).isEmpty();
    }

    @Test
    void wildcardsAnswerForNamesThatDoNotExist() throws IOException {
        Message wild = query("anything.wild.example.com", Type.TXT);
        assertThat(wild.getRcode()).isEqualTo(Rcode.NOERROR);
        assertThat(answers(wild, TXTRecord.class)).singleElement().satisfies(txt -> {
            assertThat(txt.getName()).hasToString("anything.wild.example.com.");
            assertThat(text(txt)).isEqualTo("wildcard");
        });
        assertThat(answers(query("a.b.wild.example.com", Type.TXT), TXTRecord.class)).hasSize(1);

        Message wildWithoutType = query("anything.wild.example.com", Type.MX);
        assertThat(wildWithoutType.getRcode()).isEqualTo(Rcode.NOERROR);
        assertThat(wildWithoutType.getSection(Section.ANSWER)).isEmpty();

        // The wildcard is under wild.example.com only.
        assertThat(query("anything.example.com", Type.TXT).getRcode()).isEqualTo(Rcode.NXDOMAIN);
    }

    @Test
    void theLongestMatchingZoneAnswers() throws IOException {
        dns.addZone("sub.example.com", "host A 192.0.2.77\n");
        assertThat(answers(query("host.sub.example.com", Type.A), ARecord.class)).extracting(ARecord::getAddress)
                .containsExactly(InetAddress.getByName("192.0.2.77"));
        SOARecord soa = (SOARecord) query("nobody.sub.example.com", Type.A).getSection(Section.AUTHORITY).get(0);
        assertThat(soa.getName()).hasToString("sub.example.com.");
    }

    @Test
    void addZoneReplacesTheZoneAndAddRecordsExtendsIt() throws IOException {
        dns.addRecords("example.com", "new IN A 192.0.2.99");
        assertThat(answers(query("new.example.com", Type.A), ARecord.class)).hasSize(1);
        assertThat(answers(query("mx1.example.com", Type.A), ARecord.class)).hasSize(1);

        dns.addZone("example.com", "only A 192.0.2.1\n");
        assertThat(answers(query("only.example.com", Type.A), ARecord.class)).hasSize(1);
        assertThat(query("mx1.example.com", Type.A).getRcode()).isEqualTo(Rcode.NXDOMAIN);
        assertThat(query("new.example.com", Type.A).getRcode()).isEqualTo(Rcode.NXDOMAIN);
    }

    @Test
    void rejectsZoneTextThatIsInvalidOrOutsideTheZone() {
        assertThatThrownBy(() -> dns.addZone("example.org", "www IN A not-an-address\n"))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> dns.addZone("example.org", "www.example.net. IN A 192.0.2.1\n"))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> dns.addZone("example.org", "www IN CNAME a\nwww IN A 192.0.2.1\n"))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aTxtTooLargeForUdpIsTruncatedThenServedOverTcp() throws IOException {
        String value = "v=spf1 " + "a".repeat(593); // 600 bytes: over 512, under dnsjava's EDNS 1280
        dns.addRecords("example.com", "medium TXT " + TestDnsServer.txtStrings(value));

        // Without EDNS the limit is 512 bytes: TC and no records, whatever the client does with it.
        SimpleResolver classic = resolver();
        classic.setEDNS(-1);
        classic.setIgnoreTruncation(true);
        Message truncated = classic.send(newQuery("medium.example.com", Type.TXT));
        assertThat(truncated.getHeader().getFlag(Flags.TC)).isTrue();
        assertThat(truncated.getSection(Section.ANSWER)).isEmpty();

        // dnsjava retries over TCP by itself when it sees TC.
        dns.clearQueryCounts();
        SimpleResolver retrying = resolver();
        retrying.setEDNS(-1);
        Message complete = retrying.send(newQuery("medium.example.com", Type.TXT));
        assertThat(complete.getHeader().getFlag(Flags.TC)).isFalse();
        assertThat(answers(complete, TXTRecord.class)).extracting(TestDnsServerTest::text).containsExactly(value);
        assertThat(dns.queries("medium.example.com")).isEqualTo(2);

        // With EDNS, the client's payload size (1280 for dnsjava) is the limit: 600 bytes fit.
        SimpleResolver edns = resolver();
        edns.setIgnoreTruncation(true);
        Message fits = edns.send(newQuery("medium.example.com", Type.TXT));
        assertThat(fits.getHeader().getFlag(Flags.TC)).isFalse();
        assertThat(fits.getOPT()).isNotNull();
        assertThat(answers(fits, TXTRecord.class)).extracting(TestDnsServerTest::text).containsExactly(value);
    }

    @Test
    void aTxtTooLargeForTheEdnsPayloadIsTruncatedToo() throws IOException {
        String value = "x".repeat(1500);
        dns.addRecords("example.com", "big TXT " + TestDnsServer.txtStrings(value));

        SimpleResolver edns = resolver();
        edns.setIgnoreTruncation(true);
        Message truncated = edns.send(newQuery("big.example.com", Type.TXT));
        assertThat(truncated.getHeader().getFlag(Flags.TC)).isTrue();
        assertThat(truncated.getHeader().getFlag(Flags.AA)).isTrue();
        assertThat(truncated.getSection(Section.ANSWER)).isEmpty();

        assertThat(answers(resolver().send(newQuery("big.example.com", Type.TXT)), TXTRecord.class))
                .extracting(TestDnsServerTest::text).containsExactly(value);
    }

    @Test
    void servesAnyTypeOverTcpDirectly() throws IOException {
        String value = "y".repeat(3000);
        dns.addRecords("example.com", "huge TXT " + TestDnsServer.txtStrings(value));
        dns.clearQueryCounts();

        SimpleResolver tcp = resolver();
        tcp.setTCP(true);
        Message huge = tcp.send(newQuery("huge.example.com", Type.TXT));
        assertThat(huge.getHeader().getFlag(Flags.TC)).isFalse();
        assertThat(answers(huge, TXTRecord.class)).extracting(TestDnsServerTest::text).containsExactly(value);
        assertThat(answers(tcp.send(newQuery("mx1.example.com", Type.A)), ARecord.class)).hasSize(1);
        assertThat(dns.queries("huge.example.com")).isEqualTo(1);
    }

    @Test
    void publishesA2048BitDkimKeyInSeveralCharacterStrings() throws IOException, NoSuchAlgorithmException {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
        generator.initialize(2048);
        String key = "v=DKIM1; k=rsa; p="
                + Base64.getEncoder().encodeToString(generator.generateKeyPair().getPublic().getEncoded());
        dns.addRecords("example.com", "sel._domainkey TXT " + TestDnsServer.txtStrings(key));

        Message answer = query("sel._domainkey.example.com", Type.TXT);
        TXTRecord txt = answers(answer, TXTRecord.class).get(0);
        assertThat(key).hasSizeGreaterThan(255);
        assertThat(txt.getStrings()).hasSizeGreaterThan(1).allSatisfy(part -> assertThat(part).hasSizeLessThanOrEqualTo(255));
        assertThat(text(txt)).isEqualTo(key);
    }

    @Test
    void txtStringsEscapesAndSplits() {
        assertThat(TestDnsServer.txtStrings("a\"b\\c")).isEqualTo("\"a\\\"b\\\\c\"");
        assertThat(TestDnsServer.txtStrings("")).isEqualTo("\"\"");
        assertThat(TestDnsServer.txtStrings("z".repeat(256))).isEqualTo("\"" + "z".repeat(255) + "\" \"z\"");
    }

    @Test
    void injectsAnRcodeForOneName() throws IOException {
        dns.failWith("mx1.example.com", Rcode.SERVFAIL);
        Message failed = query("mx1.example.com", Type.A);
        assertThat(failed.getRcode()).isEqualTo(Rcode.SERVFAIL);
        assertThat(failed.getSection(Section.ANSWER)).isEmpty();
        assertThat(query("MX1.example.com.", Type.MX).getRcode()).isEqualTo(Rcode.SERVFAIL);
        assertThat(query("www.example.com", Type.A).getRcode()).isEqualTo(Rcode.NOERROR);

        dns.clearFaults();
        assertThat(query("mx1.example.com", Type.A).getRcode()).isEqualTo(Rcode.NOERROR);
    }

    @Test
    void droppedQueriesTimeOut() throws IOException {
        dns.dropQueries("mx1.example.com.");
        SimpleResolver resolver = resolver();
        resolver.setTimeout(Duration.ofSeconds(1));

        long start = System.nanoTime();
        assertThatThrownBy(() -> resolver.send(newQuery("mx1.example.com", Type.A))).isInstanceOf(IOException.class);
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(Duration.ofMillis(900));
        assertThat(dns.queries("mx1.example.com")).isEqualTo(1);
        assertThat(query("www.example.com", Type.A).getRcode()).isEqualTo(Rcode.NOERROR);

        dns.clearFaults();
        assertThat(answers(resolver.send(newQuery("mx1.example.com", Type.A)), ARecord.class)).hasSize(1);
    }

    @Test
    void countsQueriesPerNameAndType() throws IOException {
        assertThat(dns.queries("mx1.example.com")).isZero();
        query("mx1.example.com", Type.A);
        query("MX1.EXAMPLE.COM", Type.A);
        query("mx1.example.com", Type.MX);
        query("nobody.example.com", Type.A);

        assertThat(dns.queries("mx1.example.com")).isEqualTo(3);
        assertThat(dns.queries("mx1.example.com.", Type.A)).isEqualTo(2);
        assertThat(dns.queries("mx1.example.com", Type.MX)).isEqualTo(1);
        assertThat(dns.queries("nobody.example.com")).isEqualTo(1);
        assertThat(dns.queries("www.example.com")).isZero();

        dns.clearQueryCounts();
        assertThat(dns.queries("mx1.example.com")).isZero();
    }

    @Test
    void answersSeveralQueriesOnOneTcpConnection() throws IOException {
        try (Socket socket = new Socket(InetAddress.getByName("127.0.0.1"), dns.port())) {
            socket.setSoTimeout(5000);
            DataOutputStream out = new DataOutputStream(socket.getOutputStream());
            DataInputStream in = new DataInputStream(socket.getInputStream());
            Message first = newQuery("mx1.example.com", Type.A);
            Message second = newQuery("nobody.example.com", Type.A);
            for (Message query : List.of(first, second)) {
                byte[] wire = query.toWire();
                out.writeShort(wire.length);
                out.write(wire);
            }
            out.flush();

            Message firstResponse = readTcpMessage(in);
            Message secondResponse = readTcpMessage(in);
            assertThat(firstResponse.getHeader().getID()).isEqualTo(first.getHeader().getID());
            assertThat(answers(firstResponse, ARecord.class)).hasSize(1);
            assertThat(secondResponse.getHeader().getID()).isEqualTo(second.getHeader().getID());
            assertThat(secondResponse.getRcode()).isEqualTo(Rcode.NXDOMAIN);
        }
    }

    @Test
    void servesConcurrentClients() throws Exception {
        ExecutorService clients = Executors.newFixedThreadPool(16);
        try {
            List<Future<Message>> responses = new ArrayList<>();
            for (int i = 0; i < 64; i++) {
                boolean overTcp = i % 2 == 0;
                responses.add(clients.submit(() -> {
                    SimpleResolver resolver = resolver();
                    resolver.setTCP(overTcp);
                    return resolver.send(newQuery("mx1.example.com", Type.A));
                }));
            }
            for (Future<Message> response : responses) {
                assertThat(answers(response.get(10, TimeUnit.SECONDS), ARecord.class)).hasSize(1);
            }
            assertThat(dns.queries("mx1.example.com")).isEqualTo(64);
        } finally {
            clients.shutdownNow();
        }
    }

    @Test
    void stopsAnsweringWhenClosed() throws IOException {
        TestDnsServer other = TestDnsServer.start();
        other.addRecords("example.com", "@ A 192.0.2.1");
        SimpleResolver resolver = new SimpleResolver(new InetSocketAddress("127.0.0.1", other.port()));
        resolver.setTCP(true);
        resolver.setTimeout(Duration.ofSeconds(1));
        assertThat(answers(resolver.send(newQuery("example.com", Type.A)), ARecord.class)).hasSize(1);

        other.close();
        assertThatThrownBy(() -> resolver.send(newQuery("example.com", Type.A))).isInstanceOf(IOException.class);
    }

    private SimpleResolver resolver() {
        SimpleResolver resolver = new SimpleResolver(new InetSocketAddress("127.0.0.1", dns.port()));
        resolver.setTimeout(Duration.ofSeconds(3));
        return resolver;
    }

    private Message query(String name, int type) throws IOException {
        return resolver().send(newQuery(name, type));
    }

    private static Message newQuery(String name, int type) throws IOException {
        return Message.newQuery(Record.newRecord(Name.fromString(name, Name.root), type, DClass.IN));
    }

    private static <T extends Record> List<T> answers(Message response, Class<T> type) {
        return response.getSection(Section.ANSWER).stream().filter(type::isInstance).map(type::cast).toList();
    }

    private static String text(TXTRecord txt) {
        return String.join("", txt.getStrings());
    }

    private static Message readTcpMessage(DataInputStream in) throws IOException {
        byte[] wire = new byte[in.readUnsignedShort()];
        in.readFully(wire);
        return new Message(wire);
    }

    @Test
    void rootZoneMakesEveryOtherNameNonExistent() throws Exception {
        try (TestDnsServer root = TestDnsServer.start()) {
            root.addZone(".", "");
            root.addRecords("example.org.", "example.org. IN A 127.0.0.1");
            SimpleResolver resolver = new SimpleResolver("127.0.0.1");
            resolver.setPort(root.port());

            Message missing = resolver.send(Message.newQuery(Record.newRecord(Name.fromString("nowhere.invalid."), Type.TXT, DClass.IN)));
            Message found = resolver.send(Message.newQuery(Record.newRecord(Name.fromString("example.org."), Type.A, DClass.IN)));

            assertThat(missing.getRcode()).isEqualTo(Rcode.NXDOMAIN);
            assertThat(found.getSection(Section.ANSWER)).hasSize(1);
        }
    }
}
