package org.helpdeskmail.smtp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.when;

import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.apache.commons.configuration2.BaseHierarchicalConfiguration;
import org.apache.james.core.MailAddress;
import org.apache.james.core.MaybeSender;
import org.apache.james.core.Username;
import org.apache.james.protocols.smtp.SMTPSession;
import org.apache.james.protocols.smtp.hook.HookResult;
import org.apache.james.protocols.smtp.hook.HookReturnCode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.AAAARecord;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.Cache;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Lookup;
import org.xbill.DNS.MXRecord;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.Resolver;
import org.xbill.DNS.Section;
import org.xbill.DNS.SimpleResolver;
import org.xbill.DNS.TXTRecord;
import org.xbill.DNS.Type;

/** Through dnsjava's default resolver, pointed at a small UDP responder on 127.0.0.1 for each test. */
class SenderDomainCheckTest {

    /** Answers from a fixed zone; SERVFAIL or silence for the names (or name/type pairs) told so. */
    static final class TinyDnsResponder implements AutoCloseable {
        private final DatagramSocket socket;
        private final Map<Name, List<Record>> records = new HashMap<>();
        private final Set<String> servfail = new HashSet<>();
        private final Set<Name> silent = new HashSet<>();
        private final List<String> questions = Collections.synchronizedList(new ArrayList<>());

        TinyDnsResponder() throws SocketException {
            socket = new DatagramSocket(0, InetAddress.getLoopbackAddress());
            Thread thread = new Thread(this::serve, "tiny-dns");
            thread.setDaemon(true);
            thread.start();
        }

        TinyDnsResponder add(Record record) {
            records.computeIfAbsent(record.getName(), name -> new ArrayList<>()).add(record);
            return this;
        }

        TinyDnsResponder servfail(String name, int type) {
            servfail.add(name + " " + Type.string(type));
            return this;
        }

        TinyDnsResponder silent(String name) throws Exception {
            silent.add(Name.fromString(name));
            return this;
        }

        int port() {
            return socket.getLocalPort();
        }

        private void serve() {
            byte[] buffer = new byte[512];
            while (!socket.isClosed()) {
                try {
                    DatagramPacket packet = new DatagramPacket(buffer, buffer.length);
                    socket.receive(packet);
                    Message query = new Message(Arrays.copyOf(packet.getData(), packet.getLength()));
                    Record question = query.getQuestion();
                    Name name = question.getName();
                    questions.add(name + " " + Type.string(question.getType()));
                    if (silent.contains(name)) {
                        continue;
                    }
                    Message response = new Message(query.getHeader().getID());
                    response.getHeader().setFlag(Flags.QR);
                    response.getHeader().setFlag(Flags.AA);
                    response.addRecord(question, Section.QUESTION);
                    if (servfail.contains(name + " " + Type.string(question.getType()))) {
                        response.getHeader().setRcode(Rcode.SERVFAIL);
                    } else if (!records.containsKey(name)) {
                        response.getHeader().setRcode(Rcode.NXDOMAIN);
                    } else {
                        records.get(name).stream()
                            .filter(record -> record.getType() == question.getType())
                            .forEach(record -> response.addRecord(record, Section.ANSWER));
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
    private Resolver previousResolver;
    private Cache previousCache;
    private List<Name> previousSearchPath;

    @BeforeEach
    void pointDnsjavaAtTheResponder() throws Exception {
        responder = new TinyDnsResponder()
            .add(new MXRecord(name("mx.example."), DClass.IN, 60, 10, name("mail.mx.example.")))
            .add(new ARecord(name("a-only.example."), DClass.IN, 60, InetAddress.getByName("192.0.2.10")))
            .add(new AAAARecord(name("aaaa-only.example."), DClass.IN, 60, InetAddress.getByName("2001:db8::10")))
            .add(new ARecord(name("flaky-mx.example."), DClass.IN, 60, InetAddress.getByName("192.0.2.11")))
            .add(new MXRecord(name("null-mx.example."), DClass.IN, 60, 0, Name.root))
            .add(new ARecord(name("null-mx.example."), DClass.IN, 60, InetAddress.getByName("192.0.2.12")))
            // Exists, but has no MX, A or AAAA: NODATA for all three.
            .add(new TXTRecord(name("txt-only.example."), DClass.IN, 60, "v=spf1 -all"))
            .servfail("flaky-mx.example.", Type.MX)
            .servfail("servfail.example.", Type.MX)
            .servfail("servfail.example.", Type.A)
            .servfail("servfail.example.", Type.AAAA)
            .silent("silent.example.");
        SimpleResolver resolver = new SimpleResolver(new InetSocketAddress(InetAddress.getLoopbackAddress(), responder.port()));
        resolver.setTimeout(Duration.ofSeconds(1));
        previousResolver = Lookup.getDefaultResolver();
        previousCache = Lookup.getDefaultCache(DClass.IN);
        previousSearchPath = Lookup.getDefaultSearchPath();
        Lookup.setDefaultResolver(resolver);
        // A fresh cache per test: answers of one test must not leak into another.
        Lookup.setDefaultCache(new Cache(DClass.IN), DClass.IN);
        Lookup.setDefaultSearchPath("corp.example");
    }

    @AfterEach
    void restoreDnsjava() {
        Lookup.setDefaultResolver(previousResolver);
        Lookup.setDefaultCache(previousCache, DClass.IN);
        Lookup.setDefaultSearchPath(previousSearchPath);
        responder.close();
    }

    private static Name name(String name) throws Exception {
        return Name.fromString(name);
    }

    private static SenderDomainCheck configured(String... keysAndValues) throws Exception {
        BaseHierarchicalConfiguration configuration = new BaseHierarchicalConfiguration();
        for (int i = 0; i < keysAndValues.length; i += 2) {
            configuration.addProperty(keysAndValues[i], keysAndValues[i + 1]);
        }
        SenderDomainCheck check = new SenderDomainCheck();
        check.init(configuration);
        return check;
    }

    private static SMTPSession sessionFrom(String ip) {
        SMTPSession session = mock(SMTPSession.class);
        when(session.getRemoteAddress()).thenReturn(new InetSocketAddress(ip, 40000));
        return session;
    }

    private static HookResult mailFrom(String sender) throws Exception {
        return configured().doMail(sessionFrom("192.0.2.1"), MaybeSender.of(new MailAddress(sender)));
    }

    @Test
    void acceptsADomainWithAnMx() throws Exception {
        assertThat(mailFrom("someone@mx.example")).isEqualTo(HookResult.DECLINED);
        assertThat(responder.questions).containsExactly("mx.example. MX");
    }

    @Test
    void acceptsADomainWithOnlyAnAOrAaaaRecord() throws Exception {
        assertThat(mailFrom("someone@a-only.example")).isEqualTo(HookResult.DECLINED);
        assertThat(mailFrom("someone@AAAA-only.example")).isEqualTo(HookResult.DECLINED);
        assertThat(responder.questions).contains("a-only.example. A", "aaaa-only.example. AAAA");
    }

    @Test
    void refusesANonexistentDomainWith550518() throws Exception {
        HookResult result = mailFrom("someone@missing.example");

        assertThat(result.getResult()).isEqualTo(HookReturnCode.deny());
        assertThat(result.getSmtpRetCode()).isEqualTo("550");
        assertThat(result.getSmtpDescription()).isEqualTo("5.1.8 Sender address rejected: domain missing.example not found");
        // NXDOMAIN settles it at the first question, and the search list is never appended.
        assertThat(responder.questions).containsExactly("missing.example. MX");
    }

    @Test
    void refusesADomainWithoutMxAOrAaaa() throws Exception {
        HookResult result = mailFrom("someone@txt-only.example");

        assertThat(result.getSmtpRetCode()).isEqualTo("550");
        assertThat(result.getSmtpDescription()).isEqualTo("5.1.8 Sender address rejected: domain txt-only.example not found");
        assertThat(responder.questions).containsExactly("txt-only.example. MX", "txt-only.example. A", "txt-only.example. AAAA");
    }

    @Test
    void refusesADomainWhoseOnlyMxIsTheNullMx() throws Exception {
        HookResult result = mailFrom("someone@null-mx.example");

        assertThat(result.getSmtpRetCode()).isEqualTo("550");
        assertThat(result.getSmtpDescription()).isEqualTo("5.7.27 Sender address rejected: domain null-mx.example does not accept mail");
    }

    @Test
    void answers451OnServfail() throws Exception {
        HookResult result = mailFrom("someone@servfail.example");

        assertThat(result.getResult()).isEqualTo(HookReturnCode.denySoft());
        assertThat(result.getSmtpRetCode()).isEqualTo("451");
        assertThat(result.getSmtpDescription()).isEqualTo("4.4.3 Temporary DNS failure for servfail.example, try again later");
    }

    @Test
    void answers451WhenTheResolverDoesNotAnswer() throws Exception {
        HookResult result = mailFrom("someone@silent.example");

        assertThat(result.getSmtpRetCode()).isEqualTo("451");
        assertThat(result.getSmtpDescription()).startsWith("4.4.3 ");
    }

    @Test
    void acceptsWhenAnotherRecordTypeAnswersDespiteAFailedMxLookup() throws Exception {
        assertThat(mailFrom("someone@flaky-mx.example")).isEqualTo(HookResult.DECLINED);
        assertThat(responder.questions).contains("flaky-mx.example. MX", "flaky-mx.example. A");
    }

    @Test
    void acceptsTheNullSenderWithoutALookup() throws Exception {
        assertThat(configured().doMail(sessionFrom("192.0.2.1"), MaybeSender.nullSender())).isEqualTo(HookResult.DECLINED);
        assertThat(responder.questions).isEmpty();
    }

    @Test
    void skipsAuthenticatedSessionsAllowListedClientsAndAddressLiterals() throws Exception {
        SMTPSession authenticated = sessionFrom("192.0.2.1");
        when(authenticated.getUsername()).thenReturn(Username.of("app@notify.example"));
        MaybeSender missing = MaybeSender.of(new MailAddress("someone@missing.example"));

        assertThat(configured().doMail(authenticated, missing)).isEqualTo(HookResult.DECLINED);
        assertThat(configured("allowList", "10.0.0.0/8").doMail(sessionFrom("10.1.2.3"), missing)).isEqualTo(HookResult.DECLINED);
        assertThat(mailFrom("someone@[192.0.2.1]")).isEqualTo(HookResult.DECLINED);
        assertThat(responder.questions).isEmpty();

        assertThat(configured("allowList", "10.0.0.0/8").doMail(sessionFrom("192.0.2.1"), missing).getSmtpRetCode()).isEqualTo("550");
    }

    @Test
    void failsConfigurationNamingTheElement() {
        assertThatThrownBy(() -> configured("allowList", "10.0.0.0/8, office")).hasMessageContaining("<allowList>").hasMessageContaining("office");
    }
}
