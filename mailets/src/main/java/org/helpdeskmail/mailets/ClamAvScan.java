package org.helpdeskmail.mailets;

import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;

import javax.inject.Inject;
import javax.mail.MessagingException;

import org.apache.james.server.core.MimeMessageInputStream;
import org.apache.james.util.DurationParser;
import org.apache.mailet.Attribute;
import org.apache.mailet.AttributeValue;
import org.apache.mailet.Mail;
import org.apache.mailet.base.GenericMailet;
import org.helpdeskmail.clients.ClamdClient;
import org.helpdeskmail.clients.HelpdeskSettings;
import org.helpdeskmail.clients.MailAttributes;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Scans mail the helpdesk app sends (customers' attachments forwarded in notifications) with clamd
 * before it leaves, so that our sending addresses are never the ones spreading a virus. An infected
 * mail goes to {@code virusProcessor}; a scanner failure lets the mail through (blocking every
 * notification while clamd restarts would hurt more) and records status "error". clamd's address is
 * HELPDESK_CLAMD_ADDRESS; when it is unset the mailet does nothing.
 *
 * <pre>{@code
 * <mailet match="All" class="org.helpdeskmail.mailets.ClamAvScan">
 *     <virusProcessor>outbound-virus</virusProcessor>
 *     <timeout>30 seconds</timeout>
 * </mailet>
 * }</pre>
 */
public class ClamAvScan extends GenericMailet {
    private static final Logger LOGGER = LoggerFactory.getLogger(ClamAvScan.class);
    private static final int MAXIMUM_CONNECTIONS = 4;

    private final HelpdeskSettings settings;
    private ClamdClient client;
    private String virusProcessor;

    @Inject
    public ClamAvScan(HelpdeskSettings settings) {
        this.settings = settings;
    }

    @Override
    public void init() throws MessagingException {
        virusProcessor = getInitParameter("virusProcessor");
        if (virusProcessor == null || virusProcessor.isBlank()) {
            throw new MessagingException(getMailetName() + ": <virusProcessor> is required (where infected mail goes)");
        }
        String timeoutValue = getInitParameter("timeout", "30 seconds");
        Duration timeout;
        try {
            timeout = DurationParser.parse(timeoutValue);
        } catch (RuntimeException e) {
            throw new MessagingException(getMailetName() + ": <timeout> '" + timeoutValue + "' is not a duration such as '30 seconds'");
        }
        client = settings.clamdAddress().map(address -> new ClamdClient(address, timeout, timeout, MAXIMUM_CONNECTIONS)).orElse(null);
    }

    @Override
    public void service(Mail mail) throws MessagingException {
        if (client == null) {
            return;
        }
        ClamdClient.Verdict verdict;
        try (InputStream message = new MimeMessageInputStream(mail.getMessage())) {
            verdict = client.scan(message);
        } catch (IOException e) {
            throw new MessagingException("cannot read " + mail.getName(), e);
        }
        String status = switch (verdict.status()) {
            case CLEAN -> "clean";
            case INFECTED -> "infected";
            case SIZE_LIMIT -> "skipped";
            case ERROR -> "error";
        };
        mail.setAttribute(new Attribute(MailAttributes.VIRUS, AttributeValue.of(
            "{\"status\":\"" + status + "\"" + verdict.signature().map(name -> ",\"name\":\"" + name.replaceAll("[^A-Za-z0-9._-]", "_") + "\"").orElse("") + "}")));
        if (verdict.status() == ClamdClient.Status.INFECTED) {
            LOGGER.warn("outbound mail {} from {} carries {}: sent to {}", mail.getName(), mail.getMaybeSender().asString(),
                verdict.signature().orElse("?"), virusProcessor);
            mail.setState(virusProcessor);
        } else if (verdict.status() == ClamdClient.Status.ERROR) {
            LOGGER.warn("outbound mail {} not scanned: {}", mail.getName(), verdict.detail());
        }
    }

    @Override
    public String getMailetInfo() {
        return "Scans outbound mail with clamd";
    }
}
