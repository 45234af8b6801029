package org.helpdeskmail.server.modules;

import javax.inject.Singleton;
import javax.sql.DataSource;

import org.apache.commons.configuration2.Configuration;
import org.apache.commons.dbcp2.BasicDataSource;
import org.apache.james.utils.PropertiesProvider;

import com.google.inject.AbstractModule;
import com.google.inject.Provides;

/**
 * The database of our small stores (greylist, suppression list, ticket threads): the one of
 * james-database.properties (embedded Derby under var/derby/ by default; PostgreSQL when several
 * nodes must share them), through one small pool of connections next to OpenJPA's.
 */
public class HelpdeskDatabaseModule extends AbstractModule {
    // The SMTP handlers (greylisting at RCPT) and the spooler and delivery threads (suppression,
    // ticket threads) each hold a connection for one short statement at a time.
    private static final int POOL_SIZE = 16;

    @Provides
    @Singleton
    DataSource dataSource(PropertiesProvider propertiesProvider) throws Exception {
        Configuration database = propertiesProvider.getConfiguration("james-database");
        BasicDataSource dataSource = new BasicDataSource();
        dataSource.setDriverClassName(database.getString("database.driverClassName"));
        dataSource.setUrl(database.getString("database.url"));
        dataSource.setUsername(database.getString("database.username", null));
        dataSource.setPassword(database.getString("database.password", null));
        dataSource.setMaxTotal(POOL_SIZE);
        return dataSource;
    }
}
