package org.helpdeskmail.server.modules;

import java.time.Clock;
import java.time.Duration;

import javax.inject.Singleton;
import javax.sql.DataSource;

import org.apache.commons.configuration2.Configuration;
import org.apache.james.util.DurationParser;
import org.apache.james.utils.PropertiesProvider;
import org.helpdeskmail.clients.HelpdeskSettings;
import org.helpdeskmail.clients.outbound.BounceAddresses;
import org.helpdeskmail.clients.outbound.ReturnPaths;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.google.inject.AbstractModule;
import com.google.inject.Provides;

/**
 * The VERP return paths of outbound mail: {@code bounce.domain} and {@code bounce.prefix} of
 * helpdesk.properties (default {@code bounces+<token>@<first helpdesk domain>}), signed with the
 * webhook secret and kept in the database for {@code bounce.keep} so late bounces still find their
 * recipient.
 */
public class OutboundDeliveryModule extends AbstractModule {
    private static final Logger LOGGER = LoggerFactory.getLogger(OutboundDeliveryModule.class);

    @Provides
    @Singleton
    BounceAddresses bounceAddresses(PropertiesProvider propertiesProvider, HelpdeskSettings settings) throws Exception {
        Configuration helpdesk = propertiesProvider.getConfiguration("helpdesk");
        String domain = helpdesk.getString("bounce.domain", "").trim();
        return new BounceAddresses(domain.isEmpty() ? settings.domains().get(0) : domain,
            helpdesk.getString("bounce.prefix", BounceAddresses.DEFAULT_PREFIX).trim());
    }

    @Provides
    @Singleton
    ReturnPaths returnPaths(DataSource dataSource, BounceAddresses addresses, HelpdeskSettings settings, Clock clock,
                            PropertiesProvider propertiesProvider) throws Exception {
        String secret = settings.webhookSecret().orElseThrow(() -> new IllegalStateException("no webhook secret to sign return paths"));
        ReturnPaths returnPaths = new ReturnPaths(dataSource, addresses, secret, clock);
        Duration keep = DurationParser.parse(
            propertiesProvider.getConfiguration("helpdesk").getString("bounce.keep", "30 days"));
        int purged = returnPaths.purgeOlderThan(keep);
        LOGGER.info("return paths bounces+<token>@{}; {} older than {} forgotten", addresses.domain(), purged, keep);
        return returnPaths;
    }
}
