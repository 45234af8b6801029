package org.helpdeskmail.mailets.delivery;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import javax.net.ssl.SSLException;
import javax.net.ssl.SSLSocketFactory;

import org.apache.james.core.MailAddress;
import org.helpdeskmail.clients.smtp.SmtpConnection;
import org.helpdeskmail.clients.smtp.SmtpConnection.TlsSession;
import org.helpdeskmail.clients.smtp.SmtpReply;
import org.helpdeskmail.clients.tls.MxTlsDecision;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One SMTP session with one address of one MX host: EHLO, STARTTLS as the host's
 * {@link MxTlsDecision} says, then one transaction per recipient, because each recipient has
 * its own VERP return path. It reports either every recipient's outcome or why the host could not
 * be used at all, in which case the caller tries the next address or MX.
 */
final class MxConversation {
    private static final Logger LOGGER = LoggerFactory.getLogger(MxConversation.class);

    /** How every session is made. {@code handshakeFactory} accepts any chain: the verifier judges it afterwards. */
    record Settings(int port, String heloName, Duration connectTimeout, Duration readTimeout, SSLSocketFactory handshakeFactory,
                    CertificateVerifier verifier) {
    }

    sealed interface Result permits Answered, HostFailed {
    }

    /** The host answered for every recipient (a recipient cut off by a lost connection is deferred). */
    record Answered(List<RecipientOutcome> outcomes, Optional<TlsSession> tls) implements Result {
    }

    /**
     * The host could not take the message.
     *
     * @param tlsHandshake the TLS handshake itself failed: an opportunistic sender may try again in clear
     */
    record HostFailed(RecipientOutcome.Failure failure, boolean tlsHandshake) implements Result {
    }

    private final Settings settings;

    MxConversation(Settings settings) {
        this.settings = settings;
    }

    Result deliver(String mxHost, InetAddress address, MxTlsDecision security, boolean tryTls, List<MailAddress> recipients,
                   OutboundEnvelope envelope) {
        Optional<String> remote = Optional.of(mxHost + " [" + address.getHostAddress() + "]");
        SmtpConnection connection;
        try {
            connection = SmtpConnection.open(new InetSocketAddress(address, settings.port()), Optional.empty(),
                settings.connectTimeout(), settings.readTimeout());
        } catch (IOException e) {
            return hostFailed("4.4.1", "cannot connect to " + remote.get() + ": " + e.getMessage(), remote, Optional.empty());
        }
        Optional<String> source = Optional.of(connection.localAddress().getHostAddress());
        try {
            SmtpReply greeting = connection.greeting();
            if (!greeting.positive()) {
                connection.quit();
                return hostFailed("4.4.2", "greeting of " + remote.get() + ": " + greeting, remote, source);
            }
            SmtpReply hello = connection.hello(settings.heloName());
            if (!hello.positive()) {
                connection.quit();
                return hostFailed("4.4.2", "EHLO at " + remote.get() + ": " + hello, remote, source);
            }
            Optional<HostFailed> refusal = secure(connection, mxHost, security, tryTls, remote, source);
            if (refusal.isPresent()) {
                return refusal.get();
            }
            List<RecipientOutcome> outcomes = transactions(connection, recipients, envelope, remote.get(), source.get());
            connection.quit();
            return new Answered(outcomes, connection.tls());
        } catch (SSLException e) {
            connection.close();
            return new HostFailed(new RecipientOutcome.Failure("4.7.5", "TLS handshake with " + remote.get() + " failed: " + e.getMessage(),
                remote, source), true);
        } catch (IOException e) {
            connection.close();
            return hostFailed("4.4.2", "session with " + remote.get() + " failed: " + e.getMessage(), remote, source);
        }
    }

    /** STARTTLS and the certificate check as the policy asks; the refusal when the host does not meet it. */
    private Optional<HostFailed> secure(SmtpConnection connection, String mxHost, MxTlsDecision security, boolean tryTls,
                                        Optional<String> remote, Optional<String> source) throws IOException {
        boolean offered = connection.supports("STARTTLS");
        if (!(security.policy().usesStartTls() && tryTls && offered)) {
            if (security.policy().requiresTls() && !security.reportOnly()) {
                connection.quit();
                return Optional.of(hostFailed("4.7.10", remote.get() + " offers no STARTTLS and " + security.reason() + " requires TLS", remote, source));
            }
            if (security.policy().requiresTls()) {
                LOGGER.warn("{}: {} offers no STARTTLS; delivering in clear", security.reason(), remote.get());
            }
            return Optional.empty();
        }
        SmtpConnection.StartTlsResult started = connection.startTls(settings.handshakeFactory(), mxHost);
        if (started.session().isEmpty()) {
            if (security.policy().requiresTls() && !security.reportOnly()) {
                connection.quit();
                return Optional.of(hostFailed("4.7.10", remote.get() + " refused STARTTLS (" + started.reply() + ") and "
                    + security.reason() + " requires TLS", remote, source));
            }
            return Optional.empty();
        }
        if (security.policy().verifiesCertificate()) {
            Optional<String> problem = settings.verifier().problem(started.session().get().peerChain(), mxHost);
            if (problem.isPresent() && security.reportOnly()) {
                LOGGER.warn("{}: certificate of {} not valid ({}); delivering anyway", security.reason(), remote.get(), problem.get());
            } else if (problem.isPresent()) {
                connection.quit();
                return Optional.of(hostFailed("4.7.5", "certificate of " + remote.get() + " not valid: " + problem.get()
                    + " (" + security.reason() + ")", remote, source));
            }
        }
        SmtpReply hello = connection.hello(settings.heloName());
        if (!hello.positive()) {
            connection.quit();
            return Optional.of(hostFailed("4.4.2", "EHLO after STARTTLS at " + remote.get() + ": " + hello, remote, source));
        }
        return Optional.empty();
    }

    private List<RecipientOutcome> transactions(SmtpConnection connection, List<MailAddress> recipients, OutboundEnvelope envelope,
                                                String remote, String source) throws IOException {
        List<RecipientOutcome> outcomes = new ArrayList<>();
        for (MailAddress recipient : recipients) {
            try {
                outcomes.add(transaction(connection, recipient, envelope, remote, source));
                if (outcomes.get(outcomes.size() - 1).smtpCode().orElse(0) == 421) {
                    break;
                }
            } catch (IOException e) {
                if (outcomes.isEmpty()) {
                    throw e;
                }
                break;
            }
        }
        // What the host did not answer for (it closed, or said 421) waits for the next attempt.
        for (MailAddress recipient : recipients.subList(outcomes.size(), recipients.size())) {
            outcomes.add(RecipientOutcome.failed(recipient, new RecipientOutcome.Failure("4.4.2",
                "session with " + remote + " ended before this recipient", Optional.of(remote), Optional.of(source))));
        }
        return outcomes;
    }

    private static RecipientOutcome transaction(SmtpConnection connection, MailAddress recipient, OutboundEnvelope envelope, String remote,
                                                String source) throws IOException {
        SmtpReply mailFrom = connection.mailFrom(envelope.returnPath(recipient), envelope.size());
        if (!mailFrom.positive()) {
            resetUnlessClosing(connection, mailFrom);
            return RecipientOutcome.answered(recipient, mailFrom, remote, source);
        }
        SmtpReply rcptTo = connection.recipient(recipient.asString());
        if (!rcptTo.positive()) {
            resetUnlessClosing(connection, rcptTo);
            return RecipientOutcome.answered(recipient, rcptTo, remote, source);
        }
        SmtpReply data = connection.data(envelope.content());
        if (!data.positive()) {
            // A refused DATA leaves the transaction open (Postfix answers the next MAIL with 503 "nested MAIL command").
            resetUnlessClosing(connection, data);
        }
        return RecipientOutcome.answered(recipient, data, remote, source);
    }

    private static void resetUnlessClosing(SmtpConnection connection, SmtpReply reply) {
        if (reply.code() == 421) {
            return;
        }
        try {
            connection.reset();
        } catch (IOException e) {
            // The recipient's answer is known. Closed, not reused: after a timeout a late reply would answer the next command.
            LOGGER.debug("RSET failed after {}: {}", reply, e.getMessage());
            connection.close();
        }
    }

    private static HostFailed hostFailed(String status, String diagnostic, Optional<String> remote, Optional<String> source) {
        return new HostFailed(new RecipientOutcome.Failure(status, diagnostic, remote, source), false);
    }
}
