package org.helpdeskmail.server.modules;

import java.io.File;
import java.io.IOException;

import javax.annotation.PreDestroy;
import javax.inject.Inject;
import javax.jms.ConnectionFactory;

import org.apache.activemq.ActiveMQConnectionFactory;
import org.apache.activemq.ActiveMQPrefetchPolicy;
import org.apache.activemq.broker.BrokerPlugin;
import org.apache.activemq.broker.BrokerService;
import org.apache.activemq.broker.jmx.ManagementContext;
import org.apache.activemq.plugin.StatisticsBrokerPlugin;
import org.apache.activemq.store.kahadb.KahaDBPersistenceAdapter;
import org.apache.james.filesystem.api.FileSystem;
import org.apache.james.queue.activemq.FileSystemBlobTransferPolicy;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The embedded ActiveMQ broker of the mail queues, reachable only inside this JVM ({@code vm://}):
 * James's EmbeddedActiveMQ also opens an unauthenticated OpenWire port ({@code tcp://localhost:0})
 * that nothing needs and through which any local user could put mail into the queue. Same stores as
 * James's (KahaDB journal under var/store/activemq/brokers, message bodies as blob files under
 * var/store/activemq/blob-transfer), so a queue written by an earlier version is read as it was.
 */
public final class InJvmBroker {
    private static final Logger LOGGER = LoggerFactory.getLogger(InJvmBroker.class);
    static final String BROKER_NAME = "james";
    private static final String KAHADB_LOCATION = "file://var/store/activemq/brokers/KahaDB";
    private static final String BROKERS_LOCATION = "file://var/store/activemq/brokers";
    private static final String BLOB_TRANSFER_LOCATION = "file://var/store/activemq/blob-transfer";

    private final BrokerService broker;
    private final ActiveMQConnectionFactory connectionFactory;

    @Inject
    InJvmBroker(FileSystem fileSystem, KahaDBPersistenceAdapter journal) throws Exception {
        journal.setDirectory(file(fileSystem, KAHADB_LOCATION));
        broker = new BrokerService();
        broker.setBrokerName(BROKER_NAME);
        broker.setBrokerId("broker");
        broker.setUseJmx(false);
        broker.setPersistent(true);
        broker.setDataDirectoryFile(file(fileSystem, BROKERS_LOCATION));
        broker.setUseShutdownHook(false);
        broker.setSchedulerSupport(false);
        // No transport connector: clients reach the broker through vm:// only.
        broker.setTransportConnectorURIs(new String[0]);
        ManagementContext managementContext = new ManagementContext();
        managementContext.setCreateConnector(false);
        broker.setManagementContext(managementContext);
        broker.setPersistenceAdapter(journal);
        // The queue-size metrics of James's ActiveMQMetricCollector ask the statistics plugin.
        broker.setPlugins(new BrokerPlugin[] {new StatisticsBrokerPlugin()});
        broker.setEnableStatistics(true);
        broker.start();
        broker.waitUntilStarted();
        LOGGER.info("Mail queue broker started (in this JVM only, journal {})", journal.getDirectory());
        connectionFactory = connectionFactory(fileSystem);
    }

    private static File file(FileSystem fileSystem, String location) throws IOException {
        return fileSystem.getFile(location);
    }

    private static ActiveMQConnectionFactory connectionFactory(FileSystem fileSystem) {
        ActiveMQConnectionFactory factory = new ActiveMQConnectionFactory("vm://" + BROKER_NAME + "?create=false");
        factory.setTrustAllPackages(false);
        FileSystemBlobTransferPolicy blobs = new FileSystemBlobTransferPolicy();
        blobs.setDefaultUploadUrl(BLOB_TRANSFER_LOCATION);
        blobs.setFileSystem(fileSystem);
        factory.setBlobTransferPolicy(blobs);
        // James's queue consumers take one message at a time: nothing waits in a consumer's buffer.
        ActiveMQPrefetchPolicy prefetch = new ActiveMQPrefetchPolicy();
        prefetch.setQueuePrefetch(0);
        prefetch.setTopicPrefetch(0);
        factory.setPrefetchPolicy(prefetch);
        return factory;
    }

    ConnectionFactory connectionFactory() {
        return connectionFactory;
    }

    @PreDestroy
    public void stop() throws Exception {
        broker.stop();
        broker.waitUntilStopped();
    }
}
