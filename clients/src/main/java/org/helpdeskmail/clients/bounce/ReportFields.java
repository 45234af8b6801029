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
        List<ReportFields> groups = new ArrayList<>();
        List<NamedValue> current = new ArrayList<>();
        for (String line : body.split("\n")) {
            if (line.isBlank()) {
                close(groups, current);
                continue;
            }
            if ((line.startsWith(" ") || line.startsWith("\t")) && !current.isEmpty()) {
                NamedValue last = current.remove(current.size() - 1);
                current.add(new NamedValue(last.name(), last.value() + " " + line.strip()));
                continue;
            }
            Matcher field = FIELD.matcher(line.strip());
            if (!field.matches()) {
                continue;
            }
            String name = field.group(1).toLowerCase(Locale.ROOT);
            // Some MTAs leave out the blank line between recipients: a second recipient field starts a new group.
            if ((name.equals("final-recipient") || name.equals("original-recipient"))
                && current.stream().anyMatch(existing -> existing.name().equals(name))) {
                close(groups, current);
            }
            current.add(new NamedValue(name, field.group(2).strip()));
        }
        close(groups, current);
        return groups;
    }

    private static void close(List<ReportFields> groups, List<NamedValue> current) {
        if (!current.isEmpty()) {
            groups.add(new ReportFields(current));
            current.clear();
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
