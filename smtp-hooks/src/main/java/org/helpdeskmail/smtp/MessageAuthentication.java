package org.helpdeskmail.smtp;

import java.io.InputStream;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

import javax.mail.MessagingException;
import javax.mail.internet.InternetAddress;
import javax.mail.internet.MimeMessage;

import org.apache.commons.configuration2.Configuration;
import org.apache.james.jdkim.DKIMVerifier;
import org.apache.james.jdkim.api.SignatureRecord;
import org.apache.james.jdkim.exceptions.FailException;
import org.apache.james.jdkim.exceptions.TempFailException;
import org.apache.james.protocols.smtp.SMTPSession;
import org.apache.james.protocols.smtp.hook.HookResult;
import org.apache.james.protocols.smtp.hook.HookReturnCode;
import org.apache.james.server.core.MimeMessageInputStream;
import org.apache.james.smtpserver.JamesMessageHook;
import org.apache.mailet.Attribute;
import org.apache.mailet.AttributeValue;
import org.apache.mailet.Mail;
import org.helpdeskmail.clients.DmarcEvaluator;
import org.helpdeskmail.clients.MailAttributes;
import org.xbill.DNS.Lookup;
import org.xbill.DNS.Record;
import org.xbill.DNS.TXTRecord;
import org.xbill.DNS.TextParseException;
import org.xbill.DNS.Type;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;

/**
 * At end of DATA, before the 250: verifies every DKIM signature (RFC 6376, jDKIM), evaluates DMARC
 * (RFC 7489) with the SPF verdict of {@link SpfCheck}, refuses a DMARC failure whose policy is
 * {@code reject} (550 5.7.1), and records everything in an {@code Authentication-Results} header
 * (RFC 8601) and in the mail attribute {@code helpdesk.auth} (the JSON of the webhook's "auth").
 * A {@code quarantine} verdict sets {@code helpdesk.spam.quarantine}.
 *
 * <pre>{@code
 * <handler class="org.helpdeskmail.smtp.MessageAuthentication">
 *     <rejectDmarcReject>true</rejectDmarcReject>
 * </handler>
 * }</pre>
 */
public class MessageAuthentication implements JamesMessageHook {
    private final DmarcEvaluator dmarc = new DmarcEvaluator(MessageAuthentication::txtRecords, () -> new SecureRandom().nextInt(100));
    private final JsonFactory json = new JsonFactory();
    private boolean rejectDmarcReject = true;

    @Override
    public void init(Configuration configuration) {
        rejectDmarcReject = configuration.getBoolean("rejectDmarcReject", true);
    }

    @Override
    public HookResult onMessage(SMTPSession session, Mail mail) {
        try {
            MimeMessage message = mail.getMessage();
            List<DmarcEvaluator.DkimResult> dkim = verifyDkim(message);
            Optional<SpfCheck.SpfVerdict> spf = SpfCheck.verdict(session);
            String spfResult = spf.map(SpfCheck.SpfVerdict::result).orElse("none");
            String spfDomain = spf.map(SpfCheck.SpfVerdict::domain).orElse("");
            Optional<String> fromDomain = fromDomain(message);
            Optional<DmarcEvaluator.Verdict> verdict = fromDomain.map(domain -> dmarc.evaluate(domain, spfResult, spfDomain, dkim));

            message.addHeader("Authentication-Results", header(session.getConfiguration().getHelloName(), spf, dkim, verdict));
            mail.setAttribute(new Attribute(MailAttributes.AUTH, AttributeValue.of(authJson(spfResult, dkim, verdict))));
            if (verdict.isPresent() && verdict.get().result().equals("fail")) {
                if (verdict.get().disposition().equals("reject") && rejectDmarcReject) {
                    return HookResult.builder()
                        .hookReturnCode(HookReturnCode.deny())
                        .smtpReturnCode("550")
                        .smtpDescription("5.7.1 DMARC: the policy of " + verdict.get().policyDomain().orElse(verdict.get().fromDomain())
                            + " rejects this message (neither SPF nor DKIM aligned with " + verdict.get().fromDomain() + ")")
                        .build();
                }
                if (verdict.get().disposition().equals("quarantine")) {
                    mail.setAttribute(new Attribute(MailAttributes.QUARANTINE, AttributeValue.of(true)));
                }
            }
            return HookResult.DECLINED;
        } catch (MessagingException | java.io.IOException e) {
            return HookResult.builder()
                .hookReturnCode(HookReturnCode.denySoft())
                .smtpReturnCode("451")
                .smtpDescription("4.3.0 Temporary failure while checking the message, try again later")
                .build();
        }
    }

    private static List<DmarcEvaluator.DkimResult> verifyDkim(MimeMessage message) throws MessagingException, java.io.IOException {
        String[] signatures = message.getHeader("DKIM-Signature");
        if (signatures == null || signatures.length == 0) {
            return List.of();
        }
        DKIMVerifier verifier = new DKIMVerifier();
        List<String> domains = new ArrayList<>();
        for (String signature : signatures) {
            try {
                domains.add(verifier.newSignatureRecord(signature).getDToken().toString().toLowerCase(Locale.ROOT));
            } catch (RuntimeException unparseable) {
                domains.add("");
            }
        }
        Set<String> passing;
        String otherwise = "fail";
        try (InputStream raw = new MimeMessageInputStream(message)) {
            passing = verifier.verify(raw).stream().map(SignatureRecord::getDToken).map(CharSequence::toString)
                .map(domain -> domain.toLowerCase(Locale.ROOT)).collect(Collectors.toSet());
        } catch (TempFailException e) {
            passing = Set.of();
            otherwise = "temperror";
        } catch (FailException e) {
            passing = Set.of();
        }
        List<DmarcEvaluator.DkimResult> results = new ArrayList<>();
        for (String domain : domains) {
            String result = domain.isEmpty() ? "permerror" : passing.contains(domain) ? "pass" : otherwise;
            results.add(new DmarcEvaluator.DkimResult(domain, result));
        }
        return results;
    }

    private static Optional<String> fromDomain(MimeMessage message) throws MessagingException {
        String[] from = message.getHeader("From");
        if (from == null || from.length == 0) {
            return Optional.empty();
        }
        try {
            InternetAddress[] addresses = InternetAddress.parseHeader(from[0], false);
            if (addresses.length == 0 || addresses[0].getAddress() == null || !addresses[0].getAddress().contains("@")) {
                return Optional.empty();
            }
            String address = addresses[0].getAddress();
            return Optional.of(address.substring(address.lastIndexOf('@') + 1).toLowerCase(Locale.ROOT));
        } catch (MessagingException unparseable) {
            return Optional.empty();
        }
    }

    static List<String> txtRecords(String name) throws DmarcEvaluator.TemporaryLookupFailure {
        try {
            Lookup lookup = new Lookup(name, Type.TXT);
            lookup.setCache(null);
            Record[] records = lookup.run();
            if (lookup.getResult() == Lookup.TRY_AGAIN) {
                throw new DmarcEvaluator.TemporaryLookupFailure(name + ": " + lookup.getErrorString());
            }
            List<String> texts = new ArrayList<>();
            if (records != null) {
                for (Record record : records) {
                    if (record instanceof TXTRecord txt) {
                        texts.add(String.join("", txt.getStrings()));
                    }
                }
            }
            return texts;
        } catch (TextParseException e) {
            return List.of();
        }
    }

    static String header(String host, Optional<SpfCheck.SpfVerdict> spf, List<DmarcEvaluator.DkimResult> dkim,
                         Optional<DmarcEvaluator.Verdict> dmarc) {
        StringBuilder header = new StringBuilder(host);
        spf.ifPresentOrElse(
            verdict -> header.append(";\r\n\tspf=").append(verdict.result()).append(" smtp.mailfrom=").append(verdict.domain()),
            () -> header.append(";\r\n\tspf=none"));
        if (dkim.isEmpty()) {
            header.append(";\r\n\tdkim=none");
        }
        for (DmarcEvaluator.DkimResult result : dkim) {
            header.append(";\r\n\tdkim=").append(result.result()).append(" header.d=").append(result.domain());
        }
        dmarc.ifPresentOrElse(
            verdict -> header.append(";\r\n\tdmarc=").append(verdict.result()).append(" (p=").append(verdict.disposition())
                .append(") header.from=").append(verdict.fromDomain()),
            () -> header.append(";\r\n\tdmarc=none"));
        return header.toString();
    }

    private String authJson(String spf, List<DmarcEvaluator.DkimResult> dkim, Optional<DmarcEvaluator.Verdict> dmarc) throws java.io.IOException {
        java.io.StringWriter text = new java.io.StringWriter();
        try (JsonGenerator generator = json.createGenerator(text)) {
            generator.writeStartObject();
            generator.writeStringField("spf", spf);
            generator.writeArrayFieldStart("dkim");
            for (DmarcEvaluator.DkimResult result : dkim) {
                generator.writeStartObject();
                generator.writeStringField("domain", result.domain());
                generator.writeStringField("result", result.result());
                generator.writeEndObject();
            }
            generator.writeEndArray();
            generator.writeStringField("dmarc", dmarc.map(DmarcEvaluator.Verdict::result).orElse("none"));
            generator.writeEndObject();
        }
        return text.toString();
    }
}
