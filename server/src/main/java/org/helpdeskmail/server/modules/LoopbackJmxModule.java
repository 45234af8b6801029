package org.helpdeskmail.server.modules;

import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.List;

import javax.annotation.PreDestroy;
import javax.inject.Inject;
import javax.inject.Singleton;
import javax.management.MBeanServer;
import javax.management.ObjectName;

import org.apache.commons.configuration2.Configuration;
import org.apache.james.domainlist.api.DomainListManagementMBean;
import org.apache.james.domainlist.lib.DomainListManagement;
import org.apache.james.filesystem.api.JamesDirectoriesProvider;
import org.apache.james.lifecycle.api.Startable;
import org.apache.james.rrt.api.RecipientRewriteTableManagementMBean;
import org.apache.james.rrt.lib.RecipientRewriteTableManagement;
import org.apache.james.user.api.UsersRepositoryManagementMBean;
import org.apache.james.user.lib.UsersRepositoryManagement;
import org.apache.james.utils.InitializationOperation;
import org.apache.james.utils.InitilizationOperationBuilder;
import org.apache.james.utils.PropertiesProvider;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.google.inject.AbstractModule;
import com.google.inject.Scopes;
import com.google.inject.multibindings.ProvidesIntoSet;

/**
 * JMX for {@code bin/james-cli} (domains, users, address mappings) without James's mailbox MBeans,
 * on the loopback address of jmx.properties only.
 */
public class LoopbackJmxModule extends AbstractModule {
    static final String DOMAIN_LIST = "org.apache.james:type=component,name=domainlist";
    static final String USERS_REPOSITORY = "org.apache.james:type=component,name=usersrepository";
    static final String RECIPIENT_REWRITE_TABLE = "org.apache.james:type=component,name=recipientrewritetable";

    @Override
    protected void configure() {
        bind(JmxEndpoint.class).in(Scopes.SINGLETON);
        bind(DomainListManagementMBean.class).to(DomainListManagement.class);
        bind(UsersRepositoryManagementMBean.class).to(UsersRepositoryManagement.class);
        bind(RecipientRewriteTableManagementMBean.class).to(RecipientRewriteTableManagement.class);
    }

    @ProvidesIntoSet
    InitializationOperation startJmx(JmxEndpoint endpoint) {
        return InitilizationOperationBuilder.forClass(JmxEndpoint.class).init(endpoint::start);
    }

    @Singleton
    public static class JmxEndpoint implements Startable {
        private static final Logger LOGGER = LoggerFactory.getLogger(JmxEndpoint.class);

        private final PropertiesProvider propertiesProvider;
        private final JamesDirectoriesProvider directories;
        private final List<Registration> registrations;
        private LoopbackJmxServer server;

        record Registration(String name, Object bean) {
        }

        @Inject
        JmxEndpoint(PropertiesProvider propertiesProvider, JamesDirectoriesProvider directories,
                    DomainListManagementMBean domainList, UsersRepositoryManagementMBean users,
                    RecipientRewriteTableManagementMBean recipientRewriteTable) {
            this.propertiesProvider = propertiesProvider;
            this.directories = directories;
            this.registrations = List.of(new Registration(DOMAIN_LIST, domainList),
                new Registration(USERS_REPOSITORY, users),
                new Registration(RECIPIENT_REWRITE_TABLE, recipientRewriteTable));
        }

        void start() throws Exception {
            Configuration configuration = propertiesProvider.getConfiguration("jmx");
            if (!configuration.getBoolean("jmx.enabled", true)) {
                LOGGER.info("JMX is off (jmx.properties: jmx.enabled=false): bin/james-cli will not connect");
                return;
            }
            MBeanServer mbeans = ManagementFactory.getPlatformMBeanServer();
            for (Registration registration : registrations) {
                ObjectName name = new ObjectName(registration.name());
                if (!mbeans.isRegistered(name)) {
                    mbeans.registerMBean(registration.bean(), name);
                }
            }
            String host = configuration.getString("jmx.address", "127.0.0.1");
            int port = configuration.getInt("jmx.port");
            Path credentials = Path.of(directories.getVarDirectory()).resolve(JmxCredentials.DIRECTORY);
            server = LoopbackJmxServer.start(host, port, credentials.resolve(JmxCredentials.PASSWORD_FILE),
                credentials.resolve(JmxCredentials.ACCESS_FILE));
            LOGGER.info("JMX (james-cli) listening on {}:{}", host, port);
        }

        @PreDestroy
        public void stop() throws Exception {
            if (server != null) {
                server.close();
                server = null;
            }
            MBeanServer mbeans = ManagementFactory.getPlatformMBeanServer();
            for (Registration registration : registrations) {
                ObjectName name = new ObjectName(registration.name());
                if (mbeans.isRegistered(name)) {
                    mbeans.unregisterMBean(name);
                }
            }
        }
    }
}
