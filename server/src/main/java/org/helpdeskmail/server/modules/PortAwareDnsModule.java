package org.helpdeskmail.server.modules;

import org.apache.james.dnsservice.api.DNSService;
import org.apache.james.dnsservice.dnsjava.DNSJavaService;

import com.google.inject.AbstractModule;
import com.google.inject.Scopes;

/** Replaces James's DNS binding by {@link PortAwareDnsService}; used with {@code overrideWith}. */
public class PortAwareDnsModule extends AbstractModule {
    @Override
    protected void configure() {
        bind(PortAwareDnsService.class).in(Scopes.SINGLETON);
        bind(DNSJavaService.class).to(PortAwareDnsService.class);
        bind(DNSService.class).to(PortAwareDnsService.class);
    }
}
