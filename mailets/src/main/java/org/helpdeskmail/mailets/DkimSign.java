package org.helpdeskmail.mailets;

import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.security.GeneralSecurityException;
import java.security.Signature;
import java.security.SignatureException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

import javax.inject.Inject;
import javax.mail.Address;
import javax.mail.Header;
import javax.mail.MessagingException;
import javax.mail.internet.InternetAddress;
import javax.mail.internet.MimeMessage;

import org.apache.james.jdkim.DKIMCommon;
import org.apache.james.jdkim.api.Headers;
import org.apache.james.jdkim.api.SignatureRecord;
import org.apache.james.jdkim.exceptions.PermFailException;
import org.apache.james.jdkim.impl.BodyHasherImpl;
import org.apache.james.jdkim.tagvalue.SignatureRecordImpl;
import org.apache.mailet.Mail;
import org.apache.mailet.base.Converter7Bit;
import org.apache.mailet.base.GenericMailet;
import org.helpdeskmail.clients.dkim.DkimAlgorithm;
import org.helpdeskmail.clients.dkim.DkimKey;
import org.helpdeskmail.clients.dkim.DkimKeyStore;
import org.helpdeskmail.clients.dkim.Ed25519Sha256Signature;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.sun.mail.util.CRLFOutputStream;

/**
 * DKIM-signs (RFC 6376) outbound mail for every sender domain with one mailet: the keys come from
 * the {@link DkimKeyStore} (the active key of the From domain, else of its parent domain, else of
 * the default domain), which webadmin's {@code /dkim/keys} routes manage without restart.
 *
 * <p>The signature is rsa-sha256 with relaxed/relaxed canonicalisation and a timestamp; when the
 * domain also has an active Ed25519 key, a second, ed25519-sha256 signature (RFC 8463) is added. The
 * header fields of RFC 6376 §5.4.1 are signed as many times as they occur, and From, Subject, Date
 * and To once more ("over-signed": nobody can add a second one without breaking the signature).
 *
 * <p>What is signed is what will be sent: a body with 8-bit content is converted to 7 bit
 * (quoted-printable or base64) first, so no relay or downgrade along the way can change it, and the
 * body is hashed with the CRLF line endings SMTP will use. Place the mailet last before delivery:
 * any later change to a signed header or to the body breaks the signature.
 *
 * <p>A mail for which no key exists at all leaves unsigned, with a warning. A failure while signing
 * is thrown, so the mail goes to the processor's error handling (James's {@code onMailetException},
 * the error repository by default) instead of leaving unsigned.
 *
 * <pre>{@code
 * <mailet match="All" class="org.helpdeskmail.mailets.DkimSign"/>
 * }</pre>
 */
public class DkimSign extends GenericMailet {
    private static final Logger LOGGER = LoggerFactory.getLogger(DkimSign.class);
    private static final String FIELD = "DKIM-Signature";
    /** RFC 6376 §5.4.1, without the prefixes below. */
    private static final List<String> SIGNED_FIELDS = List.of("from", "reply-to", "subject", "date", "to", "cc", "in-reply-to",
        "references", "message-id", "mime-version", "content-type", "content-transfer-encoding");
    private static final List<String> SIGNED_PREFIXES = List.of("resent-", "list-");
    private static final List<String> OVERSIGNED_FIELDS = List.of("from", "subject", "date", "to");
    private static final int FOLD_AT = 76;

    private final DkimKeyStore keyStore;
    private final Clock clock;
    private Converter7Bit converter;

    @Inject
    public DkimSign(DkimKeyStore keyStore, Clock clock) {
        this.keyStore = keyStore;
        this.clock = clock;
    }

    @Override
    public void init() throws MessagingException {
        converter = new Converter7Bit(getMailetContext());
    }

    @Override
    public void service(Mail mail) throws MessagingException {
        MimeMessage message = mail.getMessage();
        Optional<String> fromDomain = fromDomain(message);
        List<DkimKey> keys = keyStore.signingKeys(fromDomain);
        if (keys.isEmpty()) {
            LOGGER.warn("DKIM: mail {} from {} leaves unsigned: no active key for that domain nor for the default domain {}",
                mail.getName(), fromDomain.orElse("(no From)"), keyStore.defaultDomain());
            return;
        }
        try {
            // Headers James would add when it stores the mail (Message-ID, MIME-Version) are added now, to be signed.
            message.saveChanges();
            BodyHash body = hashBody(message);
            if (body.eightBit()) {
                converter.convertTo7Bit(message);
                body = hashBody(message);
            }
            Headers headers = new MessageHeaders(message);
            String signedFields = foldedList(signedFields(headers));
            long timestamp = clock.instant().getEpochSecond();
            List<String> signatures = new ArrayList<>();
            for (DkimKey key : keys) {
                signatures.add(sign(key, headers, signedFields, timestamp, body.digest()));
            }
            prepend(message, signatures);
            LOGGER.debug("DKIM: mail {} signed by {}", mail.getName(), keys);
        } catch (IOException | GeneralSecurityException | PermFailException e) {
            throw new MessagingException("DKIM: cannot sign mail " + mail.getName() + " with " + keys + ": " + e.getMessage(), e);
        }
    }

    private static Optional<String> fromDomain(MimeMessage message) {
        try {
            Address[] from = message.getFrom();
            if (from == null || from.length == 0 || !(from[0] instanceof InternetAddress address)) {
                return Optional.empty();
            }
            String value = address.getAddress();
            int at = value == null ? -1 : value.lastIndexOf('@');
            return at < 0 ? Optional.empty() : Optional.of(value.substring(at + 1).toLowerCase(Locale.ROOT));
        } catch (MessagingException unparsable) {
            return Optional.empty();
        }
    }

    private record BodyHash(byte[] digest, boolean eightBit) {
    }

    /** The relaxed SHA-256 body hash of every key (they all use the same), over the body as SMTP sends it. */
    private static BodyHash hashBody(MimeMessage message) throws IOException, MessagingException, PermFailException {
        BodyHasherImpl hasher = new BodyHasherImpl(new SignatureRecordImpl(template(DkimAlgorithm.RSA, "invalid", "invalid", "from", 0)));
        BodyOnlyOutputStream body = new BodyOnlyOutputStream(hasher.getOutputStream());
        try (OutputStream lines = new CRLFOutputStream(body)) {
            message.writeTo(lines);
        }
        return new BodyHash(hasher.getDigest(), body.eightBit);
    }

    /** Each field of the recommended set as often as it occurs, plus once more for the over-signed ones. */
    private static List<String> signedFields(Headers headers) {
        List<String> names = new ArrayList<>();
        for (String name : SIGNED_FIELDS) {
            int count = headers.getFields(name).size() + (OVERSIGNED_FIELDS.contains(name) ? 1 : 0);
            names.addAll(Collections.nCopies(count, name));
        }
        headers.getFields().stream()
            .map(name -> name.toLowerCase(Locale.ROOT))
            .filter(name -> SIGNED_PREFIXES.stream().anyMatch(name::startsWith))
            .forEach(names::add);
        return names;
    }

    /**
     * The h= value with folding after some colons, so that no line of the field gets long; the
     * folding is part of the record before it is signed, hence covered by the signature as it is sent.
     */
    private static String foldedList(List<String> names) {
        StringBuilder list = new StringBuilder();
        int lineLength = "h=".length();
        for (String name : names) {
            if (list.length() > 0) {
                list.append(':');
                lineLength++;
                if (lineLength + name.length() > FOLD_AT - 8) {
                    list.append("\r\n\t");
                    lineLength = 1;
                }
            }
            list.append(name);
            lineLength += name.length();
        }
        return list.toString();
    }

    private static String template(DkimAlgorithm algorithm, String domain, String selector, String signedFields, long timestamp) {
        return "v=1; a=" + algorithm.signatureAlgorithm() + "; c=relaxed/relaxed; d=" + domain + "; s=" + selector
            + "; t=" + timestamp + "; h=" + signedFields + "; bh=; b=;";
    }

    private static String sign(DkimKey key, Headers headers, String signedFields, long timestamp, byte[] bodyHash)
        throws GeneralSecurityException, PermFailException {
        SignatureRecord record = new SignatureRecordImpl(template(key.algorithm(), key.domain(), key.selector(), signedFields, timestamp));
        record.setBodyHash(bodyHash);
        Signature signature = key.algorithm() == DkimAlgorithm.RSA ? Signature.getInstance("SHA256withRSA") : new Ed25519Sha256Signature();
        signature.initSign(key.privateKey());
        HeaderHash.update(headers, record, signature);
        record.setSignature(signature.sign());
        return fold(FIELD + ":" + record);
    }

    /**
     * Folds between tags (where jDKIM's record already has a space, so the relaxed form is unchanged)
     * and inside b=, whose value verifiers remove before hashing; a tag already folded (h=) is kept.
     */
    static String fold(String field) {
        StringBuilder folded = new StringBuilder(FIELD + ":");
        int lineLength = folded.length();
        for (String tag : field.substring(FIELD.length() + 1).trim().split(" ")) {
            List<String> pieces = new ArrayList<>();
            if (tag.startsWith("b=")) {
                for (int start = 0; start < tag.length(); start += FOLD_AT - 4) {
                    pieces.add(tag.substring(start, Math.min(tag.length(), start + FOLD_AT - 4)));
                }
            } else {
                pieces.add(tag);
            }
            for (String piece : pieces) {
                int lastFold = piece.lastIndexOf("\r\n");
                int firstLine = lastFold < 0 ? piece.length() : piece.indexOf("\r\n");
                if (lineLength + 1 + firstLine > FOLD_AT) {
                    folded.append("\r\n");
                    lineLength = 0;
                }
                folded.append(' ').append(piece);
                lineLength = lastFold < 0 ? lineLength + 1 + piece.length() : piece.length() - lastFold - 2;
            }
        }
        return folded.toString();
    }

    /** JavaMail adds header lines at the end; DKIM-Signature fields go on top, as every signer places them. */
    private static void prepend(MimeMessage message, List<String> fields) throws MessagingException {
        List<String> existing = Collections.list(message.getAllHeaderLines());
        for (Header header : Collections.list(message.getAllHeaders())) {
            message.removeHeader(header.getName());
        }
        for (String field : fields) {
            message.addHeaderLine(field);
        }
        for (String line : existing) {
            message.addHeaderLine(line);
        }
    }

    @Override
    public String getMailetInfo() {
        return "DKIM-signs outbound mail with the key store's key of the sender domain";
    }

    /** jDKIM's header canonicalisation and selection (RFC 6376 §3.4.2, §5.4.2) feeding any {@link Signature}. */
    private static final class HeaderHash extends DKIMCommon {
        static void update(Headers headers, SignatureRecord record, Signature signature) throws SignatureException, PermFailException {
            signatureCheck(headers, record, record.getHeaders(), signature);
        }
    }

    /** The header fields of a MimeMessage as jDKIM reads them: whole lines (folding kept), in order. */
    private static final class MessageHeaders implements Headers {
        private final List<String> lines;

        MessageHeaders(MimeMessage message) throws MessagingException {
            this.lines = Collections.list(message.getAllHeaderLines());
        }

        @Override
        public List<String> getFields() {
            return lines.stream().map(MessageHeaders::name).toList();
        }

        @Override
        public List<String> getFields(String name) {
            return lines.stream().filter(line -> name(line).equalsIgnoreCase(name)).toList();
        }

        private static String name(String line) {
            int colon = line.indexOf(':');
            return (colon < 0 ? line : line.substring(0, colon)).trim();
        }
    }

    /**
     * Passes on what follows the blank line that ends the header, and notes whether it has bytes
     * above 127 (then the mail is not 7-bit clean and gets converted).
     */
    private static final class BodyOnlyOutputStream extends FilterOutputStream {
        private static final byte[] END_OF_HEADER = {'\r', '\n', '\r', '\n'};
        private int matched;
        private boolean inBody;
        private boolean eightBit;

        BodyOnlyOutputStream(OutputStream body) {
            super(body);
        }

        @Override
        public void write(int b) throws IOException {
            if (inBody) {
                eightBit |= (b & 0x80) != 0;
                out.write(b);
            } else if (b == END_OF_HEADER[matched]) {
                matched++;
                inBody = matched == END_OF_HEADER.length;
            } else {
                matched = b == '\r' ? 1 : 0;
            }
        }

        @Override
        public void write(byte[] bytes, int offset, int length) throws IOException {
            int start = offset;
            int end = offset + length;
            while (!inBody && start < end) {
                write(bytes[start++]);
            }
            for (int i = start; i < end && !eightBit; i++) {
                eightBit = (bytes[i] & 0x80) != 0;
            }
            if (start < end) {
                out.write(bytes, start, end - start);
            }
        }
    }
}
