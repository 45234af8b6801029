package org.helpdeskmail.server.modules;

import javax.inject.Singleton;
import javax.sql.DataSource;

import org.apache.commons.configuration2.Configuration;
import org.apache.commons.dbcp2.BasicDataSource;
import org.apache.james.utils.PropertiesProvider;
import org.helpdeskmail.clients.GreylistStore;
import org.helpdeskmail.clients.JdbcGreylistStore;

import com.google.inject.AbstractModule;
import com.google.inject.Provides;

/**
 * The greylisting triplets, in the database of james-database.properties (embedded Derby under
 * var/derby/ by default; PostgreSQL when several nodes must share them), through a small pool of
 * its own next to OpenJPA's.
 */
public class GreylistStoreModule extends AbstractModule {
    private static final int POOL_SIZE = 8;

    @Override
    protected void configure() {
        bind(GreylistStore.class).to(JdbcGreylistStore.class);
        bind(JdbcGreylistStore.class).in(com.google.inject.Scopes.SINGLETON);
    }

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
