package org.helpdeskmail.smtp;

import java.time.Duration;
import java.util.regex.Pattern;

import org.apache.commons.configuration2.Configuration;
import org.apache.commons.configuration2.ex.ConfigurationException;
import org.apache.james.util.DurationParser;

/**
 * Reads a duration element of a handler's configuration ({@code <timeout>30 seconds</timeout>}):
 * positive, with a unit, and an error that names the handler and the element.
 */
final class DurationElement {
    // James's DurationParser reads a bare number as milliseconds: "30" meaning 30 ms is never what an operator wants.
    private static final Pattern BARE_NUMBER = Pattern.compile("\\s*-?\\d+\\s*");

    private DurationElement() {
    }

    static Duration read(Configuration configuration, String handler, String element, Duration defaultValue, String example)
        throws ConfigurationException {
        String value = configuration.getString(element, null);
        if (value == null) {
            return defaultValue;
        }
        if (BARE_NUMBER.matcher(value).matches()) {
            throw new ConfigurationException(handler + ": <" + element + "> '" + value + "' needs a unit, for example '"
                + value.trim() + " seconds' (a bare number would be milliseconds)");
        }
        Duration duration;
        try {
            duration = DurationParser.parse(value.trim());
        } catch (IllegalArgumentException e) {
            throw new ConfigurationException(handler + ": <" + element + "> '" + value
                + "' is not a duration (expected for example '" + example + "')", e);
        }
        if (duration.isZero() || duration.isNegative()) {
            throw new ConfigurationException(handler + ": <" + element + "> must be longer than zero, was '" + value + "'");
        }
        return duration;
    }
}
