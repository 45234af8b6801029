package org.helpdeskmail.clients.tls;

import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * The TLS decisions for delivering to one recipient domain, one per MX host in the order given.
 *
 * @param domain the recipient domain
 * @param decisions per MX host, in MX preference order as given
 * @param source what decided: {@code table}, {@code mta-sts} or {@code default}
 * @param mtaStsPolicy the MTA-STS policy consulted: empty when the table decided or the domain has none
 */
public record DeliveryTlsPlan(String domain, List<MxTlsDecision> decisions, String source, Optional<MtaStsPolicy> mtaStsPolicy) {
    public DeliveryTlsPlan {
        decisions = List.copyOf(decisions);
    }

    /** The MX hosts that may be tried, in order; empty means defer (never send in clear instead). */
    public List<MxTlsDecision> usable() {
        return decisions.stream().filter(MxTlsDecision::usable).toList();
    }

    /** Whether MTA-STS is in {@code testing} mode for this domain: deliver, but log what enforce would refuse. */
    public boolean mtaStsTesting() {
        return mtaStsPolicy.map(policy -> policy.mode() == MtaStsPolicy.Mode.TESTING).orElse(false);
    }

    /** One line for logs and deferral messages: each MX host with its decision and reason. */
    public String describe() {
        return domain + " (" + source + "): " + decisions.stream()
                .map(decision -> decision.mxHost() + " " + decision.policy().configurationName()
                        + (decision.usable() ? "" : " unusable") + (decision.reportOnly() ? " report-only" : "")
                        + " (" + decision.reason() + ")")
                .collect(Collectors.joining("; "));
    }
}
