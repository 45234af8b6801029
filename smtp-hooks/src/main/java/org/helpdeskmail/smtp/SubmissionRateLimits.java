package org.helpdeskmail.smtp;

import java.time.Clock;
import java.time.Duration;
import java.util.Locale;

import javax.inject.Inject;

import org.apache.commons.configuration2.Configuration;
import org.apache.commons.configuration2.ex.ConfigurationException;
import org.apache.james.core.MailAddress;
import org.apache.james.core.MaybeSender;
import org.apache.james.core.Username;
import org.apache.james.metrics.api.MetricFactory;
import org.apache.james.protocols.smtp.SMTPSession;
import org.apache.james.protocols.smtp.hook.HookResult;
import org.apache.james.protocols.smtp.hook.HookReturnCode;
import org.apache.james.protocols.smtp.hook.MailHook;
import org.apache.james.protocols.smtp.hook.RcptHook;
import org.helpdeskmail.clients.RateLimiter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sending limits per authenticated submission user, so that a leaked password sends a bounded amount
 * of spam before someone notices, whatever the number of connections or client addresses used:
 * <ul>
 *     <li>{@code messagesPerMinute}, counted at MAIL: {@code 451 4.7.1};</li>
 *     <li>{@code recipientsPerMinute}, counted at RCPT: {@code 451 4.7.1} for that recipient only.</li>
 * </ul>
 * Each limit is a token bucket per user name (see {@link RateLimiter}): "N per minute" allows a burst
 * of N, then N a minute. The refusals are temporary, so the app's mail waits in its own queue and is
 * submitted again, and the reply names the user and the limit. Each refusal counts in the metric
 * {@code helpdesk_submission_throttled}, and a WARN line per user and minute at most says that a user
 * hit its limit: the sign of a runaway app or of a stolen password. Sessions without AUTH are left to
 * the other hooks (they cannot send on submission anyway).
 *
 * <p>The defaults are above the app's peak (the whole server's peak is 25-30 mails a second, all
 * from one app user at worst: 1,800 a minute) with room for bursts, and far below what a spam run
 * through our IP addresses would want: 3,600 messages and 7,200 recipients a minute (notifications
 * have one or two recipients each). Lower them to what each deployment's app really sends. Counting
 * is at the command: a message refused later still used its token, as does a retry after a 451.
 *
 * <pre>{@code
 * <handler class="org.helpdeskmail.smtp.SubmissionRateLimits">
 *     <messagesPerMinute>3600</messagesPerMinute>
 *     <recipientsPerMinute>7200</recipientsPerMinute>
 * </handler>
 * }</pre>
 * The counts live in memory, per listener: a restart forgets them, the submission and the implicit
 * TLS listener each allow the full rate, and so does each server instance.
 */
public class SubmissionRateLimits implements MailHook, RcptHook {
    static final String METRIC = "helpdesk_submission_throttled";
    static final int DEFAULT_MESSAGES_PER_MINUTE = 3600;
    static final int DEFAULT_RECIPIENTS_PER_MINUTE = 7200;
    private static final Logger LOGGER = LoggerFactory.getLogger(SubmissionRateLimits.class);
    private static final Duration MINUTE = Duration.ofMinutes(1);

    /** One limit: its configuration element (also the name used in replies and logs) and its buckets. */
    record Limit(String element, int perMinute, RateLimiter buckets) {
    }

    private final MetricFactory metricFactory;
    private final Clock clock;
    /** One token a minute per user: how often the WARN line about that user may be written. */
    private final RateLimiter warnings;
    private Limit messages;
    private Limit recipients;

    @Inject
    public SubmissionRateLimits(MetricFactory metricFactory, Clock clock) {
        this.metricFactory = metricFactory;
        this.clock = clock;
        this.messages = limit("messagesPerMinute", DEFAULT_MESSAGES_PER_MINUTE);
        this.recipients = limit("recipientsPerMinute", DEFAULT_RECIPIENTS_PER_MINUTE);
        this.warnings = new RateLimiter(1, MINUTE, clock);
    }

    @Override
    public void init(Configuration configuration) throws ConfigurationException {
        messages = limit(configuration, "messagesPerMinute", DEFAULT_MESSAGES_PER_MINUTE);
        recipients = limit(configuration, "recipientsPerMinute", DEFAULT_RECIPIENTS_PER_MINUTE);
        LOGGER.info("Submission limits per user: {} messages and {} recipients a minute", messages.perMinute(), recipients.perMinute());
    }

    private Limit limit(Configuration configuration, String element, int defaultValue) throws ConfigurationException {
        String value = configuration.getString(element, String.valueOf(defaultValue)).trim();
        int perMinute;
        try {
            perMinute = Integer.parseInt(value);
        } catch (NumberFormatException e) {
            throw new ConfigurationException(getClass().getSimpleName() + ": <" + element + "> '" + value + "' is not a number");
        }
        if (perMinute < 1) {
            throw new ConfigurationException(getClass().getSimpleName() + ": <" + element + "> must be a positive number per minute, was "
                + perMinute);
        }
        return limit(element, perMinute);
    }

    private Limit limit(String element, int perMinute) {
        return new Limit(element, perMinute, new RateLimiter(perMinute, MINUTE, clock));
    }

    @Override
    public HookResult doMail(SMTPSession session, MaybeSender sender) {
        return acquire(session, messages, "messages");
    }

    @Override
    public HookResult doRcpt(SMTPSession session, MaybeSender sender, MailAddress recipient) {
        return acquire(session, recipients, "recipients");
    }

    private HookResult acquire(SMTPSession session, Limit limit, String what) {
        Username username = session.getUsername();
        if (username == null) {
            return HookResult.DECLINED;
        }
        String user = username.asString().toLowerCase(Locale.ROOT);
        if (limit.buckets().tryAcquire(user)) {
            return HookResult.DECLINED;
        }
        metricFactory.generate(METRIC).increment();
        if (warnings.tryAcquire(user)) {
            LOGGER.warn("Submission user {} is over its limit of {} {} a minute: a runaway app or a leaked password?",
                user, limit.perMinute(), what);
        }
        return HookResult.builder()
            .hookReturnCode(HookReturnCode.denySoft())
            .smtpReturnCode("451")
            .smtpDescription("4.7.1 User " + user + " sent too many " + what + " (limit: " + limit.perMinute()
                + " a minute), try again later")
            .build();
    }
}
