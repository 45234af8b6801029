package org.helpdeskmail.server.modules;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;

import javax.inject.Singleton;

import org.apache.commons.configuration2.Configuration;
import org.apache.james.filesystem.api.JamesDirectoriesProvider;
import org.apache.james.utils.PropertiesProvider;
import org.apache.james.webadmin.Routes;
import org.helpdeskmail.clients.HelpdeskSettings;
import org.helpdeskmail.clients.dkim.DkimKeyStore;
import org.helpdeskmail.server.BadConfigurationException;
import org.helpdeskmail.server.webadmin.DkimKeyRoutes;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.google.inject.AbstractModule;
import com.google.inject.Provides;
import com.google.inject.multibindings.Multibinder;

/**
 * DKIM signing keys: the key store the DkimSign mailet signs with, from helpdesk.properties
 * ({@code dkim.directory}, {@code dkim.defaultDomain}), and its webadmin routes under /dkim/keys.
 * At first start the default domain gets a key, whose DNS record is logged for the operator to publish.
 */
public class DkimModule extends AbstractModule {
    private static final Logger LOGGER = LoggerFactory.getLogger(DkimModule.class);
    private static final String FILE = "helpdesk.properties";
    /** Changes made by hand in the directory are picked up this quickly. */
    private static final Duration RECHECK_INTERVAL = Duration.ofSeconds(2);

    @Override
    protected void configure() {
        Multibinder.newSetBinder(binder(), Routes.class).addBinding().to(DkimKeyRoutes.class);
    }

    @Provides
    @Singleton
    DkimKeyStore keyStore(PropertiesProvider propertiesProvider, HelpdeskSettings settings, JamesDirectoriesProvider directories,
                          Clock clock) throws Exception {
        Configuration helpdesk = propertiesProvider.getConfiguration("helpdesk");
        Path var = Path.of(directories.getVarDirectory());
        Path directory = setting(helpdesk, "dkim.directory").map(var::resolve).orElse(var.resolve("dkim"));
        String defaultDomain = setting(helpdesk, "dkim.defaultDomain").orElse(settings.domains().get(0));
        DkimKeyStore store;
        try {
            store = new DkimKeyStore(directory, defaultDomain, clock, RECHECK_INTERVAL);
        } catch (IllegalArgumentException e) {
            throw new BadConfigurationException(FILE, "dkim.defaultDomain", e.getMessage());
        }
        store.ensureDefaultKey().ifPresent(key -> LOGGER.warn("DKIM: generated the default domain's key {}: publish the TXT record "
            + "{} IN TXT \"{}\" (mail is signed with it from now on)", key, key.dnsName(), key.dnsRecord()));
        LOGGER.info("DKIM: keys in {}, default signing domain {}, {} key(s)", store.directory(), store.defaultDomain(), store.keys().size());
        return store;
    }

    private static Optional<String> setting(Configuration configuration, String key) {
        return Optional.ofNullable(configuration.getString(key, null)).map(String::trim).filter(value -> !value.isEmpty());
    }
}
