package org.helpdeskmail.mailets.delivery;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.stream.Collectors;

import javax.mail.MessagingException;

import org.apache.james.core.MailAddress;
import org.apache.james.dnsservice.api.DNSService;
import org.apache.james.dnsservice.api.TemporaryResolutionException;
import org.helpdeskmail.clients.tls.DeliveryTlsPlan;
import org.helpdeskmail.clients.tls.DeliveryTlsPlanner;
import org.helpdeskmail.clients.tls.MtaStsPolicyFetcher;
import org.helpdeskmail.clients.tls.MtaStsResolver;
import org.helpdeskmail.clients.tls.MxTlsDecision;
import org.helpdeskmail.clients.tls.OutboundTrust;
import org.helpdeskmail.clients.tls.TlsPolicy;
import org.helpdeskmail.clients.tls.TlsPolicyTable;
import org.helpdeskmail.mailets.MailetParameters;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import okhttp3.Dns;

/**
 * Finds where a domain's mail goes and takes it there: MX hosts in preference order (or the
 * configured gateway), their addresses, the transport security each must offer, one
 * {@link MxConversation} after the other until one answers for the recipients.
 */
public final class OutboundTransport {
    private static final Logger LOGGER = LoggerFactory.getLogger(OutboundTransport.class);

    /** A smart host that takes all outbound mail instead of the recipients' MX hosts. */
    private record Gateway(String host, int port) {
    }

    private final DNSService dnsService;
    private final Optional<Gateway> gateway;
    private final TlsPolicyTable policyTable;
    private final DeliveryTlsPlanner planner;
    private final MxConversation direct;
    private final Optional<MxConversation> viaGateway;

    private OutboundTransport(DNSService dnsService, Optional<Gateway> gateway, TlsPolicyTable policyTable, DeliveryTlsPlanner planner,
                              MxConversation direct, Optional<MxConversation> viaGateway) {
        this.dnsService = dnsService;
        this.gateway = gateway;
        this.policyTable = policyTable;
        this.planner = planner;
        this.direct = direct;
        this.viaGateway = viaGateway;
    }

    /** Reads {@code port}, {@code gateway}, {@code heloName}, the timeouts, {@code tlsPolicies}, {@code trustedCertificates}, {@code mtaStsPort}. */
    public static OutboundTransport configure(MailetParameters parameters, DNSService dnsService, Clock clock) throws MessagingException {
        int port = parameters.integer("port", 25, 1, 65_535);
        Optional<Gateway> gateway = gateway(parameters);
        String heloName = parameters.text("heloName", "");
        if (heloName.isEmpty()) {
            heloName = localHostName();
        }
        Duration connectTimeout = parameters.duration("connectTimeout", "30 seconds");
        Duration readTimeout = parameters.duration("readTimeout", "5 minutes");
        TlsPolicyTable policyTable;
        try {
            policyTable = TlsPolicyTable.parse(parameters.text("tlsPolicies", ""));
        } catch (IllegalArgumentException e) {
            throw parameters.bad("tlsPolicies", parameters.text("tlsPolicies", ""), "a TLS policy table: " + e.getMessage());
        }
        String trusted = parameters.text("trustedCertificates", "");
        OutboundTrust trust;
        try {
            trust = OutboundTrust.load(trusted.isEmpty() ? Optional.empty() : Optional.of(Path.of(trusted)));
        } catch (RuntimeException e) {
            throw parameters.bad("trustedCertificates", trusted, "a readable PEM file of CA certificates: " + e.getMessage());
        }
        int mtaStsPort = parameters.integer("mtaStsPort", MtaStsPolicyFetcher.HTTPS_PORT, 1, 65_535);
        Dns dns = host -> List.copyOf(dnsService.getAllByName(host));
        MtaStsResolver mtaSts = new MtaStsResolver(name -> txtRecords(dnsService, name),
            new MtaStsPolicyFetcher(trust.trustManager(), trust.verifyingSocketFactory(), dns, mtaStsPort, MtaStsPolicyFetcher.DEFAULT_TIMEOUT),
            clock);
        CertificateVerifier verifier = (chain, host) -> problem(trust, chain, host);
        MxConversation direct = new MxConversation(new MxConversation.Settings(port, heloName, connectTimeout, readTimeout,
            trust.unverifiedSocketFactory(), verifier));
        String helo = heloName;
        Optional<MxConversation> viaGateway = gateway.map(smartHost -> new MxConversation(new MxConversation.Settings(smartHost.port(),
            helo, connectTimeout, readTimeout, trust.unverifiedSocketFactory(), verifier)));
        return new OutboundTransport(dnsService, gateway, policyTable, new DeliveryTlsPlanner(policyTable, mtaSts, TlsPolicy.MAY), direct,
            viaGateway);
    }

    private static Optional<Gateway> gateway(MailetParameters parameters) throws MessagingException {
        String value = parameters.text("gateway", "");
        if (value.isEmpty()) {
            return Optional.empty();
        }
        int colon = value.lastIndexOf(':');
        try {
            String host = colon < 0 ? value : value.substring(0, colon);
            int port = colon < 0 ? 25 : Integer.parseInt(value.substring(colon + 1));
            if (host.isEmpty() || port < 1 || port > 65_535) {
                throw new NumberFormatException();
            }
            return Optional.of(new Gateway(host, port));
        } catch (NumberFormatException e) {
            throw parameters.bad("gateway", value, "host or host:port");
        }
    }

    private static String localHostName() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            return "localhost";
        }
    }

    private static Collection<String> txtRecords(DNSService dnsService, String name) {
        try {
            // One string per record, its character-strings joined (RFC 7208 3.3 style), without dnsjava's quotes.
            return dnsService.findTXTRecords(name).stream().map(OutboundTransport::unquote).toList();
        } catch (RuntimeException e) {
            LOGGER.debug("TXT lookup of {} failed: {}", name, e.getMessage());
            return List.of();
        }
    }

    private static String unquote(String record) {
        String text = record.strip();
        if (text.length() >= 2 && text.startsWith("\"") && text.endsWith("\"")) {
            return text.substring(1, text.length() - 1).replace("\" \"", "");
        }
        return text;
    }

    private static Optional<String> problem(OutboundTrust trust, List<X509Certificate> chain, String host) {
        if (chain.isEmpty()) {
            return Optional.of("no certificate");
        }
        try {
            trust.trustManager().checkServerTrusted(chain.toArray(X509Certificate[]::new), "UNKNOWN");
        } catch (CertificateException e) {
            return Optional.of("untrusted certificate: " + e.getMessage());
        }
        if (!OutboundTrust.certificateMatches(chain.get(0), host)) {
            return Optional.of("certificate does not name " + host);
        }
        return Optional.empty();
    }

    /** Delivers the message to the recipients of one domain; one outcome per recipient. */
    public List<RecipientOutcome> deliver(String domain, List<MailAddress> recipients, OutboundEnvelope envelope) {
        if (gateway.isPresent()) {
            // The smart host is no MX of the domain: its MTA-STS policy cannot apply, the policy table can.
            String host = gateway.get().host();
            TlsPolicy policy = policyTable.policyFor(domain).orElse(TlsPolicy.MAY);
            return attempt(viaGateway.orElseThrow(), domain,
                List.of(new MxTlsDecision(host, policy, true, "gateway " + host + ", TLS policy " + policy.configurationName(), false)),
                recipients, envelope);
        }
        List<String> hosts;
        try {
            hosts = dnsService.findMXRecords(domain).stream()
                .map(host -> host.endsWith(".") ? host.substring(0, host.length() - 1) : host)
                .map(host -> host.toLowerCase(Locale.ROOT))
                .distinct()
                .toList();
        } catch (TemporaryResolutionException e) {
            return everyone(recipients, RecipientOutcome.Failure.of("4.4.3", "temporary DNS failure looking up the MX of " + domain));
        }
        if (hosts.isEmpty()) {
            return everyone(recipients, RecipientOutcome.Failure.of("5.1.2", domain + " has no MX and no address"));
        }
        if (hosts.size() == 1 && hosts.get(0).isEmpty()) {
            return everyone(recipients, RecipientOutcome.Failure.of("5.1.10", domain + " publishes a null MX: it accepts no mail (RFC 7505)"));
        }
        DeliveryTlsPlan plan = planner.plan(domain, hosts);
        if (plan.source().equals(DeliveryTlsPlanner.SOURCE_MTA_STS)) {
            LOGGER.info("{}", plan.describe());
        }
        return attempt(direct, domain, plan.decisions(), recipients, envelope);
    }

    private List<RecipientOutcome> attempt(MxConversation conversation, String domain, List<MxTlsDecision> decisions,
                                           List<MailAddress> recipients, OutboundEnvelope envelope) {
        RecipientOutcome.Failure last = RecipientOutcome.Failure.of("4.4.4", "no usable MX host for " + domain + ": "
            + decisions.stream().map(MxTlsDecision::reason).collect(Collectors.joining("; ")));
        for (MxTlsDecision decision : decisions) {
            if (!decision.usable()) {
                continue;
            }
            String host = decision.mxHost();
            Collection<InetAddress> addresses;
            try {
                addresses = dnsService.getAllByName(host);
            } catch (UnknownHostException e) {
                last = RecipientOutcome.Failure.of("4.4.4", "MX host " + host + " of " + domain + " has no address");
                continue;
            }
            for (InetAddress address : addresses) {
                MxConversation.Result result = conversation.deliver(host, address, decision, true, recipients, envelope);
                if (result instanceof MxConversation.HostFailed failed && failed.tlsHandshake()
                    && decision.enforcedPolicy().retriesInClearAfterHandshakeFailure()) {
                    LOGGER.info("delivery to {} [{}]: {}; trying again in clear", host, address.getHostAddress(), failed.failure().diagnostic());
                    result = conversation.deliver(host, address, decision, false, recipients, envelope);
                }
                if (result instanceof MxConversation.Answered answered) {
                    log(host, address, answered);
                    return answered.outcomes();
                }
                last = ((MxConversation.HostFailed) result).failure();
                LOGGER.info("delivery to {} [{}] for {} failed: {}", host, address.getHostAddress(), domain, last.diagnostic());
            }
        }
        return everyone(recipients, last);
    }

    private static void log(String host, InetAddress address, MxConversation.Answered answered) {
        String tls = answered.tls().map(session -> session.protocol() + " " + session.cipherSuite()).orElse("no TLS");
        for (RecipientOutcome outcome : answered.outcomes()) {
            LOGGER.info("delivery to {} [{}] ({}) from {} for {}: {} {}", host, address.getHostAddress(), tls,
                outcome.sourceIp().orElse("-"), outcome.recipient().asString(), outcome.kind().name().toLowerCase(Locale.ROOT),
                outcome.diagnostic());
        }
    }

    private static List<RecipientOutcome> everyone(List<MailAddress> recipients, RecipientOutcome.Failure failure) {
        return recipients.stream().map(recipient -> RecipientOutcome.failed(recipient, failure)).toList();
    }
}
