package org.helpdeskmail.clients.tls;

/**
 * How delivery may use one MX host of a recipient domain.
 *
 * @param mxHost the MX host name, as given
 * @param policy the TLS policy to apply to this host (see {@link #enforcedPolicy()} for report-only decisions)
 * @param usable whether this MX may be tried at all; when no MX is usable the mail is deferred
 * @param reason why, for the delivery log, e.g. {@code mta-sts enforce: mx.bad.example not in policy [mx.example.com]}
 * @param reportOnly MTA-STS {@code testing}: check as {@code policy} says and log failures, but deliver as {@link TlsPolicy#MAY}
 */
public record MxTlsDecision(String mxHost, TlsPolicy policy, boolean usable, String reason, boolean reportOnly) {
    /** The policy that decides whether to deliver: {@link TlsPolicy#MAY} when report-only, else {@link #policy()}. */
    public TlsPolicy enforcedPolicy() {
        return reportOnly ? TlsPolicy.MAY : policy;
    }
}
