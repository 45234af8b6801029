package org.helpdeskmail.mailets;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

import javax.mail.MessagingException;

import org.apache.james.server.core.MailImpl;
import org.apache.mailet.Mail;
import org.apache.mailet.MailetContext;

/**
 * Puts a copy of a mail into the durable queue, for a processor, after a delay: how our mailets
 * retry later or hand some recipients to another processor. What becomes of the original is the
 * caller's decision.
 */
public final class Requeue {
    private Requeue() {
    }

    /** What the copy gets besides its state: fewer recipients, attributes. */
    @FunctionalInterface
    public interface Edit {
        void apply(MailImpl copy) throws MessagingException;
    }

    /** @return the copy, already queued and disposed: for its name in a log line */
    public static Mail copy(MailetContext context, Mail mail, String state, Duration delay, Edit edit) throws MessagingException {
        MailImpl copy = MailImpl.duplicate(mail);
        try {
            edit.apply(copy);
            copy.setState(state);
            context.sendMail(copy, state, delay.toMillis(), TimeUnit.MILLISECONDS);
        } finally {
            copy.dispose();
        }
        return copy;
    }
}
