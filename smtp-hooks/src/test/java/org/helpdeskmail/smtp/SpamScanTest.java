package org.helpdeskmail.smtp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.Mockito.doAnswer;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.never;
import static org.mockito.Mockito.times;
import static org.mockito.Mockito.verify;
import static org.mockito.Mockito.when;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;

import javax.mail.Session;
import javax.mail.internet.MimeMessage;

import org.apache.commons.configuration2.BaseHierarchicalConfiguration;
import org.apache.commons.configuration2.ex.ConfigurationException;
import org.apache.james.core.MailAddress;
import org.apache.james.core.Username;
import org.apache.james.dnsservice.api.DNSService;
import org.apache.james.metrics.api.Metric;
import org.apache.james.metrics.api.MetricFactory;
import org.apache.james.protocols.api.ProtocolSession;
import org.apache.james.protocols.smtp.SMTPSession;
import org.apache.james.protocols.smtp.hook.HookResult;
import org.apache.james.protocols.smtp.hook.HookReturnCode;
import org.apache.james.server.core.MailImpl;
import org.apache.mailet.Mail;
import org.helpdeskmail.clients.HelpdeskSettings;
import org.helpdeskmail.clients.RspamdClient.Verdict;
import org.helpdeskmail.testing.rspamd.RspamdDaemon;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.google.common.net.InetAddresses;

class SpamScanTest {
    private static final String CLIENT = "198.51.100.7";
    private static final String SENDER = "alice@example.org";
    private static final String RECIPIENT = "support@acme.helpdesk.example";

    private static RspamdDaemon rspamd;

    private final MetricFactory metricFactory = mock(MetricFactory.class);
    private final Metric rejected = mock(Metric.class);
    private final Metric errors = mock(Metric.class);
    private final DNSService dns = mock(DNSService.class);

    @BeforeAll
    static void startRspamd() throws IOException {
        rspamd = RspamdDaemon.start();
    }

    @AfterAll
    static void stopRspamd() {
        if (rspamd != null) {
            rspamd.close();
        }
    }

    @BeforeEach
    void setUp() {
        when(metricFactory.generate(SpamScan.REJECTED_METRIC)).thenReturn(rejected);
        when(metricFactory.generate(SpamScan.ERROR_METRIC)).thenReturn(errors);
        // No PTR record: DNSJavaService answers the address itself then.
        when(dns.getHostName(any())).thenAnswer(invocation -> ((InetAddress) invocation.getArgument(0)).getHostAddress());
    }

    private SpamScan configured(String... keysAndValues) throws ConfigurationException {
        return configured(Optional.of(rspamd.url()), keysAndValues);
    }

    private SpamScan configured(Optional<URI> defaultUrl, String... keysAndValues) throws ConfigurationException {
        BaseHierarchicalConfiguration configuration = new BaseHierarchicalConfiguration();
        for (int i = 0; i < keysAndValues.length; i += 2) {
            configuration.addProperty(keysAndValues[i], keysAndValues[i + 1]);
        }
        SpamScan scan = new SpamScan(defaultUrl, metricFactory, dns);
        scan.init(configuration);
        return scan;
    }

    /** A session that keeps its connection-state attachments, as James's does. */
    private static SMTPSession session() {
        SMTPSession session = mock(SMTPSession.class);
        when(session.getRemoteAddress()).thenReturn(new InetSocketAddress(InetAddresses.forString(CLIENT), 40000));
        when(session.getSessionID()).thenReturn("session-1");
        Map<Object, Object> connectionState = new HashMap<>();
        connectionState.put(SMTPSession.CURRENT_HELO_NAME, "mail.example.org");
        doAnswer(invocation -> Optional.ofNullable(connectionState.put(invocation.getArgument(0), invocation.getArgument(1))))
            .when(session).setAttachment(any(), any(), any());
        doAnswer(invocation -> invocation.getArgument(1) == ProtocolSession.State.Connection
            ? Optional.ofNullable(connectionState.get(invocation.getArgument(0)))
            : Optional.empty())
            .when(session).getAttachment(any(), any());
        return session;
    }

    private static Mail mail(String name, String subject, String body, String... extraHeaders) throws Exception {
        String text = "From: Alice Example <" + SENDER + ">\r\n"
            + "To: " + RECIPIENT + "\r\n"
            + "Subject: " + subject + "\r\n"
            + "Date: Sat, 28 Nov 2026 03:00:00 +0000\r\n"
            + "Message-ID: <" + name + "@example.org>\r\n"
            + String.join("", List.of(extraHeaders).stream().map(header -> header + "\r\n").toList())
            + "MIME-Version: 1.0\r\n"
            + "Content-Type: text/plain; charset=utf-8\r\n"
            + "\r\n"
            + body + "\r\n";
        MimeMessage message = new MimeMessage(Session.getDefaultInstance(new Properties()),
            new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8)));
        return MailImpl.builder()
            .name(name)
            .sender(new MailAddress(SENDER))
            .addRecipient(new MailAddress(RECIPIENT))
            .mimeMessage(message)
            .build();
    }

    private static String spamAttribute(Mail mail) {
        return mail.getAttribute(SpamScan.ATTRIBUTE).map(attribute -> (String) attribute.getValue().value()).orElse(null);
    }

    private static void assertAccepted(HookResult result) {
        assertThat(result).isEqualTo(HookResult.DECLINED);
    }

    @Test
    void cleanMailIsAcceptedAndMarkedNotSpam() throws Exception {
        Mail mail = mail("clean-1", "Printer on the third floor", "The printer does not print, could you have a look?");

        HookResult result = configured().onMessage(session(), mail);

        assertAccepted(result);
        MimeMessage message = mail.getMessage();
        assertThat(message.getHeader(SpamScan.STATUS_HEADER, null)).matches("No, score=-?\\d+\\.\\d\\d required=15\\.00");
        assertThat(message.getHeader(SpamScan.FLAG_HEADER)).isNull();
        assertThat(spamAttribute(mail)).matches("\\{\"score\":-?[0-9.]+,\"action\":\"no action\",\"symbols\":\\[\"[A-Z].*\"]}");
        verify(rejected, never()).increment();
    }

    @Test
    void gtubeIsRefused() throws Exception {
        Mail mail = mail("gtube-1", "Cheap watches", "Buy now.\r\n" + RspamdDaemon.GTUBE);

        HookResult result = configured().onMessage(session(), mail);

        assertThat(result.getResult()).isEqualTo(HookReturnCode.deny());
        assertThat(result.getSmtpRetCode()).isEqualTo("554");
        assertThat(result.getSmtpDescription()).isEqualTo("5.7.1 Message refused as spam");
        verify(rejected).increment();
        assertThat(spamAttribute(mail)).contains("\"action\":\"reject\"").contains("\"GTUBE\"");
    }

    @Test
    void addHeaderMarksTheMessageAsSpam() throws Exception {
        Mail mail = mail("add-header-1", "Invoice HELPDESK-TEST-ADD-HEADER", "Please pay.");

        HookResult result = configured().onMessage(session(), mail);

        assertAccepted(result);
        MimeMessage message = mail.getMessage();
        assertThat(message.getHeader(SpamScan.FLAG_HEADER, null)).isEqualTo("YES");
        assertThat(message.getHeader(SpamScan.SCORE_HEADER, null)).matches("\\d+\\.\\d\\d/15\\.00");
        assertThat(message.getHeader(SpamScan.STATUS_HEADER, null)).startsWith("Yes, score=").contains(" required=15.00 symbols=")
            .contains("HELPDESK_TEST_ADD_HEADER");
        assertThat(message.getSubject()).isEqualTo("Invoice HELPDESK-TEST-ADD-HEADER");
        assertThat(spamAttribute(mail)).contains("\"action\":\"add header\"").contains("\"HELPDESK_TEST_ADD_HEADER\"");
        verify(rejected, never()).increment();
    }

    @Test
    void rewriteSubjectPrefixesTheSubject() throws Exception {
        Mail mail = mail("rewrite-1", "Invoice HELPDESK-TEST-REWRITE-SUBJECT", "Please pay.");

        HookResult result = configured().onMessage(session(), mail);

        assertAccepted(result);
        assertThat(mail.getMessage().getSubject()).isEqualTo("[SPAM] Invoice HELPDESK-TEST-REWRITE-SUBJECT");
        assertThat(mail.getMessage().getHeader(SpamScan.FLAG_HEADER, null)).isEqualTo("YES");
        assertThat(spamAttribute(mail)).contains("\"action\":\"rewrite subject\"");
    }

    @Test
    void softRejectDefers() throws Exception {
        HookResult result = configured().onMessage(session(), mail("soft-1", "Invoice HELPDESK-TEST-SOFT-REJECT", "Please pay."));

        assertThat(result.getResult()).isEqualTo(HookReturnCode.denySoft());
        assertThat(result.getSmtpRetCode()).isEqualTo("451");
        assertThat(result.getSmtpDescription()).startsWith("4.7.1 ");
        verify(rejected, never()).increment();
    }

    @Test
    void forgedSpamHeadersAreRemoved() throws Exception {
        Mail mail = mail("forged-1", "Invoice HELPDESK-TEST-ADD-HEADER", "Please pay.", "X-Spam-Flag: NO", "X-Spam-Status: No, score=-100",
            "X-Spam-Score: -100");

        configured().onMessage(session(), mail);

        assertThat(mail.getMessage().getHeader(SpamScan.FLAG_HEADER)).containsExactly("YES");
        assertThat(mail.getMessage().getHeader(SpamScan.STATUS_HEADER)).hasSize(1).allMatch(status -> status.startsWith("Yes, "));
        assertThat(mail.getMessage().getHeader(SpamScan.SCORE_HEADER)).hasSize(1).noneMatch(score -> score.equals("-100"));
    }

    @Test
    void rspamdUnreachableTempfailsByDefault() throws Exception {
        SpamScan scan = configured("url", deadUrl().toString());
        Mail mail = mail("down-1", "Hello", "Hi");

        long started = System.nanoTime();
        HookResult result = scan.onMessage(session(), mail);

        assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(2));
        assertThat(result.getResult()).isEqualTo(HookReturnCode.denySoft());
        assertThat(result.getSmtpRetCode()).isEqualTo("451");
        assertThat(result.getSmtpDescription()).isEqualTo("4.7.1 Spam scanner unavailable, try again later");
        verify(errors).increment();
    }

    @Test
    void rspamdUnreachableAcceptsWhenConfigured() throws Exception {
        SpamScan scan = configured("url", deadUrl().toString(), "onError", "accept");
        Mail mail = mail("down-2", "Hello", "Hi");

        HookResult result = scan.onMessage(session(), mail);

        assertAccepted(result);
        assertThat(spamAttribute(mail)).isEqualTo("{\"action\":\"error\"}");
        assertThat(mail.getMessage().getHeader(SpamScan.STATUS_HEADER)).isNull();
        verify(errors).increment();
    }

    @Test
    void largerMessagesAreSkipped() throws Exception {
        Mail mail = mail("big-1", "Cheap watches", "Buy now.\r\n" + RspamdDaemon.GTUBE + "\r\n" + "padding ".repeat(200));

        HookResult result = configured("maxScanSize", "1K").onMessage(session(), mail);

        assertAccepted(result);
        assertThat(spamAttribute(mail)).isEqualTo("{\"action\":\"skipped\"}");
        verify(rejected, never()).increment();
        verify(errors, never()).increment();
    }

    @Test
    void nothingConfiguredDoesNothing() throws Exception {
        Mail mail = mail("off-1", "Cheap watches", "Buy now.\r\n" + RspamdDaemon.GTUBE, "X-Spam-Flag: NO");

        HookResult result = configured(Optional.empty()).onMessage(session(), mail);

        assertAccepted(result);
        assertThat(mail.getAttribute(SpamScan.ATTRIBUTE)).isEmpty();
        assertThat(mail.getMessage().getHeader(SpamScan.FLAG_HEADER, null)).isEqualTo("NO");
    }

    @Test
    void defaultUrlComesFromTheHelpdeskSettings() throws Exception {
        HelpdeskSettings settings = new HelpdeskSettings(List.of("helpdesk.example"), URI.create("http://127.0.0.1:8080/inbound"),
            Optional.empty(), Optional.empty(), Optional.of(rspamd.url()), Optional.empty(), Optional.empty(), Duration.ofMinutes(1));
        SpamScan scan = new SpamScan(settings, metricFactory, dns);
        scan.init(new BaseHierarchicalConfiguration());
        Mail mail = mail("settings-1", "Cheap watches", "Buy now.\r\n" + RspamdDaemon.GTUBE);

        assertThat(scan.onMessage(session(), mail).getSmtpRetCode()).isEqualTo("554");
        scan.destroy();
    }

    @Test
    void configuredUrlWinsOverTheSettings() throws Exception {
        SpamScan scan = configured(Optional.of(deadUrl()), "url", rspamd.url().toString());

        assertAccepted(scan.onMessage(session(), mail("url-1", "Hello", "Hi")));
    }

    @Test
    void envelopeAndConnectionReachRspamd() throws Exception {
        SMTPSession session = session();
        when(session.getUsername()).thenReturn(Username.of("app@notify.example.com"));
        when(dns.getHostName(InetAddresses.forString(CLIENT))).thenReturn("mx.example.org.");
        SpamScan scan = configured();

        scan.onMessage(session, mail("envelope-1", "Hello", "Hi"));
        scan.onMessage(session, mail("envelope-2", "Hello again", "Hi"));

        // The PTR name is looked up once per connection.
        verify(dns, times(1)).getHostName(any());
        String line = Files.readAllLines(rspamd.logFile()).stream().filter(text -> text.contains("qid: <envelope-2>")).findFirst()
            .orElseThrow(() -> new AssertionError("no log line of the check in " + rspamd.logFile()));
        assertThat(line).contains("ip: " + CLIENT).contains("user: app@notify.example.com").contains("from: <" + SENDER + ">")
            .contains("rcpts: <" + RECIPIENT + ">");
        // With Hostname sent, rspamd's once_received does no PTR lookup of its own.
        assertThat(Files.readString(rspamd.logFile())).doesNotContain("in-addr.arpa");
    }

    @Test
    void greylistingsReverseDnsIsReused() throws Exception {
        SMTPSession session = session();
        session.setAttachment(ClientNameLookup.REVERSE_DNS, new ReverseDns("mx.example.org", true), ProtocolSession.State.Connection);

        assertAccepted(configured().onMessage(session, mail("reuse-1", "Hello", "Hi")));

        verify(dns, never()).getHostName(any());
    }

    @Test
    void statusFoldsLongSymbolLists() {
        Verdict verdict = new Verdict("add header", 7.5, 15, List.of("AAAAAAAAAAAAAAAAAAAA", "BBBBBBBBBBBBBBBBBBBB", "CCCCCCCCCCCCCCCCCCCC",
            "DDDDDDDDDDDDDDDDDDDD", "EEEEEEEEEEEEEEEEEEEE"));

        String status = SpamScan.status(verdict);

        assertThat(status).startsWith("Yes, score=7.50 required=15.00 symbols=AAAAAAAAAAAAAAAAAAAA,").contains(",\r\n\t");
        String[] lines = (SpamScan.STATUS_HEADER + ": " + status).split("\r\n");
        assertThat(lines).hasSizeGreaterThan(1).allMatch(line -> line.length() <= 78);
        assertThat(status.replace("\r\n\t", "")).endsWith("symbols=AAAAAAAAAAAAAAAAAAAA,BBBBBBBBBBBBBBBBBBBB,CCCCCCCCCCCCCCCCCCCC,"
            + "DDDDDDDDDDDDDDDDDDDD,EEEEEEEEEEEEEEEEEEEE");
    }

    @Test
    void badConfigurationNamesTheElement() {
        assertThatThrownBy(() -> configured("url", "ftp://rspamd")).isInstanceOf(ConfigurationException.class).hasMessageContaining("<url>");
        assertThatThrownBy(() -> configured("url", "http://bad host")).isInstanceOf(ConfigurationException.class)
            .hasMessageContaining("<url>");
        assertThatThrownBy(() -> configured("timeout", "15")).isInstanceOf(ConfigurationException.class)
            .hasMessageContaining("<timeout>").hasMessageContaining("unit");
        assertThatThrownBy(() -> configured("timeout", "soon")).isInstanceOf(ConfigurationException.class).hasMessageContaining("<timeout>");
        assertThatThrownBy(() -> configured("onError", "drop")).isInstanceOf(ConfigurationException.class).hasMessageContaining("<onError>");
        assertThatThrownBy(() -> configured("maxScanSize", "big")).isInstanceOf(ConfigurationException.class)
            .hasMessageContaining("<maxScanSize>");
        assertThatThrownBy(() -> configured("maxScanSize", "0")).isInstanceOf(ConfigurationException.class)
            .hasMessageContaining("<maxScanSize>");
    }

    @Test
    void goodConfigurationIsAccepted() throws Exception {
        configured("url", "http://127.0.0.1:11333/", "timeout", "2 seconds", "onError", "ACCEPT", "maxScanSize", "unlimited").destroy();
        configured("maxScanSize", "20M").destroy();
    }

    /** A loopback port nothing listens on: connections are refused at once. */
    private static URI deadUrl() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            return URI.create("http://127.0.0.1:" + socket.getLocalPort());
        }
    }
}
