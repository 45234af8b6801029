package org.helpdeskmail.server.modules;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.rmi.registry.LocateRegistry;
import java.rmi.registry.Registry;
import java.rmi.server.RMIClientSocketFactory;
import java.rmi.server.RMIServerSocketFactory;
import java.rmi.server.UnicastRemoteObject;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

import javax.management.remote.JMXConnectorServer;
import javax.management.remote.JMXConnectorServerFactory;
import javax.management.remote.JMXServiceURL;
import javax.management.remote.rmi.RMIConnectorServer;

/**
 * The JMX endpoint that {@code james-cli} talks to. Both the RMI registry and the connector are
 * exported through one server-socket factory bound to the configured (loopback) address and on the
 * same port: with James's own JMX server the connector listens on a random port of every interface.
 * Password-protected with the credentials generated into var/jmx/.
 */
public final class LoopbackJmxServer implements AutoCloseable {
    private final Registry registry;
    private final JMXConnectorServer connector;

    private LoopbackJmxServer(Registry registry, JMXConnectorServer connector) {
        this.registry = registry;
        this.connector = connector;
    }

    record BoundServerSocketFactory(InetAddress address) implements RMIServerSocketFactory {
        @Override
        public ServerSocket createServerSocket(int port) throws IOException {
            return new ServerSocket(port, 50, address);
        }
    }

    record PlainClientSocketFactory() implements RMIClientSocketFactory, java.io.Serializable {
        @Override
        public Socket createSocket(String host, int port) throws IOException {
            return new Socket(host, port);
        }
    }

    public static LoopbackJmxServer start(String host, int port, Path passwordFile, Path accessFile) throws IOException {
        InetAddress address = InetAddress.getByName(host);
        BoundServerSocketFactory serverSockets = new BoundServerSocketFactory(address);
        PlainClientSocketFactory clientSockets = new PlainClientSocketFactory();
        Registry registry = LocateRegistry.createRegistry(port, clientSockets, serverSockets);
        Map<String, Object> environment = new HashMap<>();
        environment.put(RMIConnectorServer.RMI_SERVER_SOCKET_FACTORY_ATTRIBUTE, serverSockets);
        environment.put(RMIConnectorServer.RMI_CLIENT_SOCKET_FACTORY_ATTRIBUTE, clientSockets);
        environment.put("jmx.remote.x.password.file", passwordFile.toString());
        environment.put("jmx.remote.x.access.file", accessFile.toString());
        String hostForUrl = address.getHostAddress().contains(":") ? "[" + address.getHostAddress() + "]" : address.getHostAddress();
        JMXServiceURL url = new JMXServiceURL("service:jmx:rmi://" + hostForUrl + ":" + port
            + "/jndi/rmi://" + hostForUrl + ":" + port + "/jmxrmi");
        JMXConnectorServer connector = JMXConnectorServerFactory.newJMXConnectorServer(url, environment,
            ManagementFactory.getPlatformMBeanServer());
        try {
            connector.start();
        } catch (IOException e) {
            UnicastRemoteObject.unexportObject(registry, true);
            throw e;
        }
        return new LoopbackJmxServer(registry, connector);
    }

    @Override
    public void close() throws IOException {
        connector.stop();
        UnicastRemoteObject.unexportObject(registry, true);
    }
}
