package org.helpdeskmail.mailets;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import javax.inject.Inject;
import javax.mail.MessagingException;

import org.apache.james.core.MailAddress;
import org.apache.james.metrics.api.MetricFactory;
import org.apache.james.server.core.MailImpl;
import org.apache.james.util.DurationParser;
import org.apache.mailet.Mail;
import org.apache.mailet.base.GenericMailet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Breaks mail loops between two machines (typically two helpdesks acknowledging each other's
 * acknowledgements): once a sender has sent more than {@code maxAutoReplies} auto-replies to the
 * same tenant mailbox within {@code window}, the following ones go to {@code processor} (a
 * repository) instead of becoming tickets, and are counted in the metric
 * {@code helpdesk_loop_suppressed}. Put it behind the {@code IsAutoReply} matcher. The counts are
 * kept in memory: a restart forgets them, which at worst lets N more through.
 *
 * <pre>{@code
 * <mailet match="org.helpdeskmail.matchers.IsAutoReply" class="org.helpdeskmail.mailets.AutoReplyLoopBreaker">
 *     <maxAutoReplies>5</maxAutoReplies>
 *     <window>10 minutes</window>
 *     <processor>loop-suppressed</processor>
 * </mailet>
 * }</pre>
 */
public class AutoReplyLoopBreaker extends GenericMailet {
    static final String METRIC = "helpdesk_loop_suppressed";
    private static final Logger LOGGER = LoggerFactory.getLogger(AutoReplyLoopBreaker.class);
    /** Above this many tracked pairs, pairs whose window has passed are dropped. */
    private static final int PRUNE_THRESHOLD = 10_000;

    record Parameters(int maxAutoReplies, Duration window, String processor) {
    }

    private record Pair(String sender, String recipient) {
    }

    private final MetricFactory metricFactory;
    private final Clock clock;
    private final Map<Pair, Deque<Instant>> recent = new ConcurrentHashMap<>();
    private Parameters parameters;

    @Inject
    public AutoReplyLoopBreaker(MetricFactory metricFactory, Clock clock) {
        this.metricFactory = metricFactory;
        this.clock = clock;
    }

    @Override
    public void init() throws MessagingException {
        String maximum = getInitParameter("maxAutoReplies", "5");
        String window = getInitParameter("window", "10 minutes");
        String processor = getInitParameter("processor");
        int maxAutoReplies;
        try {
            maxAutoReplies = Integer.parseInt(maximum.trim());
        } catch (NumberFormatException e) {
            throw new MessagingException(getMailetName() + ": <maxAutoReplies> '" + maximum + "' is not a number");
        }
        if (maxAutoReplies < 1) {
            throw new MessagingException(getMailetName() + ": <maxAutoReplies> must be at least 1");
        }
        Duration windowDuration;
        try {
            windowDuration = DurationParser.parse(window);
        } catch (RuntimeException e) {
            throw new MessagingException(getMailetName() + ": <window> '" + window + "' is not a duration such as '10 minutes'");
        }
        if (processor == null || processor.isBlank()) {
            throw new MessagingException(getMailetName() + ": <processor> is required (where suppressed mail goes)");
        }
        parameters = new Parameters(maxAutoReplies, windowDuration, processor.trim());
    }

    @Override
    public void service(Mail mail) throws MessagingException {
        String sender = mail.getMaybeSender().asOptional().map(MailAddress::asString).orElse("<>").toLowerCase(Locale.ROOT);
        Instant now = clock.instant();
        List<MailAddress> suppressed = new ArrayList<>();
        for (MailAddress recipient : mail.getRecipients()) {
            if (!allow(new Pair(sender, recipient.asString().toLowerCase(Locale.ROOT)), now)) {
                suppressed.add(recipient);
            }
        }
        if (suppressed.isEmpty()) {
            return;
        }
        metricFactory.generate(METRIC).add(suppressed.size());
        LOGGER.warn("loop suppressed: more than {} auto-replies from {} to {} within {}", parameters.maxAutoReplies(), sender,
            suppressed, parameters.window());
        MailImpl copy = MailImpl.duplicate(mail);
        try {
            copy.setRecipients(suppressed);
            getMailetContext().sendMail(copy, parameters.processor());
        } finally {
            copy.dispose();
        }
        List<MailAddress> remaining = new ArrayList<>(mail.getRecipients());
        remaining.removeAll(suppressed);
        mail.setRecipients(remaining);
        if (remaining.isEmpty()) {
            mail.setState(Mail.GHOST);
        }
    }

    private boolean allow(Pair pair, Instant now) {
        Instant horizon = now.minus(parameters.window());
        if (recent.size() > PRUNE_THRESHOLD) {
            recent.entrySet().removeIf(entry -> {
                synchronized (entry.getValue()) {
                    return entry.getValue().isEmpty() || entry.getValue().peekLast().isBefore(horizon);
                }
            });
        }
        Deque<Instant> times = recent.computeIfAbsent(pair, key -> new ArrayDeque<>());
        synchronized (times) {
            while (!times.isEmpty() && times.peekFirst().isBefore(horizon)) {
                times.pollFirst();
            }
            times.addLast(now);
            return times.size() <= parameters.maxAutoReplies();
        }
    }
}
