package org.helpdeskmail.mailets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.KeyFactory;
import java.security.Provider;
import java.security.PublicKey;
import java.security.Security;
import java.security.spec.X509EncodedKeySpec;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.stream.Collectors;

import javax.mail.internet.MimeMessage;

import org.apache.james.jdkim.DKIMVerifier;
import org.apache.james.jdkim.api.PublicKeyRecord;
import org.apache.james.jdkim.api.PublicKeyRecordRetriever;
import org.apache.james.jdkim.api.SignatureRecord;
import org.apache.james.jdkim.exceptions.FailException;
import org.apache.james.jdkim.exceptions.PermFailException;
import org.apache.james.jdkim.tagvalue.PublicKeyRecordImpl;
import org.apache.james.server.core.MimeMessageInputStreamSource;
import org.apache.james.server.core.MimeMessageWrapper;
import org.apache.mailet.Mail;
import org.apache.mailet.base.test.FakeMail;
import org.apache.mailet.base.test.FakeMailContext;
import org.apache.mailet.base.test.FakeMailetConfig;
import org.helpdeskmail.clients.dkim.DkimAlgorithm;
import org.helpdeskmail.clients.dkim.DkimKeyStore;
import org.helpdeskmail.clients.dkim.Ed25519Sha256Signature;
import org.helpdeskmail.testing.ManualClock;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Signs with keys of a real key store, then verifies with jDKIM's verifier against the keys' DNS records. */
class DkimSignTest {
    private static final String PLAIN = "From: Support <support@customer.example>\r\n"
        + "To: someone@recipient.test\r\n"
        + "Subject: Your ticket #42 was updated\r\n"
        + "Date: Wed, 1 May 2024 10:00:00 +0000\r\n"
        + "Message-ID: <42@customer.example>\r\n"
        + "List-Unsubscribe: <mailto:unsubscribe@customer.example>\r\n"
        + "MIME-Version: 1.0\r\n"
        + "Content-Type: text/plain; charset=us-ascii\r\n"
        + "\r\n"
        + "Hello,  \r\n\r\nyour ticket was updated.\r\n\r\n\r\n";
    private static final Provider ED25519_VERIFIER = new Provider("DkimSignTestEd25519", "1", "ed25519-sha256 for jDKIM's verifier, which knows RSA only") {
        {
            put("Signature.SHA256WITHED25519", Ed25519Sha256Signature.class.getName());
        }
    };

    @TempDir
    Path keys;
    private final ManualClock clock = new ManualClock();
    private DkimKeyStore store;
    private DkimSign mailet;

    @BeforeAll
    static void teachJdkimEd25519() {
        Security.addProvider(ED25519_VERIFIER);
    }

    @AfterAll
    static void forgetEd25519() {
        Security.removeProvider(ED25519_VERIFIER.getName());
    }

    @BeforeEach
    void setUp() throws Exception {
        store = new DkimKeyStore(keys, "helpdesk.example", clock, Duration.ofSeconds(2));
        store.generate("helpdesk.example", "hm1", DkimAlgorithm.RSA);
        store.activate("helpdesk.example", "hm1");
        mailet = new DkimSign(store, clock);
        mailet.init(FakeMailetConfig.builder().mailetName("dkim").mailetContext(FakeMailContext.defaultContext()).build());
    }

    @Test
    void theFromDomainsKeySignsTheRecommendedFieldsAndOverSignsFromSubjectDateTo() throws Exception {
        store.generate("customer.example", "s1", DkimAlgorithm.RSA);
        store.activate("customer.example", "s1");
        Mail mail = mail(PLAIN);

        mailet.service(mail);

        String signed = asString(mail.getMessage());
        List<SignatureRecord> verified = verify(signed);
        assertThat(verified).hasSize(1);
        SignatureRecord signature = verified.get(0);
        assertThat(signature.getDToken().toString()).isEqualTo("customer.example");
        assertThat(signature.getSelector().toString()).isEqualTo("s1");
        assertThat(signature.getHashKeyType() + "-" + signature.getHashMethod()).isEqualTo("rsa-sha256");
        assertThat(signature.getHeaderCanonicalisationMethod() + "/" + signature.getBodyCanonicalisationMethod()).isEqualTo("relaxed/relaxed");
        assertThat(signature.getSignatureTimestamp()).isEqualTo(clock.instant().getEpochSecond());
        assertThat(signature.getHeaders().stream().map(CharSequence::toString).collect(Collectors.toList())).containsExactly(
            "from", "from", "subject", "subject", "date", "date", "to", "to", "message-id", "mime-version", "content-type", "list-unsubscribe");
        assertThat(signed).contains("\r\nMessage-ID: <42@customer.example>\r\n");
        String field = signed.substring(signed.indexOf("DKIM-Signature:"), signed.indexOf("\r\nFrom:"));
        assertThat(field.split("\r\n")).allSatisfy(line -> assertThat(line.length()).isLessThanOrEqualTo(78));
    }

    @Test
    void anAddedSubjectOrAChangedBodyBreaksTheSignature() throws Exception {
        Mail mail = mail(PLAIN);
        mailet.service(mail);
        String signed = asString(mail.getMessage());

        assertThat(verify(signed)).hasSize(1);
        assertThatThrownBy(() -> verify(signed.replace("\r\nFrom:", "\r\nSubject: Pay this invoice\r\nFrom:"))).isInstanceOf(FailException.class);
        assertThatThrownBy(() -> verify(signed.replace("your ticket", "your invoice"))).isInstanceOf(FailException.class);
        assertThat(verify(signed.replace("updated.\r\n", "updated.  \r\n"))).as("relaxed body").hasSize(1);
    }

    @Test
    void aDomainWithoutKeyIsSignedWithTheDefaultDomainsKey() throws Exception {
        Mail mail = mail(PLAIN.replace("support@customer.example", "app@other.example"));

        mailet.service(mail);

        SignatureRecord signature = verify(asString(mail.getMessage())).get(0);
        assertThat(signature.getDToken().toString()).isEqualTo("helpdesk.example");
        assertThat(signature.getSelector().toString()).isEqualTo("hm1");
    }

    @Test
    void anActiveEd25519KeyAddsASecondSignature() throws Exception {
        store.generate("customer.example", "rsa1", DkimAlgorithm.RSA);
        store.generate("customer.example", "ed1", DkimAlgorithm.ED25519);
        store.activate("customer.example", "rsa1");
        store.activate("customer.example", "ed1");
        Mail mail = mail(PLAIN);

        mailet.service(mail);

        List<SignatureRecord> verified = verify(asString(mail.getMessage()));
        assertThat(verified).extracting(record -> record.getHashKeyType() + "-" + record.getHashMethod() + " " + record.getSelector())
            .containsExactlyInAnyOrder("rsa-sha256 rsa1", "ed25519-sha256 ed1");
    }

    @Test
    void anEightBitBodyIsConvertedToSevenBitBeforeSigning() throws Exception {
        String eightBit = PLAIN.replace("charset=us-ascii", "charset=utf-8\r\nContent-Transfer-Encoding: 8bit")
            .replace("your ticket was updated.", "votre ticket a été mis à jour.");
        Mail mail = mail(eightBit);

        mailet.service(mail);

        byte[] signed = bytes(mail.getMessage());
        assertThat(new String(signed, StandardCharsets.ISO_8859_1).chars()).allMatch(c -> c < 0x80);
        assertThat(mail.getMessage().getContent().toString()).contains("votre ticket a été mis à jour.");
        assertThat(verify(new String(signed, StandardCharsets.US_ASCII))).hasSize(1);
    }

    @Test
    void withoutAnyKeyTheMailLeavesUnsigned() throws Exception {
        DkimKeyStore empty = new DkimKeyStore(keys.resolve("empty"), "helpdesk.example", clock, Duration.ofSeconds(2));
        DkimSign unsigned = new DkimSign(empty, clock);
        unsigned.init(FakeMailetConfig.builder().mailetName("dkim").mailetContext(FakeMailContext.defaultContext()).build());
        Mail mail = mail(PLAIN);

        unsigned.service(mail);

        assertThat(mail.getMessage().getHeader("DKIM-Signature")).isNull();
        assertThat(mail.getState()).isEqualTo("outbound");
    }

    @Test
    void foldingKeepsTheRelaxedFormOfTheSignedFields() {
        String field = "DKIM-Signature: a=rsa-sha256; b=" + "A".repeat(200) + "; bh=" + "B".repeat(44) + "; d=example.com; h=from:to;";

        String folded = DkimSign.fold(field);

        assertThat(folded.split("\r\n")).allSatisfy(line -> assertThat(line.length()).isLessThanOrEqualTo(78));
        assertThat(folded.replace("\r\n", "").replaceAll("b=[^;]*", "b=")).isEqualTo(field.replaceAll("b=[^;]*", "b="));
        assertThat(folded.replace("\r\n", "").replace(" ", "")).isEqualTo(field.replace(" ", ""));
    }

    private Mail mail(String message) throws Exception {
        // The message class James's queue and spooler hand to mailets.
        MimeMessage mimeMessage = new MimeMessageWrapper(MimeMessageInputStreamSource.create("out1",
            new ByteArrayInputStream(message.getBytes(StandardCharsets.UTF_8))));
        return FakeMail.builder().name("out1").sender("app@customer.example").recipient("someone@recipient.test")
            .mimeMessage(mimeMessage).state("outbound").build();
    }

    private static byte[] bytes(MimeMessage message) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        message.writeTo(out);
        return out.toByteArray();
    }

    private static String asString(MimeMessage message) throws Exception {
        return new String(bytes(message), StandardCharsets.UTF_8);
    }

    /** jDKIM's verifier, looking keys up in the store as DNS would serve their records. */
    private List<SignatureRecord> verify(String message) throws Exception {
        PublicKeyRecordRetriever dns = (method, selector, domain) -> {
            try {
                return List.of(store.key(domain.toString(), selector.toString()).dnsRecord());
            } catch (NoSuchElementException e) {
                throw new PermFailException("no key " + selector + "._domainkey." + domain);
            }
        };
        DKIMVerifier verifier = new DKIMVerifier(dns) {
            @Override
            protected PublicKeyRecord newPublicKeyRecord(String record) {
                return new Ed25519AwarePublicKeyRecord(record);
            }
        };
        return verifier.verify(new ByteArrayInputStream(message.getBytes(StandardCharsets.UTF_8)));
    }

    /** jDKIM 0.3 reads p= as a SubjectPublicKeyInfo; RFC 8463 publishes the raw Ed25519 key. */
    private static final class Ed25519AwarePublicKeyRecord extends PublicKeyRecordImpl {
        private static final byte[] ED25519_SPKI_PREFIX = Base64.getDecoder().decode("MCowBQYDK2VwAyEA");

        Ed25519AwarePublicKeyRecord(String record) {
            super(record);
        }

        @Override
        public PublicKey getPublicKey() {
            if (!"ed25519".equals(getValue("k").toString())) {
                return super.getPublicKey();
            }
            byte[] raw = Base64.getDecoder().decode(getValue("p").toString());
            byte[] spki = new byte[ED25519_SPKI_PREFIX.length + raw.length];
            System.arraycopy(ED25519_SPKI_PREFIX, 0, spki, 0, ED25519_SPKI_PREFIX.length);
            System.arraycopy(raw, 0, spki, ED25519_SPKI_PREFIX.length, raw.length);
            try {
                return KeyFactory.getInstance("Ed25519").generatePublic(new X509EncodedKeySpec(spki));
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }
    }
}
