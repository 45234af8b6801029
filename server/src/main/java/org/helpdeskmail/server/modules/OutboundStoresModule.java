package org.helpdeskmail.server.modules;

import org.apache.james.webadmin.Routes;
import org.helpdeskmail.clients.JdbcSuppressionList;
import org.helpdeskmail.clients.JdbcTicketThreads;
import org.helpdeskmail.clients.SuppressionList;
import org.helpdeskmail.clients.TicketThreads;
import org.helpdeskmail.server.webadmin.SuppressionRoutes;

import com.google.inject.AbstractModule;
import com.google.inject.Scopes;
import com.google.inject.multibindings.Multibinder;

/**
 * The stores of the outbound path, in the database of {@link HelpdeskDatabaseModule}: the
 * suppression list (with its webadmin routes) and the ticket threads of the app's notifications.
 */
public class OutboundStoresModule extends AbstractModule {

    @Override
    protected void configure() {
        bind(SuppressionList.class).to(JdbcSuppressionList.class);
        bind(JdbcSuppressionList.class).in(Scopes.SINGLETON);
        bind(TicketThreads.class).to(JdbcTicketThreads.class);
        bind(JdbcTicketThreads.class).in(Scopes.SINGLETON);

        Multibinder.newSetBinder(binder(), Routes.class).addBinding().to(SuppressionRoutes.class);
    }
}
