package org.helpdeskmail.clients.tls;

import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The {@code _mta-sts.<domain>} TXT record (RFC 8461 §3.1), e.g. {@code v=STSv1; id=20240501T100000;}:
 * it announces a policy and names its version, so a cached policy is fetched again when the id changes.
 */
public record MtaStsRecord(String id) {
    /** §3.1: records that do not begin with the version are not MTA-STS records at all. */
    private static final Pattern VERSION_PREFIX = Pattern.compile("^v=STSv1(?=[ \\t;]|$)");
    private static final Pattern FIELD_DELIMITER = Pattern.compile("[ \\t]*;[ \\t]*");
    private static final Pattern ID = Pattern.compile("[A-Za-z0-9]{1,32}");
    private static final Pattern EXTENSION = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,31}=[\\x21-\\x3A\\x3C\\x3E-\\x7E]+");

    /** The owner name of the record for {@code domain}. */
    public static String recordName(String domain) {
        return "_mta-sts." + HostNames.normalize(domain);
    }

    /**
     * The record among the TXT strings of {@code _mta-sts.<domain>} (one string per record, its
     * character-strings concatenated): records not starting with {@code v=STSv1} are discarded, and
     * unless exactly one remains and it is valid there is no policy (§3.1).
     */
    public static Optional<MtaStsRecord> select(Collection<String> txtRecords) {
        List<String> candidates = txtRecords.stream().filter(text -> VERSION_PREFIX.matcher(text).find()).toList();
        return candidates.size() == 1 ? parse(candidates.get(0)) : Optional.empty();
    }

    /**
     * Parses one record: {@code v=STSv1}, then {@code ;}-separated fields with exactly one
     * {@code id=} of 1 to 32 letters and digits; extension fields are allowed and ignored.
     */
    public static Optional<MtaStsRecord> parse(String text) {
        String[] fields = FIELD_DELIMITER.split(text.strip(), -1);
        if (fields.length < 2 || !fields[0].equals("v=STSv1")) {
            return Optional.empty();
        }
        String id = null;
        for (int index = 1; index < fields.length; index++) {
            String field = fields[index];
            boolean last = index == fields.length - 1;
            if (field.isEmpty() && last) {
                continue;
            }
            if (field.startsWith("id=")) {
                String value = field.substring(3);
                if (id != null || !ID.matcher(value).matches()) {
                    return Optional.empty();
                }
                id = value;
            } else if (!EXTENSION.matcher(field).matches()) {
                return Optional.empty();
            }
        }
        return Optional.ofNullable(id).map(MtaStsRecord::new);
    }
}
