package org.helpdeskmail.smtp;

import java.util.Locale;
import java.util.Optional;

import org.apache.commons.configuration2.Configuration;
import org.apache.james.core.MailAddress;
import org.apache.james.core.MaybeSender;
import org.apache.james.jspf.executor.SPFResult;
import org.apache.james.jspf.core.DNSServiceEnabled;
import org.apache.james.jspf.core.MacroExpand;
import org.apache.james.jspf.core.MacroExpandEnabled;
import org.apache.james.jspf.core.SPFCheckEnabled;
import org.apache.james.jspf.executor.SynchronousSPFExecutor;
import org.apache.james.jspf.impl.DNSServiceXBillImpl;
import org.apache.james.jspf.impl.DefaultTermsFactory;
import org.apache.james.jspf.parser.RFC4408SPF1Parser;
import org.apache.james.jspf.wiring.WiringServiceTable;
import org.apache.james.jspf.impl.SPF;
import org.apache.james.protocols.api.ProtocolSession;
import org.apache.james.protocols.smtp.SMTPSession;
import org.apache.james.protocols.smtp.hook.HookResult;
import org.apache.james.protocols.smtp.hook.HookReturnCode;
import org.apache.james.protocols.smtp.hook.MailHook;
import org.apache.james.protocols.smtp.hook.RcptHook;
import org.apache.james.smtpserver.JamesMessageHook;
import org.apache.mailet.Attribute;
import org.apache.mailet.AttributeValue;
import org.apache.mailet.Mail;
import org.xbill.DNS.Lookup;
import org.xbill.DNS.Resolver;
import org.helpdeskmail.clients.MailAttributes;

/**
 * SPF (RFC 7208) with James's jSPF, evaluated once at MAIL FROM for the envelope sender (for the
 * HELO name when the sender is null) and enforced at RCPT, so that a refusal reaches the sending
 * server instead of becoming backscatter. The verdict is kept on the mail
 * ({@code helpdesk.auth.spf}, {@code helpdesk.auth.spf.domain}) for DMARC, the
 * Authentication-Results header and the webhook. (James's own SPFHandler does not work in 3.8.1.)
 *
 * <pre>{@code
 * <handler class="org.helpdeskmail.smtp.SpfCheck">
 *     <rejectOnFail>true</rejectOnFail>             <!-- fail: 550 5.7.23 at RCPT -->
 *     <tempFailOnTempError>true</tempFailOnTempError> <!-- temperror: 451 4.7.24 -->
 * </handler>
 * }</pre>
 */
public class SpfCheck implements MailHook, RcptHook, JamesMessageHook {
    static final ProtocolSession.AttachmentKey<SpfVerdict> VERDICT = ProtocolSession.AttachmentKey.of("helpdesk.spf", SpfVerdict.class);

    /** @param domain the domain whose policy was evaluated: the sender's, or the HELO name's */
    public record SpfVerdict(String result, String domain, String clientAddress, String explanation) {
    }

    // Created on first use: jSPF looks up through dnsjava's default resolver, which the server's DNS
    // service sets (with the configured servers and ports) only once it has started.
    private volatile SPF spf;
    private boolean rejectOnFail = true;
    private boolean tempFailOnTempError = true;

    @Override
    public void init(Configuration configuration) {
        rejectOnFail = configuration.getBoolean("rejectOnFail", true);
        tempFailOnTempError = configuration.getBoolean("tempFailOnTempError", true);
    }

    @Override
    public HookResult doMail(SMTPSession session, MaybeSender sender) {
        String clientAddress = session.getRemoteAddress().getAddress().getHostAddress();
        String helo = session.getAttachment(SMTPSession.CURRENT_HELO_NAME, ProtocolSession.State.Connection).orElse("");
        String mailFrom = sender.asOptional().map(MailAddress::asString).orElse("");
        SPFResult result = spf().checkSPF(clientAddress, mailFrom, helo);
        String domain = sender.asOptional().map(address -> address.getDomain().asString()).orElse(helo);
        session.setAttachment(VERDICT, new SpfVerdict(result.getResult().toLowerCase(Locale.ROOT), domain.toLowerCase(Locale.ROOT),
            clientAddress, Optional.ofNullable(result.getExplanation()).orElse("")), ProtocolSession.State.Transaction);
        return HookResult.DECLINED;
    }

    @Override
    public HookResult doRcpt(SMTPSession session, MaybeSender sender, MailAddress recipient) {
        Optional<SpfVerdict> verdict = verdict(session);
        if (verdict.isEmpty()) {
            return HookResult.DECLINED;
        }
        String result = verdict.get().result();
        if (rejectOnFail && result.equals("fail")) {
            return HookResult.builder()
                .hookReturnCode(HookReturnCode.deny())
                .smtpReturnCode("550")
                .smtpDescription("5.7.23 SPF: " + verdict.get().domain() + " does not allow " + verdict.get().clientAddress()
                    + " to send its mail")
                .build();
        }
        if (tempFailOnTempError && result.equals("temperror")) {
            return HookResult.builder()
                .hookReturnCode(HookReturnCode.denySoft())
                .smtpReturnCode("451")
                .smtpDescription("4.7.24 SPF: temporary DNS error for " + verdict.get().domain() + ", try again later")
                .build();
        }
        return HookResult.DECLINED;
    }

    @Override
    public HookResult onMessage(SMTPSession session, Mail mail) {
        verdict(session).ifPresent(verdict -> {
            mail.setAttribute(new Attribute(MailAttributes.SPF_RESULT, AttributeValue.of(verdict.result())));
            mail.setAttribute(new Attribute(MailAttributes.SPF_DOMAIN, AttributeValue.of(verdict.domain())));
        });
        return HookResult.DECLINED;
    }

    private SPF spf() {
        SPF current = spf;
        if (current == null) {
            synchronized (this) {
                if (spf == null) {
                    spf = synchronousSpf(Lookup.getDefaultResolver());
                }
                current = spf;
            }
        }
        return current;
    }

    /**
     * jSPF's default wiring, but with its synchronous executor: the asynchronous one resolves through
     * a dnsjava LookupSession on the system's resolvers instead of the resolver the server configured,
     * and stops after the first query of a chain.
     */
    private static SPF synchronousSpf(Resolver resolver) {
        DNSServiceXBillImpl dns = new DNSServiceXBillImpl(resolver);
        WiringServiceTable wiring = new WiringServiceTable();
        wiring.put(DNSServiceEnabled.class, dns);
        MacroExpand macroExpand = new MacroExpand(dns);
        wiring.put(MacroExpandEnabled.class, macroExpand);
        SPF spf = new SPF(dns, new RFC4408SPF1Parser(new DefaultTermsFactory(wiring)), macroExpand, new SynchronousSPFExecutor(dns));
        wiring.put(SPFCheckEnabled.class, spf);
        return spf;
    }

    static Optional<SpfVerdict> verdict(SMTPSession session) {
        return session.getAttachment(VERDICT, ProtocolSession.State.Transaction);
    }
}
