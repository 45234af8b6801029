package org.helpdeskmail.mailets;

import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.util.Optional;

import javax.inject.Inject;
import javax.mail.MessagingException;

import org.apache.james.core.MailAddress;
import org.apache.james.server.core.MimeMessageInputStream;
import org.apache.james.util.DurationParser;
import org.apache.mailet.Attribute;
import org.apache.mailet.AttributeValue;
import org.apache.mailet.Mail;
import org.apache.mailet.base.GenericMailet;
import org.helpdeskmail.clients.HelpdeskSettings;
import org.helpdeskmail.clients.MailAttributes;
import org.helpdeskmail.clients.RspamdClient;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Asks Rspamd about mail the helpdesk app sends: what Rspamd would reject goes to
 * {@code spamProcessor} instead of hurting our sending addresses' reputation (a compromised tenant
 * account sending spam through the app, say); everything else leaves with the verdict recorded. A
 * scanner failure lets the mail through. Rspamd's URL is HELPDESK_RSPAMD_URL; unset, nothing is done.
 *
 * <pre>{@code
 * <mailet match="All" class="org.helpdeskmail.mailets.RspamdScan">
 *     <spamProcessor>outbound-spam</spamProcessor>
 *     <timeout>15 seconds</timeout>
 * </mailet>
 * }</pre>
 */
public class RspamdScan extends GenericMailet {
    private static final Logger LOGGER = LoggerFactory.getLogger(RspamdScan.class);

    private final HelpdeskSettings settings;
    private RspamdClient client;
    private String spamProcessor;

    @Inject
    public RspamdScan(HelpdeskSettings settings) {
        this.settings = settings;
    }

    @Override
    public void init() throws MessagingException {
        spamProcessor = getInitParameter("spamProcessor");
        if (spamProcessor == null || spamProcessor.isBlank()) {
            throw new MessagingException(getMailetName() + ": <spamProcessor> is required (where spam goes)");
        }
        String timeoutValue = getInitParameter("timeout", "15 seconds");
        Duration timeout;
        try {
            timeout = DurationParser.parse(timeoutValue);
        } catch (RuntimeException e) {
            throw new MessagingException(getMailetName() + ": <timeout> '" + timeoutValue + "' is not a duration such as '15 seconds'");
        }
        client = settings.rspamdUrl().map(url -> new RspamdClient(url, timeout, timeout)).orElse(null);
    }

    @Override
    public void service(Mail mail) throws MessagingException {
        if (client == null) {
            return;
        }
        RspamdClient.Envelope envelope = new RspamdClient.Envelope(Optional.ofNullable(mail.getRemoteAddr()), Optional.empty(),
            Optional.empty(), mail.getMaybeSender().asOptional().map(MailAddress::asString),
            mail.getRecipients().stream().map(MailAddress::asString).toList(),
            mail.getAttribute(Mail.SMTP_AUTH_USER).map(attribute -> attribute.getValue().value().toString()),
            Optional.of(mail.getName()));
        try (InputStream message = new MimeMessageInputStream(mail.getMessage())) {
            RspamdClient.Verdict verdict = client.check(envelope, message);
            mail.setAttribute(new Attribute(MailAttributes.SPAM, AttributeValue.of(
                "{\"score\":" + verdict.score() + ",\"action\":\"" + verdict.action() + "\"}")));
            if (verdict.action().equals("reject") || verdict.action().equals("discard")) {
                LOGGER.warn("outbound mail {} from {} scored {} ({}): sent to {}", mail.getName(), mail.getMaybeSender().asString(),
                    verdict.score(), verdict.symbols(), spamProcessor);
                mail.setState(spamProcessor);
            }
        } catch (RspamdClient.ScanFailure e) {
            LOGGER.warn("outbound mail {} not checked for spam: {}", mail.getName(), e.getMessage());
        } catch (IOException e) {
            throw new MessagingException("cannot read " + mail.getName(), e);
        }
    }

    @Override
    public String getMailetInfo() {
        return "Checks outbound mail with Rspamd";
    }
}
