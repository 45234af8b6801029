package org.helpdeskmail.mailets;

import java.time.Duration;

import javax.mail.MessagingException;

import org.apache.james.util.DurationParser;
import org.apache.james.util.Size;
import org.apache.mailet.base.GenericMailet;

/** Reads a mailet's parameters once in init(), failing with a message that names the mailet and the parameter. */
public final class MailetParameters {
    private final GenericMailet mailet;

    public MailetParameters(GenericMailet mailet) {
        this.mailet = mailet;
    }

    public String text(String name, String defaultValue) {
        return mailet.getInitParameter(name, defaultValue).trim();
    }

    public Duration duration(String name, String defaultValue) throws MessagingException {
        String value = text(name, defaultValue);
        try {
            Duration duration = DurationParser.parse(value);
            if (duration.isNegative() || duration.isZero()) {
                throw new NumberFormatException("not positive");
            }
            return duration;
        } catch (RuntimeException e) {
            throw bad(name, value, "a duration such as '30 seconds'");
        }
    }

    public long size(String name, String defaultValue) throws MessagingException {
        String value = text(name, defaultValue);
        try {
            return Size.parse(value).asBytes();
        } catch (RuntimeException e) {
            throw bad(name, value, "a size such as '40M'");
        }
    }

    public int integer(String name, int defaultValue, int minimum, int maximum) throws MessagingException {
        String value = text(name, Integer.toString(defaultValue));
        try {
            int number = Integer.parseInt(value);
            if (number < minimum || number > maximum) {
                throw new NumberFormatException("out of range");
            }
            return number;
        } catch (NumberFormatException e) {
            throw bad(name, value, "a whole number from " + minimum + " to " + maximum);
        }
    }

    /** The retry schedule of {@code initialDelay}, {@code maxDelay} and {@code maxAge}. */
    public RetryPolicy retryPolicy(String initialDelay, String maxDelay, String maxAge) throws MessagingException {
        RetryPolicy policy = new RetryPolicy(duration("initialDelay", initialDelay), duration("maxDelay", maxDelay), duration("maxAge", maxAge));
        if (policy.maxDelay().compareTo(policy.initialDelay()) < 0) {
            throw new MessagingException(mailet.getMailetName() + ": maxDelay must not be shorter than initialDelay");
        }
        return policy;
    }

    public MessagingException bad(String name, String value, String expected) {
        return new MessagingException(mailet.getMailetName() + ": <" + name + "> '" + value + "' is not " + expected);
    }
}
