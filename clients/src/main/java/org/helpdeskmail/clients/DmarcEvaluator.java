package org.helpdeskmail.clients;

import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.IntSupplier;

import com.google.common.net.InternetDomainName;

/**
 * DMARC (RFC 7489): finds the policy of the From domain (or of its organizational domain, by the
 * public suffix list Guava maintains), checks whether a passing SPF or DKIM identity is aligned with
 * the From domain (relaxed or strict), and says which policy applies, after {@code pct} sampling.
 */
public final class DmarcEvaluator {

    /** Looks up TXT records; throws {@link TemporaryLookupFailure} when the DNS could not answer. */
    @FunctionalInterface
    public interface TxtLookup {
        List<String> lookup(String name) throws TemporaryLookupFailure;
    }

    public static final class TemporaryLookupFailure extends Exception {
        public TemporaryLookupFailure(String message) {
            super(message);
        }
    }

    /** A passing or failing DKIM signature's {@code d=}. */
    public record DkimResult(String domain, String result) {
    }

    /**
     * @param result      pass, fail, none (no policy published), temperror, permerror
     * @param disposition what the policy asks for this message: none, quarantine, reject
     */
    public record Verdict(String result, String disposition, String fromDomain, Optional<String> policyDomain) {
    }

    private final TxtLookup txtLookup;
    private final IntSupplier percentile;

    /** @param percentile a random number in 0..99 for the {@code pct} sampling */
    public DmarcEvaluator(TxtLookup txtLookup, IntSupplier percentile) {
        this.txtLookup = txtLookup;
        this.percentile = percentile;
    }

    public Verdict evaluate(String fromDomain, String spfResult, String spfDomain, List<DkimResult> dkimResults) {
        String from = fromDomain.toLowerCase(Locale.ROOT);
        String organizational = organizationalDomain(from);
        Optional<Map<String, String>> policy;
        String policyDomain = from;
        try {
            policy = record(from);
            if (policy.isEmpty() && !organizational.equals(from)) {
                policy = record(organizational);
                policyDomain = organizational;
            }
        } catch (TemporaryLookupFailure e) {
            return new Verdict("temperror", "none", from, Optional.empty());
        }
        if (policy.isEmpty()) {
            return new Verdict("none", "none", from, Optional.empty());
        }
        Map<String, String> tags = policy.get();
        String requested = tags.getOrDefault("p", "").toLowerCase(Locale.ROOT);
        if (!List.of("none", "quarantine", "reject").contains(requested)) {
            return new Verdict("permerror", "none", from, Optional.of(policyDomain));
        }
        boolean strictSpf = "s".equalsIgnoreCase(tags.get("aspf"));
        boolean strictDkim = "s".equalsIgnoreCase(tags.get("adkim"));
        boolean spfAligned = spfResult.equals("pass") && aligned(spfDomain, from, strictSpf);
        boolean dkimAligned = dkimResults.stream().anyMatch(dkim -> dkim.result().equals("pass") && aligned(dkim.domain(), from, strictDkim));
        if (spfAligned || dkimAligned) {
            return new Verdict("pass", "none", from, Optional.of(policyDomain));
        }
        String disposition = requested;
        if (!policyDomain.equals(from) && tags.containsKey("sp")) {
            disposition = tags.get("sp").toLowerCase(Locale.ROOT);
        }
        if (percentile.getAsInt() >= percent(tags.get("pct"))) {
            // RFC 7489 6.6.4: a message outside the sample gets the next less strict policy.
            disposition = disposition.equals("reject") ? "quarantine" : "none";
        }
        return new Verdict("fail", disposition, from, Optional.of(policyDomain));
    }

    private Optional<Map<String, String>> record(String domain) throws TemporaryLookupFailure {
        List<String> records = txtLookup.lookup("_dmarc." + domain).stream()
            .filter(text -> text.trim().toLowerCase(Locale.ROOT).startsWith("v=dmarc1"))
            .toList();
        // RFC 7489 6.6.3: anything but exactly one record means no policy.
        return records.size() == 1 ? Optional.of(tags(records.get(0))) : Optional.empty();
    }

    static Map<String, String> tags(String record) {
        Map<String, String> tags = new HashMap<>();
        for (String part : record.split(";")) {
            int equals = part.indexOf('=');
            if (equals > 0) {
                tags.put(part.substring(0, equals).trim().toLowerCase(Locale.ROOT), part.substring(equals + 1).trim());
            }
        }
        return tags;
    }

    private static int percent(String value) {
        if (value == null) {
            return 100;
        }
        try {
            return Math.max(0, Math.min(100, Integer.parseInt(value.trim())));
        } catch (NumberFormatException e) {
            return 100;
        }
    }

    private static boolean aligned(String identity, String from, boolean strict) {
        String domain = identity.toLowerCase(Locale.ROOT);
        return strict ? domain.equals(from) : organizationalDomain(domain).equals(organizationalDomain(from));
    }

    public static String organizationalDomain(String domain) {
        try {
            InternetDomainName name = InternetDomainName.from(domain);
            if (name.isUnderPublicSuffix()) {
                return name.topPrivateDomain().toString();
            }
            // The public suffix list's default rule "*": an unlisted TLD is a public suffix of one label.
            List<String> labels = name.parts();
            return labels.size() <= 2 ? domain : String.join(".", labels.subList(labels.size() - 2, labels.size()));
        } catch (IllegalArgumentException | IllegalStateException e) {
            return domain;
        }
    }
}
