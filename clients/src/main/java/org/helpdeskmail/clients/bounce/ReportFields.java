package org.helpdeskmail.clients.bounce;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The groups of {@code Name: value} fields in the body of a {@code message/delivery-status} (RFC 3464 §2.1:
 * per-message fields, then one group per recipient, separated by blank lines) or {@code message/feedback-report}
 * (RFC 5965 §3.1: one group).
 *
 * @param fields in order; names lower-cased, continuation lines joined
 */
record ReportFields(List<ReportFields.NamedValue> fields) {
    private static final Pattern FIELD = Pattern.compile("^([A-Za-z0-9-]+)[ \\t]*:[ \\t]*(.*)$");
    // RFC 3464 typed values: "rfc822; user@example.com", "dns; mx.example.com", "smtp; 550 ...".
    private static final Pattern TYPED_VALUE = Pattern.compile("^[ \\t]*[A-Za-z0-9-]+[ \\t]*;[ \\t]*(.*)$", Pattern.DOTALL);

    record NamedValue(String name, String value) {
    }

    ReportFields {
        fields = List.copyOf(fields);
    }

    static List<ReportFields> parse(String body) {
        GroupBuilder builder = new GroupBuilder();
        for (String line : body.split("\n")) {
            if (line.isBlank()) {
                builder.closeGroup();
            } else if ((line.startsWith(" ") || line.startsWith("\t")) && builder.hasField()) {
                builder.continueValue(line.strip());
            } else {
                Matcher field = FIELD.matcher(line.strip());
                if (field.matches()) {
                    builder.startField(field.group(1).toLowerCase(Locale.ROOT), field.group(2).strip());
                }
            }
        }
        builder.closeGroup();
        return builder.groups;
    }

    /** Collects the groups; a value grows in a StringBuilder, as a report may fold one field over thousands of lines. */
    private static final class GroupBuilder {
        final List<ReportFields> groups = new ArrayList<>();
        private final List<NamedValue> fields = new ArrayList<>();
        private String name;
        private final StringBuilder value = new StringBuilder();

        boolean hasField() {
            return name != null;
        }

        void startField(String fieldName, String firstLine) {
            closeField();
            // Some MTAs leave out the blank line between recipients: a second recipient field starts a new group.
            if ((fieldName.equals("final-recipient") || fieldName.equals("original-recipient"))
                && fields.stream().anyMatch(existing -> existing.name().equals(fieldName))) {
                closeGroup();
            }
            name = fieldName;
            value.append(firstLine);
        }

        void continueValue(String line) {
            value.append(' ').append(line);
        }

        void closeGroup() {
            closeField();
            if (!fields.isEmpty()) {
                groups.add(new ReportFields(fields));
                fields.clear();
            }
        }

        private void closeField() {
            if (name != null) {
                fields.add(new NamedValue(name, value.toString().strip()));
                name = null;
                value.setLength(0);
            }
        }
    }

    Optional<String> first(String name) {
        return fields.stream().filter(field -> field.name().equals(name)).map(NamedValue::value)
            .filter(value -> !value.isEmpty()).findFirst();
    }

    List<String> all(String name) {
        return fields.stream().filter(field -> field.name().equals(name)).map(NamedValue::value)
            .filter(value -> !value.isEmpty()).toList();
    }

    boolean has(String name) {
        return first(name).isPresent();
    }

    /** A typed value without its type: {@code rfc822; a@b} → {@code a@b}. */
    Optional<String> typed(String name) {
        return first(name).map(ReportFields::withoutType).filter(value -> !value.isEmpty());
    }

    static String withoutType(String value) {
        Matcher typed = TYPED_VALUE.matcher(value);
        return (typed.matches() ? typed.group(1) : value).strip();
    }
}
