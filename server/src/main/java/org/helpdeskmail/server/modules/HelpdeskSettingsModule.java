package org.helpdeskmail.server.modules;

import org.helpdeskmail.clients.HelpdeskDomains;
import org.helpdeskmail.clients.HelpdeskSettings;
import org.helpdeskmail.clients.TenantLookup;

import java.time.Clock;

import com.google.inject.AbstractModule;
import com.google.inject.Provides;
import com.google.inject.Singleton;

/** Makes the validated product settings available to hooks and mailets. */
public class HelpdeskSettingsModule extends AbstractModule {
    private final HelpdeskSettings settings;

    public HelpdeskSettingsModule(HelpdeskSettings settings) {
        this.settings = settings;
    }

    @Override
    protected void configure() {
        bind(HelpdeskSettings.class).toInstance(settings);
        bind(HelpdeskDomains.class).toInstance(settings.helpdeskDomains());
    }

    @Provides
    @Singleton
    TenantLookup tenantLookup(Clock clock) {
        return new TenantLookup(settings.tenantLookup(), settings.tenantLookupCache(), clock);
    }
}
