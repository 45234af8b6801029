package org.helpdeskmail.clients.tls;

import java.util.List;
import java.util.Optional;

/**
 * Decides how delivery to a recipient domain uses TLS, per MX host, in this order:
 * <ol>
 * <li>the {@link TlsPolicyTable} entry of the domain, when there is one, for every MX host
 *     (MTA-STS is then not even looked up);</li>
 * <li>the domain's MTA-STS policy (RFC 8461 §5): {@code enforce} makes the MX hosts that match the
 *     policy {@link TlsPolicy#VERIFY} and the others unusable; {@code testing} checks the same way but
 *     only reports (delivery goes on as {@link TlsPolicy#MAY}); {@code none} is as no policy;</li>
 * <li>the default policy ({@link TlsPolicy#MAY}: STARTTLS whenever offered).</li>
 * </ol>
 *
 * <pre>{@code
 * DeliveryTlsPlanner planner = new DeliveryTlsPlanner(table, resolver, TlsPolicy.MAY);
 * DeliveryTlsPlan plan = planner.plan("example.com", List.of("mx1.example.com", "mx2.example.com"));
 * if (plan.usable().isEmpty()) { defer with plan.describe() }
 * for (MxTlsDecision mx : plan.usable()) { connect; mx.enforcedPolicy() decides; if mx.reportOnly() log failures of mx.policy() }
 * }</pre>
 */
public final class DeliveryTlsPlanner {
    public static final String SOURCE_TABLE = "table";
    public static final String SOURCE_MTA_STS = "mta-sts";
    public static final String SOURCE_DEFAULT = "default";

    private final TlsPolicyTable table;
    private final MtaStsResolver mtaSts;
    private final TlsPolicy defaultPolicy;

    public DeliveryTlsPlanner(TlsPolicyTable table, MtaStsResolver mtaSts, TlsPolicy defaultPolicy) {
        this.table = table;
        this.mtaSts = mtaSts;
        this.defaultPolicy = defaultPolicy;
    }

    /** The decisions for {@code domain} and its MX host names, in the order given. */
    public DeliveryTlsPlan plan(String domain, List<String> mxHosts) {
        Optional<TlsPolicy> fromTable = table.policyFor(domain);
        if (fromTable.isPresent()) {
            String reason = "tls policy table: " + fromTable.get().configurationName();
            return new DeliveryTlsPlan(domain, mxHosts.stream()
                    .map(mx -> new MxTlsDecision(mx, fromTable.get(), true, reason, false))
                    .toList(), SOURCE_TABLE, Optional.empty());
        }
        Optional<MtaStsPolicy> policy = mtaSts.policyFor(domain);
        if (policy.isEmpty() || policy.get().mode() == MtaStsPolicy.Mode.NONE) {
            String reason = policy.isEmpty() ? "no mta-sts policy" : "mta-sts mode none";
            return new DeliveryTlsPlan(domain, mxHosts.stream()
                    .map(mx -> new MxTlsDecision(mx, defaultPolicy, true, reason, false))
                    .toList(), SOURCE_DEFAULT, policy);
        }
        MtaStsPolicy sts = policy.get();
        boolean testing = sts.mode() == MtaStsPolicy.Mode.TESTING;
        String mode = testing ? "mta-sts testing: " : "mta-sts enforce: ";
        return new DeliveryTlsPlan(domain, mxHosts.stream()
                .map(mx -> {
                    boolean matches = sts.matchesMx(mx);
                    String reason = mode + mx + (matches ? " matches policy " : " not in policy ") + sts.mx()
                            + " (id " + sts.id() + ")";
                    return new MxTlsDecision(mx, TlsPolicy.VERIFY, matches || testing, reason, testing);
                })
                .toList(), SOURCE_MTA_STS, policy);
    }
}
