package org.helpdeskmail.server.modules;

import org.helpdeskmail.clients.GreylistStore;
import org.helpdeskmail.clients.JdbcGreylistStore;

import com.google.inject.AbstractModule;
import com.google.inject.Scopes;

/** The greylisting triplets, in the database of {@link HelpdeskDatabaseModule}. */
public class GreylistStoreModule extends AbstractModule {

    @Override
    protected void configure() {
        bind(GreylistStore.class).to(JdbcGreylistStore.class);
        bind(JdbcGreylistStore.class).in(Scopes.SINGLETON);
    }
}
