package org.helpdeskmail.server.modules;

import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;

import javax.inject.Singleton;
import javax.persistence.EntityManagerFactory;
import javax.persistence.Persistence;

import org.apache.commons.configuration2.Configuration;
import org.apache.commons.configuration2.ex.ConfigurationException;
import org.apache.james.adapter.mailbox.UserRepositoryAuthorizator;
import org.apache.james.domainlist.api.DomainList;
import org.apache.james.domainlist.jpa.JPADomainList;
import org.apache.james.domainlist.lib.DomainListConfiguration;
import org.apache.james.mailbox.Authorizator;
import org.apache.james.mailrepository.api.MailRepositoryUrlStore;
import org.apache.james.mailrepository.jpa.JPAMailRepositoryUrlStore;
import org.apache.james.rrt.api.AliasReverseResolver;
import org.apache.james.rrt.api.CanSendFrom;
import org.apache.james.rrt.api.RecipientRewriteTable;
import org.apache.james.rrt.jpa.JPARecipientRewriteTable;
import org.apache.james.rrt.lib.AliasReverseResolverImpl;
import org.apache.james.rrt.lib.CanSendFromImpl;
import org.apache.james.server.core.configuration.ConfigurationProvider;
import org.apache.james.user.api.UsersRepository;
import org.apache.james.user.jpa.JPAUsersRepository;
import org.apache.james.utils.InitializationOperation;
import org.apache.james.utils.InitilizationOperationBuilder;
import org.apache.james.utils.PropertiesProvider;
import org.apache.james.domainlist.lib.DomainListConfiguration;

import com.google.inject.AbstractModule;
import com.google.inject.Provides;
import com.google.inject.Scopes;
import com.google.inject.multibindings.ProvidesIntoSet;

/**
 * Domains, submission users, address mappings and the index of mail repositories, persisted with
 * JPA (OpenJPA) in the database of james-database.properties: embedded Derby under var/derby/ by
 * default, PostgreSQL when several nodes share them.
 */
public class JpaStorageModule extends AbstractModule {
    private static final String PERSISTENCE_UNIT = "Global";

    @Override
    protected void configure() {
        bind(JPADomainList.class).in(Scopes.SINGLETON);
        bind(DomainList.class).to(JPADomainList.class);

        bind(JPARecipientRewriteTable.class).in(Scopes.SINGLETON);
        bind(RecipientRewriteTable.class).to(JPARecipientRewriteTable.class);
        bind(AliasReverseResolverImpl.class).in(Scopes.SINGLETON);
        bind(AliasReverseResolver.class).to(AliasReverseResolverImpl.class);
        bind(CanSendFromImpl.class).in(Scopes.SINGLETON);
        bind(CanSendFrom.class).to(CanSendFromImpl.class);

        bind(JPAUsersRepository.class).in(Scopes.SINGLETON);
        bind(UsersRepository.class).to(JPAUsersRepository.class);
        bind(Authorizator.class).to(UserRepositoryAuthorizator.class);

        bind(JPAMailRepositoryUrlStore.class).in(Scopes.SINGLETON);
        bind(MailRepositoryUrlStore.class).to(JPAMailRepositoryUrlStore.class);
    }

    @Provides
    @Singleton
    EntityManagerFactory entityManagerFactory(PropertiesProvider propertiesProvider) throws Exception {
        Configuration database = propertiesProvider.getConfiguration("james-database");
        Map<String, String> properties = new HashMap<>();
        properties.put("openjpa.ConnectionDriverName", required(database, "database.driverClassName"));
        properties.put("openjpa.ConnectionURL", required(database, "database.url"));
        properties.put("openjpa.ConnectionUserName", database.getString("database.username", ""));
        properties.put("openjpa.ConnectionPassword", database.getString("database.password", ""));
        properties.putAll(withPrefix(database, "openjpa."));
        StringBuilder connectionProperties = new StringBuilder();
        Iterator<String> keys = database.getKeys("datasource");
        while (keys.hasNext()) {
            String key = keys.next();
            if (connectionProperties.length() > 0) {
                connectionProperties.append(',');
            }
            connectionProperties.append(capitalized(key.substring("datasource.".length()))).append('=').append(database.getString(key));
        }
        properties.put("openjpa.ConnectionProperties", connectionProperties.toString());
        return Persistence.createEntityManagerFactory(PERSISTENCE_UNIT, properties);
    }

    private static String required(Configuration configuration, String key) throws ConfigurationException {
        String value = configuration.getString(key, null);
        if (value == null || value.isBlank()) {
            throw new ConfigurationException("james-database.properties: " + key + " is missing");
        }
        return value;
    }

    private static Map<String, String> withPrefix(Configuration configuration, String prefix) {
        Map<String, String> properties = new HashMap<>();
        configuration.getKeys().forEachRemaining(key -> {
            if (key.startsWith(prefix)) {
                properties.put(key, configuration.getString(key));
            }
        });
        return properties;
    }

    private static String capitalized(String key) {
        // DBCP's property names (maxTotal) are spelled MaxTotal in OpenJPA's ConnectionProperties.
        return Character.toUpperCase(key.charAt(0)) + key.substring(1);
    }

    @ProvidesIntoSet
    InitializationOperation configureDomainList(DomainListConfiguration configuration, JPADomainList domainList) {
        return InitilizationOperationBuilder
            .forClass(JPADomainList.class)
            .init(() -> {
                domainList.configure(configuration);
                for (var domain : configuration.getConfiguredDomains()) {
                    if (!domainList.containsDomain(domain)) {
                        domainList.addDomain(domain);
                    }
                }
            });
    }

    @ProvidesIntoSet
    InitializationOperation configureRecipientRewriteTable(ConfigurationProvider configurationProvider, JPARecipientRewriteTable table) {
        return InitilizationOperationBuilder
            .forClass(JPARecipientRewriteTable.class)
            .init(() -> table.configure(configurationProvider.getConfiguration("recipientrewritetable")));
    }

    @ProvidesIntoSet
    InitializationOperation configureUsersRepository(ConfigurationProvider configurationProvider, JPAUsersRepository repository) {
        return InitilizationOperationBuilder
            .forClass(JPAUsersRepository.class)
            .init(() -> {
                repository.configure(configurationProvider.getConfiguration("usersrepository"));
                repository.init();
            });
    }
}
