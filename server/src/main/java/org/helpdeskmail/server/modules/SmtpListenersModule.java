package org.helpdeskmail.server.modules;

import org.apache.james.smtpserver.netty.SMTPServerFactory;
import org.helpdeskmail.server.smtp.HelpdeskSmtpServerFactory;

import com.google.inject.AbstractModule;
import com.google.inject.Scopes;

/**
 * The SMTP listeners of smtpserver.xml as {@link org.helpdeskmail.server.smtp.HelpdeskSmtpServer}s
 * (our line framing and timeouts); overrides James's SMTPServerModule binding.
 */
public class SmtpListenersModule extends AbstractModule {
    @Override
    protected void configure() {
        bind(HelpdeskSmtpServerFactory.class).in(Scopes.SINGLETON);
        bind(SMTPServerFactory.class).to(HelpdeskSmtpServerFactory.class);
    }
}
