package org.helpdeskmail.smtp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.never;
import static org.mockito.Mockito.times;
import static org.mockito.Mockito.verify;
import static org.mockito.Mockito.when;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

import org.apache.commons.configuration2.BaseHierarchicalConfiguration;
import org.apache.commons.configuration2.ex.ConfigurationException;
import org.apache.james.metrics.api.Metric;
import org.apache.james.metrics.api.MetricFactory;
import org.apache.james.protocols.smtp.SMTPSession;
import org.apache.james.protocols.smtp.hook.HookResult;
import org.apache.james.protocols.smtp.hook.HookReturnCode;
import org.apache.james.server.core.MailImpl;
import org.apache.james.server.core.MimeMessageInputStreamSource;
import org.apache.james.server.core.MimeMessageWrapper;
import org.apache.mailet.Attribute;
import org.apache.mailet.Mail;
import org.helpdeskmail.clients.HelpdeskSettings;
import org.helpdeskmail.testing.clamav.ClamdDaemon;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Against a real clamd (StreamMaxLength 1M) with our small signature database; mails built as James's SMTP server builds them. */
class VirusScanTest {
    private static final String EICAR_NAME = ClamdDaemon.EICAR_SIGNATURE_PREFIX;
    private static ClamdDaemon clamd;

    private final MetricFactory metricFactory = mock(MetricFactory.class);
    private final Metric found = mock(Metric.class);
    private final Metric errors = mock(Metric.class);
    private final Metric skipped = mock(Metric.class);
    private final SMTPSession session = mock(SMTPSession.class);

    @BeforeAll
    static void start() throws IOException {
        clamd = ClamdDaemon.start();
    }

    @AfterAll
    static void close() {
        if (clamd != null) {
            clamd.close();
        }
    }

    @BeforeEach
    void mocks() {
        when(metricFactory.generate(VirusScan.FOUND_METRIC)).thenReturn(found);
        when(metricFactory.generate(VirusScan.ERROR_METRIC)).thenReturn(errors);
        when(metricFactory.generate(VirusScan.SKIPPED_METRIC)).thenReturn(skipped);
        when(session.getSessionID()).thenReturn("session-1");
    }

    private static HelpdeskSettings settings(Optional<String> clamdAddress) {
        return new HelpdeskSettings(List.of("helpdesk.test"), URI.create("http://127.0.0.1:9/inbound"), Optional.empty(),
            Optional.empty(), Optional.empty(), clamdAddress, Optional.empty(), Duration.ofMinutes(5));
    }

    private VirusScan configured(Optional<String> settingsAddress, Map<String, String> elements) throws ConfigurationException {
        BaseHierarchicalConfiguration configuration = new BaseHierarchicalConfiguration();
        elements.forEach(configuration::addProperty);
        VirusScan scan = new VirusScan(metricFactory, settings(settingsAddress));
        scan.init(configuration);
        return scan;
    }

    private VirusScan configured(Map<String, String> elements) throws ConfigurationException {
        return configured(Optional.empty(), elements);
    }

    private VirusScan scanning() throws ConfigurationException {
        return configured(Map.of("address", clamd.address(), "timeout", "10 seconds"));
    }

    /** As James's DATA handler builds it: a wrapper over the bytes received, streamed back unchanged. */
    private static Mail mail(String rawMessage) throws Exception {
        return MailImpl.builder()
            .name("mail-" + System.nanoTime())
            .sender("jane@customer.example")
            .addRecipient("support@acme.helpdesk.test")
            .mimeMessage(new MimeMessageWrapper(MimeMessageInputStreamSource.create("test",
                new ByteArrayInputStream(rawMessage.getBytes(StandardCharsets.ISO_8859_1)))))
            .build();
    }

    private static String base64Lines(byte[] content) {
        return Base64.getMimeEncoder(76, "\r\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(content);
    }

    private static String withAttachment(String contentType, String filename, byte[] content) {
        return "From: Jane <jane@customer.example>\r\n"
            + "To: support@acme.helpdesk.test\r\n"
            + "Subject: the invoice\r\n"
            + "Message-ID: <1@customer.example>\r\n"
            + "MIME-Version: 1.0\r\n"
            + "Content-Type: multipart/mixed; boundary=\"outer\"\r\n"
            + "\r\n"
            + "--outer\r\n"
            + "Content-Type: text/plain; charset=us-ascii\r\n"
            + "\r\n"
            + "Please find the invoice attached.\r\n"
            + "--outer\r\n"
            + "Content-Type: " + contentType + "; name=\"" + filename + "\"\r\n"
            + "Content-Disposition: attachment; filename=\"" + filename + "\"\r\n"
            + "Content-Transfer-Encoding: base64\r\n"
            + "\r\n"
            + base64Lines(content) + "\r\n"
            + "--outer--\r\n";
    }

    private static String plain(String body) {
        return "From: jane@customer.example\r\nTo: support@acme.helpdesk.test\r\nSubject: hello\r\n\r\n" + body + "\r\n";
    }

    private static String virusAttribute(Mail mail) {
        return mail.getAttribute(VirusScan.ATTRIBUTE).map(Attribute::getValue).map(value -> (String) value.value()).orElseThrow();
    }

    private static void assertRefusedForVirus(HookResult result, String signaturePrefix) {
        assertThat(result.getResult()).isEqualTo(HookReturnCode.deny());
        assertThat(result.getSmtpRetCode()).isEqualTo("554");
        assertThat(result.getSmtpDescription()).startsWith("5.7.1 Message refused: virus " + signaturePrefix).endsWith(".UNOFFICIAL found");
    }

    @Test
    void acceptsACleanMessageAndSaysSo() throws Exception {
        Mail mail = mail(plain("My printer is broken."));

        HookResult result = scanning().onMessage(session, mail);

        assertThat(result.getResult()).isEqualTo(HookReturnCode.declined());
        assertThat(virusAttribute(mail)).isEqualTo("{\"status\":\"clean\"}");
        verify(found, never()).increment();
        verify(errors, never()).increment();
    }

    @Test
    void refusesEicarInABase64Attachment() throws Exception {
        String raw = withAttachment("application/octet-stream", "eicar.com", ClamdDaemon.eicar());
        assertThat(raw).as("only clamd's MIME decoding can find it").doesNotContain("ANTIVIRUS-TEST-FILE");
        Mail mail = mail(raw);

        HookResult result = scanning().onMessage(session, mail);

        assertRefusedForVirus(result, EICAR_NAME);
        assertThat(virusAttribute(mail)).startsWith("{\"status\":\"infected\",\"name\":\"" + EICAR_NAME).endsWith(".UNOFFICIAL\"}");
        verify(found, times(1)).increment();
    }

    @Test
    void refusesEicarInAZippedAttachment() throws Exception {
        ByteArrayOutputStream zip = new ByteArrayOutputStream();
        try (ZipOutputStream entries = new ZipOutputStream(zip)) {
            entries.putNextEntry(new ZipEntry("docs/invoice.pdf.exe"));
            entries.write(ClamdDaemon.eicar());
            entries.closeEntry();
        }

        HookResult result = scanning().onMessage(session, mail(withAttachment("application/zip", "invoice.zip", zip.toByteArray())));

        assertRefusedForVirus(result, EICAR_NAME);
    }

    @Test
    void refusesOurCustomSignatureInsideAnAttachedMessage() throws Exception {
        String inner = withAttachment("text/plain", "notes.txt",
            ("meeting notes\n" + ClamdDaemon.customMarker() + "\n").getBytes(StandardCharsets.US_ASCII));
        String raw = "From: forwarder@customer.example\r\n"
            + "To: support@acme.helpdesk.test\r\n"
            + "Subject: Fwd: the invoice\r\n"
            + "MIME-Version: 1.0\r\n"
            + "Content-Type: multipart/mixed; boundary=\"forward\"\r\n"
            + "\r\n"
            + "--forward\r\n"
            + "Content-Type: text/plain\r\n"
            + "\r\n"
            + "See below.\r\n"
            + "--forward\r\n"
            + "Content-Type: message/rfc822\r\n"
            + "\r\n"
            + inner
            + "--forward--\r\n";
        assertThat(raw).doesNotContain(ClamdDaemon.customMarker());
        Mail mail = mail(raw);

        HookResult result = scanning().onMessage(session, mail);

        assertRefusedForVirus(result, ClamdDaemon.CUSTOM_SIGNATURE);
        assertThat(result.getSmtpDescription()).isEqualTo("5.7.1 Message refused: virus " + ClamdDaemon.CUSTOM_SIGNATURE + ".UNOFFICIAL found");
        assertThat(virusAttribute(mail)).isEqualTo("{\"status\":\"infected\",\"name\":\"" + ClamdDaemon.CUSTOM_SIGNATURE + ".UNOFFICIAL\"}");
    }

    @Test
    void takesTheAddressFromTheSettingsWhenTheElementIsAbsent() throws Exception {
        VirusScan scan = configured(Optional.of(clamd.address()), Map.of());
        Mail mail = mail(withAttachment("application/octet-stream", "eicar.com", ClamdDaemon.eicar()));

        assertRefusedForVirus(scan.onMessage(session, mail), EICAR_NAME);
    }

    @Test
    void doesNothingWithoutAnyAddress() throws Exception {
        VirusScan scan = configured(Optional.empty(), Map.of());
        Mail mail = mail(withAttachment("application/octet-stream", "eicar.com", ClamdDaemon.eicar()));

        assertThat(scan.onMessage(session, mail).getResult()).isEqualTo(HookReturnCode.declined());
        assertThat(mail.getAttribute(VirusScan.ATTRIBUTE)).as("no verdict, so the webhook has no \"virus\" field").isEmpty();
    }

    @Test
    void defersWhenClamdIsDownByDefault() throws Exception {
        try (ClamdDaemon own = ClamdDaemon.start()) {
            VirusScan scan = configured(Map.of("address", own.address(), "timeout", "5 seconds"));
            own.stop();
            Mail mail = mail(plain("hello"));
            long started = System.nanoTime();

            HookResult result = scan.onMessage(session, mail);

            assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(2));
            assertThat(result.getResult()).isEqualTo(HookReturnCode.denySoft());
            assertThat(result.getSmtpRetCode()).isEqualTo("451");
            assertThat(result.getSmtpDescription()).isEqualTo("4.7.1 Virus scanner unavailable, try again later");
            assertThat(virusAttribute(mail)).isEqualTo("{\"status\":\"error\"}");
            verify(errors, times(1)).increment();

            own.restart();
            assertThat(scan.onMessage(session, mail(plain("hello again"))).getResult()).as("clamd is back").isEqualTo(HookReturnCode.declined());
        }
    }

    @Test
    void acceptsWhenClamdIsDownIfToldTo() throws Exception {
        int closedPort;
        try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            closedPort = probe.getLocalPort();
        }
        VirusScan scan = configured(Map.of("address", "127.0.0.1:" + closedPort, "onError", "accept"));
        Mail mail = mail(plain("hello"));

        HookResult result = scan.onMessage(session, mail);

        assertThat(result.getResult()).isEqualTo(HookReturnCode.declined());
        assertThat(virusAttribute(mail)).isEqualTo("{\"status\":\"error\"}");
        verify(errors, times(1)).increment();
    }

    @Test
    void defersWhenClamdDoesNotAnswerInTime() throws Exception {
        try (ServerSocket silent = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.1"))) {
            VirusScan scan = configured(Map.of("address", "127.0.0.1:" + silent.getLocalPort(), "timeout", "500 ms"));
            long started = System.nanoTime();

            HookResult result = scan.onMessage(session, mail(plain("hello")));

            assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(3));
            assertThat(result.getSmtpRetCode()).isEqualTo("451");
        }
    }

    @Test
    void skipsMessagesOverMaxScanSizeWithoutAskingClamd() throws Exception {
        int closedPort;
        try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            closedPort = probe.getLocalPort();
        }
        // Nothing listens there: had the hook tried to scan, the verdict would be "error".
        VirusScan scan = configured(Map.of("address", "127.0.0.1:" + closedPort, "maxScanSize", "1K"));
        Mail mail = mail(withAttachment("application/octet-stream", "big.bin", new byte[4096]));

        HookResult result = scan.onMessage(session, mail);

        assertThat(result.getResult()).isEqualTo(HookReturnCode.declined());
        assertThat(virusAttribute(mail)).isEqualTo("{\"status\":\"skipped\"}");
        verify(skipped, times(1)).increment();
        verify(errors, never()).increment();
    }

    @Test
    void scansMessagesUnderMaxScanSize() throws Exception {
        VirusScan scan = configured(Map.of("address", clamd.address(), "maxScanSize", "25M"));

        assertRefusedForVirus(scan.onMessage(session, mail(withAttachment("application/octet-stream", "eicar.com", ClamdDaemon.eicar()))),
            EICAR_NAME);
    }

    /** Over the 1M StreamMaxLength of the test clamd. */
    private static String tooLargeForClamd() {
        return withAttachment("application/octet-stream", "video.mp4", new byte[1536 * 1024]);
    }

    @Test
    void acceptsUnscannedWhatIsOverClamdsLimitByDefault() throws Exception {
        Mail mail = mail(tooLargeForClamd());

        HookResult result = scanning().onMessage(session, mail);

        assertThat(result.getResult()).isEqualTo(HookReturnCode.declined());
        assertThat(virusAttribute(mail)).isEqualTo("{\"status\":\"skipped\"}");
        verify(skipped, times(1)).increment();
        verify(errors, never()).increment();
    }

    @Test
    void defersWhatIsOverClamdsLimitIfToldTo() throws Exception {
        VirusScan scan = configured(Map.of("address", clamd.address(), "onSizeLimit", "tempfail"));
        Mail mail = mail(tooLargeForClamd());

        HookResult result = scan.onMessage(session, mail);

        assertThat(result.getResult()).isEqualTo(HookReturnCode.denySoft());
        assertThat(result.getSmtpRetCode()).isEqualTo("451");
        assertThat(result.getSmtpDescription()).startsWith("4.7.1 ");
        assertThat(virusAttribute(mail)).isEqualTo("{\"status\":\"skipped\"}");
    }

    @Test
    void rejectsWhatIsOverClamdsLimitIfToldTo() throws Exception {
        VirusScan scan = configured(Map.of("address", clamd.address(), "onSizeLimit", "reject"));

        HookResult result = scan.onMessage(session, mail(tooLargeForClamd()));

        assertThat(result.getResult()).isEqualTo(HookReturnCode.deny());
        assertThat(result.getSmtpRetCode()).isEqualTo("552");
        assertThat(result.getSmtpDescription()).isEqualTo("5.3.4 Message too large to be scanned for viruses");
    }

    @Test
    void keepsOnlyHarmlessCharactersOfTheNameInTheReply() {
        assertThat(VirusScan.forReply("Win.Test.EICAR_HDB-1")).isEqualTo("Win.Test.EICAR_HDB-1");
        assertThat(VirusScan.forReply("Bad\r\n250 OK name")).isEqualTo("Bad??250?OK?name");
        assertThat(VirusScan.forReply("x".repeat(300))).hasSize(103);
    }

    @Test
    void refusesBadConfigurationNamingTheElement() {
        Map<Map<String, String>, String> bad = Map.of(
            Map.of("address", "clamav"), "<address>",
            Map.of("address", "127.0.0.1:3310", "timeout", "30"), "<timeout>",
            Map.of("address", "127.0.0.1:3310", "timeout", "soon"), "<timeout>",
            Map.of("address", "127.0.0.1:3310", "maxConnections", "0"), "<maxConnections>",
            Map.of("address", "127.0.0.1:3310", "maxConnections", "many"), "<maxConnections>",
            Map.of("address", "127.0.0.1:3310", "onError", "drop"), "<onError>",
            Map.of("address", "127.0.0.1:3310", "onSizeLimit", "ignore"), "<onSizeLimit>",
            Map.of("address", "127.0.0.1:3310", "maxScanSize", "lots"), "<maxScanSize>",
            Map.of("address", "127.0.0.1:3310", "maxScanSize", "0"), "<maxScanSize>");
        bad.forEach((elements, named) -> assertThatThrownBy(() -> configured(elements)).as(elements.toString())
            .isInstanceOf(ConfigurationException.class)
            .hasMessageStartingWith("VirusScan: ")
            .hasMessageContaining(named));
        assertThatThrownBy(() -> configured(Optional.of("clamav"), Map.of()))
            .isInstanceOf(ConfigurationException.class)
            .hasMessageContaining("HELPDESK_CLAMD_ADDRESS");
    }
}
