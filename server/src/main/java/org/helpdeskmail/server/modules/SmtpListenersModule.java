package org.helpdeskmail.server.modules;

import org.apache.james.smtpserver.netty.SMTPServerFactory;
import org.apache.james.utils.GuiceProbe;
import org.helpdeskmail.server.smtp.HelpdeskSmtpServerFactory;
import org.helpdeskmail.server.smtp.SmtpListeners;

import com.google.inject.AbstractModule;
import com.google.inject.Scopes;
import com.google.inject.multibindings.Multibinder;

/**
 * The SMTP listeners of smtpserver.xml as {@link org.helpdeskmail.server.smtp.HelpdeskSmtpServer}s
 * (our line framing and timeouts); overrides James's SMTPServerModule binding.
 */
public class SmtpListenersModule extends AbstractModule {
    @Override
    protected void configure() {
        bind(HelpdeskSmtpServerFactory.class).in(Scopes.SINGLETON);
        bind(SMTPServerFactory.class).to(HelpdeskSmtpServerFactory.class);
        Multibinder<GuiceProbe> probes = Multibinder.newSetBinder(binder(), GuiceProbe.class);
        probes.addBinding().to(SmtpListeners.class);
        // The graceful stop's other half: the mailet container's activity.
        probes.addBinding().to(SpoolActivity.class);
    }
}
