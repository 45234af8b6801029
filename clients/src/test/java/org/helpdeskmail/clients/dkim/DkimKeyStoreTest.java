package org.helpdeskmail.clients.dkim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PublicKey;
import java.security.Signature;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.X509EncodedKeySpec;
import java.time.Duration;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Optional;

import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.helpdeskmail.testing.ManualClock;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DkimKeyStoreTest {
    private static final Duration RECHECK = Duration.ofSeconds(2);

    @TempDir
    Path directory;
    private final ManualClock clock = new ManualClock();
    private DkimKeyStore store;

    @BeforeEach
    void openStore() {
        store = new DkimKeyStore(directory, "helpdesk.example", clock, RECHECK);
    }

    @Test
    void aGeneratedRsaKeyIsWrittenOwnerOnlyAndItsDnsRecordHoldsTheMatchingPublicKey() throws Exception {
        DkimKey key = store.generate("Customer.Example", "s1", DkimAlgorithm.RSA);

        Path file = directory.resolve("customer.example/s1.pem");
        assertThat(Files.readString(file)).startsWith("-----BEGIN PRIVATE KEY-----");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
        assertThat(key.domain()).isEqualTo("customer.example");
        assertThat(key.bits()).isEqualTo(2048);
        assertThat(key.active()).isFalse();
        assertThat(key.dnsName()).isEqualTo("s1._domainkey.customer.example");
        assertThat(key.dnsRecord()).startsWith("v=DKIM1; k=rsa; p=");
        PublicKey published = KeyFactory.getInstance("RSA").generatePublic(new X509EncodedKeySpec(Base64.getDecoder().decode(key.publicKey())));
        assertThat(signsAndVerifies("SHA256withRSA", key, published)).isTrue();
        assertThat(store.keys()).extracting(DkimKey::dnsName).containsExactly("s1._domainkey.customer.example");
    }

    @Test
    void anEd25519KeyPublishesTheRawPublicKeyOfRfc8463() throws Exception {
        KeyPair pair = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        byte[] spki = pair.getPublic().getEncoded();
        byte[] raw = Arrays.copyOfRange(spki, spki.length - 32, spki.length);

        DkimKey key = store.importPem("customer.example", "ed1", pem("PRIVATE KEY", pair.getPrivate().getEncoded()));

        assertThat(key.algorithm()).isEqualTo(DkimAlgorithm.ED25519);
        assertThat(key.bits()).isEqualTo(256);
        assertThat(key.dnsRecord()).isEqualTo("v=DKIM1; k=ed25519; p=" + Base64.getEncoder().encodeToString(raw));
        assertThat(signsAndVerifies("Ed25519", key, pair.getPublic())).isTrue();
    }

    @Test
    void aPkcs1KeyAsOpendkimGenkeyWritesItIsAccepted() throws Exception {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
        generator.initialize(1024);
        KeyPair pair = generator.generateKeyPair();
        byte[] pkcs1 = PrivateKeyInfo.getInstance(pair.getPrivate().getEncoded()).parsePrivateKey().toASN1Primitive().getEncoded();

        DkimKey key = store.importPem("customer.example", "legacy", pem("RSA PRIVATE KEY", pkcs1));

        assertThat(key.bits()).isEqualTo(1024);
        assertThat(key.publicKey()).isEqualTo(Base64.getEncoder().encodeToString(pair.getPublic().getEncoded()));
    }

    @Test
    void unusableKeysAreRefusedWithTheReason() throws Exception {
        KeyPairGenerator rsa = KeyPairGenerator.getInstance("RSA");
        rsa.initialize(512);
        KeyPairGenerator ec = KeyPairGenerator.getInstance("EC");
        ec.initialize(new ECGenParameterSpec("secp256r1"));

        assertThatThrownBy(() -> store.importPem("customer.example", "a", pem("PRIVATE KEY", rsa.generateKeyPair().getPrivate().getEncoded())))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("512 bits");
        assertThatThrownBy(() -> store.importPem("customer.example", "a", pem("PRIVATE KEY", ec.generateKeyPair().getPrivate().getEncoded())))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("neither RSA nor Ed25519");
        assertThatThrownBy(() -> store.importPem("customer.example", "a", pem("ENCRYPTED PRIVATE KEY", new byte[] {1, 2, 3})))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("encrypted");
        assertThatThrownBy(() -> store.importPem("customer.example", "a", "hello"))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("no PEM private key");
        assertThatThrownBy(() -> store.generate("../etc", "a", DkimAlgorithm.ED25519))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("domain");
        assertThatThrownBy(() -> store.generate("customer.example", "a/b", DkimAlgorithm.ED25519))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("selector");
        assertThat(store.keys()).isEmpty();
    }

    @Test
    void rotationActivatesTheNewSelectorInPlaceOfTheOldOneOfTheSameAlgorithm() {
        store.generate("customer.example", "old", DkimAlgorithm.RSA);
        store.generate("customer.example", "ed", DkimAlgorithm.ED25519);
        store.activate("customer.example", "old");
        store.activate("customer.example", "ed");
        assertThat(store.signingKeys(Optional.of("customer.example"))).extracting(DkimKey::selector).containsExactly("old", "ed");

        store.generate("customer.example", "new", DkimAlgorithm.RSA);
        store.activate("customer.example", "new");

        assertThat(store.signingKeys(Optional.of("customer.example"))).extracting(DkimKey::selector).containsExactly("new", "ed");
        assertThat(store.key("customer.example", "old").active()).isFalse();
        assertThatThrownBy(() -> store.remove("customer.example", "new")).isInstanceOf(IllegalStateException.class);
        store.remove("customer.example", "old");
        assertThat(store.keys("customer.example")).extracting(DkimKey::selector).containsExactly("ed", "new");
        assertThatThrownBy(() -> store.key("customer.example", "old")).isInstanceOf(NoSuchElementException.class);
        assertThatThrownBy(() -> store.generate("customer.example", "new", DkimAlgorithm.ED25519))
            .isInstanceOf(IllegalStateException.class).hasMessageContaining("already has a key");
    }

    @Test
    void mailFromADomainWithoutItsOwnActiveRsaKeyIsSignedWithTheParentsOrTheDefaultDomainsKey() {
        assertThat(store.signingKeys(Optional.of("customer.example"))).isEmpty();
        store.generate("helpdesk.example", "d1", DkimAlgorithm.RSA);
        store.activate("helpdesk.example", "d1");
        store.generate("customer.example", "c1", DkimAlgorithm.RSA);
        store.activate("customer.example", "c1");
        store.generate("edonly.example", "e1", DkimAlgorithm.ED25519);
        store.activate("edonly.example", "e1");
        store.generate("inactive.example", "i1", DkimAlgorithm.ED25519);

        assertThat(selectorsFor("customer.example")).containsExactly("c1");
        assertThat(selectorsFor("Mail.Customer.Example")).containsExactly("c1");
        assertThat(selectorsFor("other.example")).containsExactly("d1");
        assertThat(selectorsFor("edonly.example")).containsExactly("d1");
        assertThat(selectorsFor("inactive.example")).containsExactly("d1");
        assertThat(store.signingKeys(Optional.empty())).extracting(DkimKey::selector).containsExactly("d1");
    }

    @Test
    void changesMadeByHandAreSeenAfterTheRecheckIntervalWithoutRestart() throws Exception {
        DkimKeyStore other = new DkimKeyStore(directory, "helpdesk.example", clock, RECHECK);
        store.generate("customer.example", "s1", DkimAlgorithm.RSA);
        assertThat(other.signingKeys(Optional.of("customer.example"))).isEmpty();

        Files.writeString(directory.resolve("customer.example/active"), "# rotated by hand\ns1\n");
        Files.writeString(directory.resolve("customer.example/broken.pem"), "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n");
        assertThat(other.signingKeys(Optional.of("customer.example"))).isEmpty();
        clock.advance(RECHECK);

        assertThat(other.signingKeys(Optional.of("customer.example"))).extracting(DkimKey::selector).containsExactly("s1");
        assertThat(other.keys("customer.example")).extracting(DkimKey::selector).containsExactly("s1");
    }

    @Test
    void theDefaultDomainGetsAnActiveKeyAtFirstStartOnly() {
        Optional<DkimKey> generated = store.ensureDefaultKey();

        assertThat(generated).hasValueSatisfying(key -> {
            assertThat(key.dnsName()).isEqualTo("hm202405._domainkey.helpdesk.example");
            assertThat(key.algorithm()).isEqualTo(DkimAlgorithm.RSA);
            assertThat(key.active()).isTrue();
        });
        assertThat(new DkimKeyStore(directory, "helpdesk.example", clock, RECHECK).ensureDefaultKey()).isEmpty();
        assertThat(store.keys()).hasSize(1);
    }

    private List<String> selectorsFor(String domain) {
        return store.signingKeys(Optional.of(domain)).stream().map(DkimKey::selector).toList();
    }

    private static boolean signsAndVerifies(String algorithm, DkimKey key, PublicKey publicKey) throws Exception {
        byte[] data = "signed data".getBytes(StandardCharsets.US_ASCII);
        Signature signer = Signature.getInstance(algorithm);
        signer.initSign(key.privateKey());
        signer.update(data);
        Signature verifier = Signature.getInstance(algorithm);
        verifier.initVerify(publicKey);
        verifier.update(data);
        return verifier.verify(signer.sign());
    }

    private static String pem(String type, byte[] der) {
        return "-----BEGIN " + type + "-----\n" + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der) + "\n-----END " + type + "-----\n";
    }
}
